import type { Column, Row } from '../rows/row.js';

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
