import type Database from 'better-sqlite3';
import { sqliteColumnType } from './sqlite-column-type.js';
import { openSqliteFile } from './sqlite-driver.js';
import { binaryValue, integerValue, timestampFromMillis, timestampValue } from '../../rows/column-value.js';
import type { Column, ColumnType, Row } from '../../rows/row.js';
import type { ReadOptions } from '../../sources/source.js';
import { QueryReader } from '../query-reader.js';
import type { SqlDatabase } from '../sql-database.js';
import { sqlQueryError } from '../sql-query-error.js';

type Convert = (v: unknown) => unknown;

/** Opens a SQLite database file read-write, created (with its folder) when missing. */
export async function openSqliteDatabase(path: string): Promise<SqlDatabase> {
  return new SqliteDatabase(openSqliteFile(path), path);
}

class SqliteDatabase extends QueryReader implements SqlDatabase {
  readonly kind = 'sqlite' as const;
  constructor(
    private readonly db: Database.Database,
    private readonly path: string,
  ) {
    super();
  }

  async execute(sql: string): Promise<void> {
    this.db.exec(sql);
  }

  async test(): Promise<string> {
    const version = this.db.prepare('SELECT sqlite_version() AS v').get() as { v: string };
    return `SQLite ${version.v} (${this.path})`;
  }

  async close(): Promise<void> {
    this.db.close();
  }

  /** The statement, or the engine's refusal placed in the SQL. */
  private prepare(sql: string): Database.Statement {
    try {
      return this.db.prepare(sql);
    } catch (e) {
      throw sqlQueryError(e, 'sqlite', sql);
    }
  }

  protected override async describe(sql: string): Promise<Column[]> {
    return this.prepare(sql).columns().map((c) => ({ name: c.name, type: sqliteColumnType(c.type), nativeType: c.type ?? '' }));
  }

  protected override async *read(sql: string, { batchSize = 1000, signal }: ReadOptions = {}): AsyncGenerator<Row[]> {
    signal?.throwIfAborted();
    const statement = this.prepare(sql);
    // Integers arrive as bigint so that values beyond 2^53 stay exact.
    statement.safeIntegers(true);
    const columns = statement.columns();
    const converters = columns.map((c) => sqliteConverter(sqliteColumnType(c.type)));
    const names = columns.map((c) => c.name);
    const rows = statement.raw(true).iterate() as IterableIterator<unknown[]>;
    try {
      let batch: Row[] = [];
      for (const values of rows) {
        const row: Row = {};
        for (let i = 0; i < names.length; i++) {
          const v = values[i];
          row[names[i]!] = v === null || v === undefined ? null : converters[i]!(v);
        }
        batch.push(row);
        if (batch.length === batchSize) {
          yield batch;
          batch = [];
          // Between batches the iterator is idle: an abort lands here.
          signal?.throwIfAborted();
        }
      }
      if (batch.length > 0) yield batch;
    } catch (e) {
      // A value the query cannot compute (a failing function call) fails while stepping, not preparing.
      throw sqlQueryError(e, 'sqlite', sql);
    } finally {
      // Ends the statement so that the database is not left busy (return() on an iterate() cursor).
      rows.return?.();
    }
  }
}

/** SQLite values carry their own storage class; the declared type says how to read them. */
function sqliteConverter(type: ColumnType): Convert {
  switch (type) {
    case 'integer':
      return (v) => (typeof v === 'bigint' ? integerValue(v) : plain(v));
    case 'decimal':
      // Exact decimals live in SQLite as text; a REAL prints as SQLite prints it.
      return (v) => (typeof v === 'string' ? v : typeof v === 'bigint' || typeof v === 'number' ? String(v) : plain(v));
    case 'boolean':
      return (v) => (typeof v === 'bigint' ? v !== 0n : typeof v === 'number' ? v !== 0 : typeof v === 'string' ? v === '1' || v.toLowerCase() === 'true' : plain(v));
    case 'timestamp':
      // Text in any ISO-8601 layout; numbers are Unix epoch seconds.
      return (v) =>
        typeof v === 'string' ? timestampValue(v) : typeof v === 'bigint' || typeof v === 'number' ? timestampFromMillis(Number(v) * 1000) : plain(v);
    case 'date':
      return (v) => (typeof v === 'string' ? v.slice(0, 10) : plain(v));
    case 'json':
      return (v) => (typeof v === 'string' ? JSON.parse(v) : plain(v));
    case 'binary':
      return (v) => (v instanceof Uint8Array ? binaryValue(v) : typeof v === 'string' ? Buffer.from(v).toString('base64') : plain(v));
    case 'number':
      return (v) => (typeof v === 'bigint' ? Number(v) : plain(v));
    default:
      return plain;
  }
}

/** A value by its storage class alone (an expression column, or a value unlike its declared type). */
function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return integerValue(v);
  if (v instanceof Uint8Array) return binaryValue(v);
  return v;
}
