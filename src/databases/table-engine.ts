import type { Row } from '../rows/row.js';
import type { TableName } from './table-name.js';
import type { ColumnBinding, TableDialect, TableShape } from './table-schema.js';

/** The statement a batch runs: plain INSERT, INSERT-or-UPDATE by key, UPDATE of existing rows, DELETE by key. */
export type WriteKind = 'insert' | 'upsert' | 'update' | 'delete';

/** The table a destination writes, once its schema is settled. */
export interface TableTarget {
  table: TableName;
  /** The table's name quoted for SQL. */
  qualified: string;
  /** The written columns, in source order. */
  bindings: ColumnBinding[];
  /** The key's bindings, in key order (empty: the table has no key). */
  key: ColumnBinding[];
}

/** One batch to write, all in one transaction. */
export interface BatchWrite {
  kind: WriteKind;
  /** Use MERGE instead of the engine's upsert/update form (only when `supportsMerge`). */
  merge: boolean;
  /** Empty the table first, in the same transaction (full refresh). */
  truncate: boolean;
  rows: Row[];
}

/** The engine half of a table destination: a dialect plus the I/O of one connection. */
export interface TableEngine extends TableDialect {
  /** Rows per `write` the engine asks for. */
  readonly batchSize: number;
  /** Whether the engine runs MERGE (loadMode merge falls back to the upsert form otherwise). */
  readonly supportsMerge: boolean;
  /** Whether a double column stores NaN and ±Infinity. */
  readonly storesNonFinite: boolean;
  /** The table's columns and unique keys, or null when the table does not exist. */
  describe(table: TableName): Promise<TableShape | null>;
  /** Runs DDL statements in order. */
  execute(statements: string[]): Promise<void>;
  /** Writes one batch in one transaction and returns the positions of updates that found no row; throws when it fails. */
  writeBatch(target: TableTarget, batch: BatchWrite): Promise<number[]>;
  /** The SQL a batch runs, without its data (for previews and rejected-row listings). */
  describeWrite(target: TableTarget, batch: Omit<BatchWrite, 'rows'>): string;
  /** Whether an error thrown by writeBatch is about the rows (a constraint, a bad value) rather than the connection or table. */
  isRowError(error: unknown): boolean;
  /** The database's own message for an error, with its detail when it has one. */
  messageOf(error: unknown): string;
  /** Closes the connection. */
  close(): Promise<void>;
}
