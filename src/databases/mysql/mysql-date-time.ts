/** `2026-11-22T09:00:00.123456Z` → `2026-11-22 09:00:00.123456` (UTC; an offset is applied, keeping the fraction's digits). */
export function mysqlDateTime(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/.exec(iso);
  if (!m) return iso;
  const fraction = m[3] ?? '';
  if (m[4] === undefined || m[4] === 'Z') return `${m[1]} ${m[2]}${fraction}`;
  const offset = m[4].length === 5 ? `${m[4].slice(0, 3)}:${m[4].slice(3)}` : m[4];
  const utc = new Date(`${m[1]}T${m[2]}${offset}`).toISOString();
  return `${utc.slice(0, 10)} ${utc.slice(11, 19)}${fraction}`;
}
