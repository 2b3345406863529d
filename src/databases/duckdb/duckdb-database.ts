import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  DuckDBInstance,
  DuckDBTypeId,
  type DuckDBConnection,
  type DuckDBType,
  type DuckDBValue,
  type DuckDBListValue,
  type DuckDBStructValue,
  type DuckDBMapValue,
  type DuckDBUnionValue,
  type DuckDBDecimalValue,
  type DuckDBBlobValue,
  type DuckDBDateValue,
  type DuckDBTimestampValue,
  type DuckDBTimestampSecondsValue,
  type DuckDBTimestampMillisecondsValue,
  type DuckDBTimestampNanosecondsValue,
} from '@duckdb/node-api';
import { duckdbColumnType } from './duckdb-column-type.js';
import { binaryValue, decimalText, integerValue, timestampFromMillis } from '../../rows/column-value.js';
import { compileRowBuilder } from '../../rows/compile-row-builder.js';
import type { Column, Row } from '../../rows/row.js';
import type { ReadOptions, Source } from '../../sources/source.js';
import { QueryReader } from '../query-reader.js';
import type { SqlDatabase } from '../sql-database.js';
import { sqlQueryError } from '../sql-query-error.js';
import { duckdbWorkspacePlan } from './duckdb-workspace-plan.js';

type Convert = (v: DuckDBValue) => unknown;

/**
 * Opens a DuckDB database file (created when missing, with its folder) or `:memory:`. Relative file paths inside
 * queries (`read_csv('data/x.csv')`) resolve against `fileSearchPath` (the project directory), not the process's cwd.
 */
export async function openDuckdbDatabase(path: string, options: { fileSearchPath?: string } = {}): Promise<SqlDatabase> {
  if (path !== ':memory:' && !path.startsWith('md:')) await mkdir(dirname(path), { recursive: true });
  const instance = await DuckDBInstance.create(path, options.fileSearchPath ? { file_search_path: options.fileSearchPath } : {});
  return new DuckdbDatabase(instance, path, options.fileSearchPath);
}

/** A DuckDB database: one connection per read, so that reads and steps never share a result. */
class DuckdbDatabase extends QueryReader implements SqlDatabase {
  readonly kind = 'duckdb' as const;
  constructor(
    private readonly instance: DuckDBInstance,
    private readonly path: string,
    private readonly fileSearchPath?: string,
  ) {
    super();
  }

  override query(sql: string): Source {
    const place = { path: this.path, fileSearchPath: this.fileSearchPath, sql };
    return {
      // (A MotherDuck database is not a file the planner's workspace can attach.)
      ...(this.path.startsWith('md:') ? {} : { planInWorkspace: (workspace: DuckDBConnection) => duckdbWorkspacePlan(workspace, place) }),
      ...super.query(sql),
    };
  }

  async execute(sql: string): Promise<void> {
    await this.withConnection((conn) => conn.run(sql));
  }

  async test(): Promise<string> {
    const reader = await this.withConnection((conn) => conn.runAndReadAll('SELECT version()'));
    return `DuckDB ${String(reader.getRows()[0]?.[0])} (${this.path})`;
  }

  async close(): Promise<void> {
    this.instance.closeSync();
  }

  private async withConnection<T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    const conn = await this.instance.connect();
    try {
      return await fn(conn);
    } finally {
      conn.closeSync();
    }
  }

  protected override describe(sql: string): Promise<Column[]> {
    return this.withConnection(async (conn) => describeDuckdb(conn, sql)).catch((e: unknown) => {
      throw sqlQueryError(e, 'duckdb', sql);
    });
  }

  protected override async *read(sql: string, { batchSize = 1000, signal }: ReadOptions = {}): AsyncGenerator<Row[]> {
    signal?.throwIfAborted();
    const conn = await this.instance.connect();
    // Interrupting stops a long-running fetch too, not only the gap between batches.
    const onAbort = () => conn.interrupt();
    signal?.addEventListener('abort', onAbort);
    try {
      const result = await conn.stream(sql);
      const types = result.columnTypes();
      const converters = types.map(duckdbConverter);
      const build = compileRowBuilder(result.deduplicatedColumnNames());
      let batch: Row[] = [];
      for (;;) {
        const chunk = await result.fetchChunk();
        signal?.throwIfAborted();
        if (!chunk || chunk.rowCount === 0) break;
        const columns = converters.map((convert, i) => {
          const values = chunk.getColumnValues(i);
          return convert ? values.map((v) => (v === null ? null : convert(v))) : values;
        });
        const n = chunk.rowCount;
        for (let r = 0; r < n; r++) {
          batch.push(build(columns, r));
          if (batch.length === batchSize) {
            yield batch;
            batch = [];
            signal?.throwIfAborted();
          }
        }
      }
      if (batch.length > 0) yield batch;
    } catch (e) {
      // An interrupted query fails with DuckDB's "Interrupted!": report the abort reason instead.
      signal?.throwIfAborted();
      throw sqlQueryError(e, 'duckdb', sql);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      conn.closeSync();
    }
  }
}

async function describeDuckdb(conn: DuckDBConnection, sql: string): Promise<Column[]> {
  const prepared = await conn.prepare(sql);
  try {
    const columns: Column[] = [];
    for (let i = 0; i < prepared.columnCount; i++) {
      const type = prepared.columnType(i);
      columns.push({ name: prepared.columnName(i), type: duckdbColumnType(DuckDBTypeId[type.typeId], type.alias), nativeType: type.alias ?? type.toString() });
    }
    return columns;
  } finally {
    prepared.destroySync();
  }
}

/**
 * Booleans and integers of up to 32 bits: read as the JavaScript booleans and numbers they are, whose text is the
 * text DuckDB gives them.
 */
export const DUCKDB_BOOLEANS_AND_SMALL_INTEGERS: ReadonlySet<DuckDBTypeId> = new Set([
  DuckDBTypeId.BOOLEAN,
  DuckDBTypeId.TINYINT,
  DuckDBTypeId.SMALLINT,
  DuckDBTypeId.INTEGER,
  DuckDBTypeId.UTINYINT,
  DuckDBTypeId.USMALLINT,
  DuckDBTypeId.UINTEGER,
]);

/** How to turn one non-null value of a DuckDB type into the shared mapping; null when it already is. */
export function duckdbConverter(type: DuckDBType): Convert | null {
  if (type.alias?.toUpperCase() === 'JSON') return (v) => JSON.parse(v as string);
  if (DUCKDB_BOOLEANS_AND_SMALL_INTEGERS.has(type.typeId)) return null;
  switch (type.typeId) {
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
    case DuckDBTypeId.VARCHAR:
    case DuckDBTypeId.ENUM:
      return null;
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
    case DuckDBTypeId.BIGNUM:
      return (v) => integerValue(v as bigint);
    case DuckDBTypeId.DECIMAL:
      return (v) => {
        const d = v as DuckDBDecimalValue;
        return decimalText(d.value, d.scale);
      };
    case DuckDBTypeId.DATE:
      return (v) => (v as DuckDBDateValue).toString();
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_TZ:
      return (v) => timestampFromMicros((v as DuckDBTimestampValue).micros);
    case DuckDBTypeId.TIMESTAMP_S:
      return (v) => timestampFromMicros((v as DuckDBTimestampSecondsValue).seconds * 1_000_000n);
    case DuckDBTypeId.TIMESTAMP_MS:
      return (v) => timestampFromMicros((v as DuckDBTimestampMillisecondsValue).millis * 1000n);
    case DuckDBTypeId.TIMESTAMP_NS:
      return (v) => timestampFromMicros((v as DuckDBTimestampNanosecondsValue).nanos / 1000n);
    case DuckDBTypeId.BLOB:
      return (v) => binaryValue((v as DuckDBBlobValue).bytes);
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY: {
      const item = duckdbConverter(type.valueType);
      return (v) => (v as DuckDBListValue).items.map((x) => (x === null ? null : item ? item(x) : x));
    }
    case DuckDBTypeId.STRUCT: {
      const entries = type.entryNames.map((name, i) => [name, duckdbConverter(type.entryTypes[i]!)] as const);
      return (v) => {
        const src = (v as DuckDBStructValue).entries;
        const out: Record<string, unknown> = {};
        for (const [name, convert] of entries) {
          const x = src[name] ?? null;
          out[name] = x === null ? null : convert ? convert(x) : x;
        }
        return out;
      };
    }
    case DuckDBTypeId.MAP: {
      const key = duckdbConverter(type.keyType);
      const value = duckdbConverter(type.valueType);
      const stringKeys = type.keyType.typeId === DuckDBTypeId.VARCHAR;
      return (v) => {
        const pairs = (v as DuckDBMapValue).entries.map((e) => ({
          key: e.key === null ? null : key ? key(e.key) : e.key,
          value: e.value === null ? null : value ? value(e.value) : e.value,
        }));
        // A map with text keys reads naturally as an object; other keys cannot be object keys.
        return stringKeys ? Object.fromEntries(pairs.map((p) => [p.key, p.value])) : pairs;
      };
    }
    case DuckDBTypeId.UNION: {
      const members = Object.fromEntries(type.memberTags.map((tag, i) => [tag, duckdbConverter(type.memberTypes[i]!)]));
      return (v) => {
        const u = v as DuckDBUnionValue;
        const convert = members[u.tag];
        return u.value === null ? null : convert ? convert(u.value) : u.value;
      };
    }
    default:
      return (v) => String(v);
  }
}

const MAX_EXACT_MICROS = BigInt(Number.MAX_SAFE_INTEGER);
const INFINITY_MICROS = 2n ** 63n - 1n;

/** Microseconds since the epoch as ISO-8601 UTC; DuckDB's infinities as 'infinity' / '-infinity'. */
function timestampFromMicros(micros: bigint): string {
  if (micros >= INFINITY_MICROS) return 'infinity';
  if (micros <= -INFINITY_MICROS) return '-infinity';
  // Number() is exact within 2^53 µs (years 1685–2255); beyond, divide as bigint first.
  if (micros <= MAX_EXACT_MICROS && micros >= -MAX_EXACT_MICROS) return timestampFromMillis(Math.floor(Number(micros) / 1000));
  return timestampFromMillis(Number(micros / 1000n - (micros < 0n && micros % 1000n !== 0n ? 1n : 0n)));
}
