import type { SqlEngine } from '../config/quote-identifier.js';

/** Each database engine's name in messages (`PostgreSQL`), by connection type. */
export const DATABASE_LABELS: Readonly<Record<SqlEngine, string>> = {
  duckdb: 'DuckDB',
  sqlite: 'SQLite',
  postgres: 'PostgreSQL',
  mysql: 'MySQL',
  bigquery: 'BigQuery',
};
