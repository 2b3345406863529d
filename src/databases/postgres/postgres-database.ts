import pg from 'pg';
import Cursor from 'pg-cursor';
import { postgresColumnType } from './postgres-column-type.js';
import { postgresConnectionConfig } from './postgres-driver.js';
import { integerValue, timestampValue } from '../../rows/column-value.js';
import { limitZeroSql } from '../limit-zero-sql.js';
import type { Column, Row } from '../../rows/row.js';
import type { ReadOptions } from '../../sources/source.js';
import { QueryReader } from '../query-reader.js';
import type { SqlDatabase } from '../sql-database.js';
import { sqlQueryError } from '../sql-query-error.js';

type Parse = (text: string) => unknown;

const identity: Parse = (s) => s;
const defaultParser = pg.types.getTypeParser as (oid: number, format?: string) => Parse;
const textArray = defaultParser(1009, 'text');

/** Maps every element of a parsed (possibly nested) array. */
function mapArray(value: unknown, parse: Parse): unknown {
  return Array.isArray(value) ? value.map((v) => (v === null ? null : mapArray(v, parse))) : parse(value as string);
}
const arrayOf = (parse: Parse): Parse => (text) => mapArray(textArray(text), parse);

const bytea: Parse = (text) => (text.startsWith('\\x') ? Buffer.from(text.slice(2), 'hex') : Buffer.from(text, 'latin1')).toString('base64');

// Parsers for the types whose pg defaults differ from the shared mapping (dates as Date objects,
// int8 as text, bytea as Buffer, intervals as objects). Types not listed keep pg's defaults when
// those return plain values, and otherwise stay text.
const parsers: Record<number, Parse> = {
  20: integerValue,
  1016: arrayOf(integerValue),
  1082: identity,
  1182: arrayOf(identity),
  1114: timestampValue,
  1184: timestampValue,
  1115: arrayOf(timestampValue),
  1185: arrayOf(timestampValue),
  17: bytea,
  1001: arrayOf(bytea),
  1231: arrayOf(identity), // numeric[]
  2951: arrayOf(identity), // uuid[]
  1183: arrayOf(identity), // time[]
  1270: arrayOf(identity), // timetz[]
  1187: arrayOf(identity), // interval[]
  1041: arrayOf(identity), // inet[]
  651: arrayOf(identity), // cidr[]
  1040: arrayOf(identity), // macaddr[]
};
// pg's own parsers already give the mapping's values for these: ints, floats, bool, json and their arrays, text arrays.
const keepDefault = new Set([16, 21, 23, 26, 700, 701, 114, 3802, 1000, 1005, 1007, 1021, 1022, 199, 3807, 1009, 1015, 1014]);

const types = {
  getTypeParser: ((oid: number, format?: string) => {
    if (format === 'binary') return defaultParser(oid, 'binary');
    return parsers[oid] ?? (keepDefault.has(oid) ? defaultParser(oid, 'text') : identity);
  }) as typeof pg.types.getTypeParser,
};

/** Opens a pool on a PostgreSQL URL (`postgres://user:pass@host:port/db`); type parsers are this pool's own. */
export async function openPostgresDatabase(url: string, options: { onClose?: () => Promise<void> } = {}): Promise<SqlDatabase> {
  // In UTC, timestamps with zone print as UTC, which keeps their conversion a string rewrite (other zones still
  // convert, only more slowly).
  const pool = new pg.Pool({ ...postgresConnectionConfig(url), types, max: 4 });
  // An idle client losing its server must not crash the process; the next checkout reconnects.
  pool.on('error', () => undefined);
  return new PostgresDatabase(pool, options.onClose);
}

class PostgresDatabase extends QueryReader implements SqlDatabase {
  readonly kind = 'postgres' as const;
  constructor(
    private readonly pool: pg.Pool,
    private readonly onClose?: () => Promise<void>,
  ) {
    super();
  }

  async execute(sql: string): Promise<void> {
    await this.pool.query(sql);
  }

  async test(): Promise<string> {
    const r = await this.pool.query<{ server_version: string }>('SHOW server_version');
    return `PostgreSQL ${r.rows[0]?.server_version.split(' ')[0] ?? '?'}`;
  }

  async close(): Promise<void> {
    await this.pool.end();
    await this.onClose?.();
  }

  protected override async describe(sql: string): Promise<Column[]> {
    const wrapped = limitZeroSql(sql);
    const result = await this.pool.query(wrapped).catch((e: unknown) => {
      throw sqlQueryError(e, 'postgres', wrapped, sql);
    });
    if (result.fields.length === 0) return [];
    const names = await this.pool.query<{ name: string; category: string }>(
      `SELECT format_type(o, NULLIF(m, -1)) AS name, (SELECT typcategory FROM pg_type WHERE oid = o) AS category
         FROM unnest($1::oid[], $2::int[]) WITH ORDINALITY AS x(o, m, i) ORDER BY i`,
      [result.fields.map((f) => f.dataTypeID), result.fields.map((f) => f.dataTypeModifier)],
    );
    return result.fields.map((f, i) => {
      const native = names.rows[i]!;
      return { name: f.name, type: postgresColumnType(f.dataTypeID, native.category), nativeType: native.name };
    });
  }

  protected override async *read(sql: string, { batchSize = 1000, signal }: ReadOptions = {}): AsyncGenerator<Row[]> {
    signal?.throwIfAborted();
    const client = await this.pool.connect();
    const cursor = client.query(new Cursor<Row>(sql));
    // A fetch in flight is stopped on the server; the read then fails with the abort reason.
    // Only while one is in flight: a cancel landing later would hit the connection's next query.
    const pid = (client as unknown as { processID: number | null }).processID;
    let inFlight = false;
    let cancelling: Promise<unknown> | undefined;
    const onAbort = () => {
      if (inFlight && pid !== null) cancelling = this.pool.query('SELECT pg_cancel_backend($1)', [pid]).catch(() => undefined);
    };
    signal?.addEventListener('abort', onAbort);
    let failed: Error | undefined;
    try {
      for (;;) {
        let rows: Row[];
        try {
          inFlight = true;
          rows = await cursor.read(batchSize);
        } catch (e) {
          failed = e as Error;
          signal?.throwIfAborted();
          throw sqlQueryError(e, 'postgres', sql);
        } finally {
          inFlight = false;
        }
        signal?.throwIfAborted();
        if (rows.length === 0) break;
        yield rows;
        signal?.throwIfAborted();
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      await cancelling;
      if (cancelling && !failed) failed = new Error('cancelled');
      if (!failed) {
        // Closing the portal ends its implicit transaction, so the connection goes back clean.
        await cursor.close().catch((e: Error) => {
          failed = e;
        });
      }
      // After a failed fetch the connection is discarded rather than trusted.
      client.release(failed);
    }
  }
}
