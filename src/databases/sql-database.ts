import type { Source } from '../sources/source.js';

/** A SQL database connection: runs queries as sources and SQL steps. */
export interface SqlDatabase {
  /** The engine's name, as in a connection's `type`. */
  readonly kind: 'duckdb' | 'sqlite' | 'postgres' | 'mysql' | 'bigquery';
  /** A source over the rows of one query (already free of `$variables$`). */
  query(sql: string): Source;
  /** Runs statements that return nothing (a pipeline's SQL step). */
  execute(sql: string): Promise<void>;
  /** Reaches the database and says what answered (server version, file), for `connections test`. */
  test(): Promise<string>;
  /** Releases connections, cursors and tunnels. */
  close(): Promise<void>;
}
