/**
 * A table Sluice keeps in the user's database (write_back, run_log), as sluice.yaml's schema takes it
 * (RESULT_TABLE_PATTERN in src/config/project-schema.ts, which a test holds this to): plain identifiers only.
 */
export const RESULT_TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}(\.[A-Za-z_][A-Za-z0-9_]{0,62})?$/;

/** The table a sync's results or runs go to unless the user names another: `<sync>_results`, `<sync>_runs`. */
export function defaultTableName(sync: string, suffix: 'results' | 'runs'): string {
  const base = sync.replace(/[^A-Za-z0-9_]/g, '_').replace(/^(?=\d)/, '_').slice(0, 62 - suffix.length);
  return `${base || 'sluice'}_${suffix}`;
}
