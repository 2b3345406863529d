/**
 * Whether failures pass `on_error.max_failed_rows` (or invalid rows `max_invalid_rows`): a count of rows, or a
 * percentage of the planned rows ("5%").
 */
export function exceedsFailureLimit(failed: number, planned: number, limit: number | string): boolean {
  if (typeof limit === 'number') return failed > limit;
  const pct = Number(limit.replace('%', ''));
  return planned > 0 && (failed / planned) * 100 > pct;
}
