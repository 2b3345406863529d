/** One row as read from a source: column name to a JS value of the shared type mapping (see column-type.ts). */
export type Row = Record<string, unknown>;

/**
 * The type every engine's columns map to. Values in rows follow it:
 * string → string; integer → number when |v| <= 2^53-1, otherwise a decimal string (exact);
 * decimal → string with the exact digits ("12.50"); number → number (floating point);
 * boolean → boolean; date → "YYYY-MM-DD"; timestamp → ISO-8601 in UTC with "Z"
 * ("2026-11-22T09:00:00.000Z"); json (JSON, arrays, structs, maps) → plain JS values;
 * binary → base64 string; NULL → null.
 */
export type ColumnType = 'string' | 'integer' | 'decimal' | 'number' | 'boolean' | 'date' | 'timestamp' | 'json' | 'binary';

/** A column of a source: its name, the shared type and the engine's own type name. */
export interface Column {
  name: string;
  type: ColumnType;
  nativeType: string;
}

/** Options of one read. */
export interface ReadOptions {
  /** Rows per yielded batch (default 1000). */
  batchSize?: number;
  /** Stops the read and releases the cursor when aborted. */
  signal?: AbortSignal;
}

/** Where a sync reads rows from: a SQL query, a table or an HTTP stream. */
export interface Source {
  /** The columns the read will yield, without reading the rows. */
  describe(): Promise<Column[]>;
  /** The rows, in batches, with bounded memory: the next batch is fetched only when asked for. */
  read(options?: ReadOptions): AsyncIterable<Row[]>;
  /**
   * Whether a read returns every record, so a key missing from it is gone; false for an incremental read (only what
   * changed since the kept cursor), which never plans removals. Absent: true (a query or a table is read whole).
   */
  readonly complete?: boolean;
}

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
