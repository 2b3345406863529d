import type { DuckDBConnection, DuckDBType } from '@duckdb/node-api';
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
  /**
   * Offered by a source whose rows the planner's DuckDB workspace can read itself (a DuckDB query): makes them
   * readable there, so they are keyed and fingerprinted in SQL instead of row by row. Null when this read cannot run
   * there. Absent: the planner reads through read().
   */
  planInWorkspace?(workspace: DuckDBConnection): Promise<WorkspaceRows | null>;
}

/** A source's rows as the planner's DuckDB workspace reads them (see Source.planInWorkspace). */
export interface WorkspaceRows {
  /** The query giving the rows, run in the workspace. */
  sql: string;
  /** Its columns, with the DuckDB types their values have (what read() would convert). */
  columns: { name: string; type: DuckDBType }[];
  /** Every scan reads the same rows (a database file attached read-only), so a second scan may fingerprint only some. */
  stable: boolean;
  /** Undoes what planInWorkspace set up (attached files, settings), when the planner reads through read() after all. */
  release(): Promise<void>;
}
