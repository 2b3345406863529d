import type { Connection } from './project-schema.js';

/** A database a sync's SQL runs on. */
export type SqlEngine = Exclude<Connection['type'], 'http'>;

/**
 * One name quoted for the engine: "a" on PostgreSQL, DuckDB and SQLite (a `"` inside doubled), `a` on MySQL (a
 * backtick doubled) and BigQuery (backticks and backslashes dropped: BigQuery reads `\` as an escape, so a name
 * ending in one would reopen the quote).
 */
export function quoteIdentifier(name: string, engine: SqlEngine | undefined): string {
  if (engine === 'bigquery') return `\`${name.replace(/[`\\]/g, '')}\``;
  const q = engine === 'mysql' ? '`' : '"';
  return `${q}${name.split(q).join(q + q)}${q}`;
}
