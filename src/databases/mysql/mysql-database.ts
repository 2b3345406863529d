import { createRequire } from 'node:module';
import mysql from 'mysql2';
import type { FieldPacket, Pool, PoolConnection, TypeCast } from 'mysql2';
import { mysqlColumnType } from './mysql-column-type.js';
import { MYSQL_UTC, mysqlConnectionOptions } from './mysql-driver.js';
import { binaryValue, integerValue, timestampValue } from '../../rows/column-value.js';
import { limitZeroSql } from '../limit-zero-sql.js';
import type { Column, Row } from '../../rows/row.js';
import type { ReadOptions } from '../../sources/source.js';
import { QueryReader } from '../query-reader.js';
import type { SqlDatabase } from '../sql-database.js';
import { sqlQueryError } from '../sql-query-error.js';

// mysql2 exposes its protocol type codes only on the CommonJS export.
const typeCodes = createRequire(import.meta.url)('mysql2').Types as Record<string, number>;
const typeNames: Record<number, string> = Object.fromEntries(Object.entries(typeCodes).map(([name, code]) => [code, name]));
const BINARY_CHARSET = 63;

// Only the types whose mysql2 value differs from the shared mapping are touched; the rest go to next().
const typeCast: TypeCast = (field, next) => {
  switch (field.type) {
    case 'LONGLONG': {
      const s = field.string();
      return s === null ? null : integerValue(s);
    }
    case 'TINY':
      if (field.length !== 1) return next();
      return nullOr(field.string(), (s) => s !== '0');
    case 'DATETIME':
    case 'TIMESTAMP':
      // The session runs in UTC (see openMysqlDatabase), so the text is the UTC instant.
      return nullOr(field.string(), timestampValue);
    case 'DATE':
      return field.string();
    case 'BIT': {
      const b = field.buffer();
      if (b === null) return null;
      return field.length === 1 ? b[0] !== 0 : binaryValue(b);
    }
    default: {
      const v = next();
      return Buffer.isBuffer(v) ? binaryValue(v) : v;
    }
  }
};

function nullOr<T>(s: string | null, f: (s: string) => T): T | null {
  return s === null ? null : f(s);
}

/** Opens a pool on a MySQL or MariaDB URL (`mysql://user:pass@host:port/db`); the session time zone is UTC. */
export async function openMysqlDatabase(url: string, options: { onClose?: () => Promise<void> } = {}): Promise<SqlDatabase> {
  const pool = mysql.createPool({ ...mysqlConnectionOptions(url), connectionLimit: 4, typeCast, multipleStatements: true });
  pool.on('connection', (conn) => {
    // Queued before any other command of this connection, so every read sees UTC timestamps.
    conn.query(`SET ${MYSQL_UTC}`, () => undefined);
  });
  return new MysqlDatabase(pool, options.onClose);
}

class MysqlDatabase extends QueryReader implements SqlDatabase {
  readonly kind = 'mysql' as const;
  constructor(
    private readonly pool: Pool,
    private readonly onClose?: () => Promise<void>,
  ) {
    super();
  }

  async execute(sql: string): Promise<void> {
    await this.run(sql);
  }

  async test(): Promise<string> {
    const [rows] = await this.run('SELECT VERSION() AS v');
    const version = String((rows as { v: string }[])[0]?.v ?? '?');
    return version.toLowerCase().includes('mariadb') ? `MariaDB ${version.split('-')[0]}` : `MySQL ${version}`;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve, reject) => this.pool.end((e) => (e ? reject(e) : resolve())));
    await this.onClose?.();
  }

  private run(sql: string): Promise<[unknown, FieldPacket[]]> {
    return new Promise((resolve, reject) =>
      this.pool.query(sql, (e, rows, fields) => (e ? reject(e) : resolve([rows, fields as FieldPacket[]]))),
    );
  }

  protected override async describe(sql: string): Promise<Column[]> {
    const wrapped = limitZeroSql(sql);
    const [, fields] = await this.run(wrapped).catch((e: unknown) => {
      throw sqlQueryError(e, 'mysql', wrapped, sql);
    });
    return fields.map((f) => {
      const typeName = typeNames[f.columnType ?? f.type ?? -1] ?? 'STRING';
      const length = f.columnLength ?? f.length ?? 0;
      const binary = f.characterSet === BINARY_CHARSET;
      return {
        name: f.name,
        type: mysqlColumnType(typeName, length, f.extendedFormat, binary),
        nativeType: nativeTypeName(typeName, f, binary),
      };
    });
  }

  protected override async *read(sql: string, { batchSize = 1000, signal }: ReadOptions = {}): AsyncGenerator<Row[]> {
    signal?.throwIfAborted();
    const conn = await new Promise<PoolConnection>((resolve, reject) =>
      this.pool.getConnection((e, c) => (e ? reject(e) : resolve(c))),
    );
    // The stream pauses the socket when the consumer is slower than the server: memory stays bounded.
    const stream = conn.query(sql).stream({ highWaterMark: batchSize });
    let finished = false;
    const onAbort = () => {
      this.pool.query(`KILL QUERY ${Number(conn.threadId)}`, () => undefined);
      stream.destroy();
    };
    signal?.addEventListener('abort', onAbort);
    try {
      let batch: Row[] = [];
      for await (const row of stream) {
        batch.push(row as Row);
        if (batch.length === batchSize) {
          yield batch;
          batch = [];
          signal?.throwIfAborted();
        }
      }
      signal?.throwIfAborted();
      if (batch.length > 0) yield batch;
      finished = true;
    } catch (e) {
      signal?.throwIfAborted();
      throw sqlQueryError(e, 'mysql', sql);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      // A result left half-read cannot be reused: the connection is dropped, the pool opens another.
      if (finished) conn.release();
      else conn.destroy();
    }
  }
}

const sqlNames: Record<string, string> = {
  TINY: 'TINYINT',
  SHORT: 'SMALLINT',
  LONG: 'INT',
  INT24: 'MEDIUMINT',
  LONGLONG: 'BIGINT',
  NEWDECIMAL: 'DECIMAL',
  VAR_STRING: 'VARCHAR',
  STRING: 'CHAR',
  TINY_BLOB: 'TINYBLOB',
  MEDIUM_BLOB: 'MEDIUMBLOB',
  LONG_BLOB: 'LONGBLOB',
};

/** The column's type as SQL spells it (`DECIMAL(38,9)`, `TINYINT(1)`, `JSON`), from its protocol metadata. */
function nativeTypeName(typeName: string, f: FieldPacket, binary: boolean): string {
  if (f.extendedFormat === 'json') return 'JSON';
  if (f.extendedTypeName) return f.extendedTypeName.toUpperCase();
  const name = sqlNames[typeName] ?? typeName;
  if (name === 'DECIMAL') {
    // The length counts the sign and the point; the scale is in `decimals`.
    const scale = f.decimals;
    const precision = (f.columnLength ?? 0) - (scale > 0 ? 1 : 0) - 1;
    return `DECIMAL(${precision},${scale})`;
  }
  if (name === 'TINYINT' && f.columnLength === 1) return 'TINYINT(1)';
  if (binary && (name === 'VARCHAR' || name === 'CHAR')) return name === 'VARCHAR' ? 'VARBINARY' : 'BINARY';
  if (!binary && name.endsWith('BLOB')) return name.replace('BLOB', 'TEXT');
  return name;
}
