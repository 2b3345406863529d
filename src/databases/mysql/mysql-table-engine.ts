import mysql from 'mysql2/promise';
import type { Row } from '../../rows/row.js';
import { inTransaction } from '../in-transaction.js';
import { perTarget } from '../per-target.js';
import { sqlScript } from '../sql-script.js';
import { SqlTableEngine, type TableEngineTraits } from '../sql-table-engine.js';
import { STAGED_ROW } from '../staged-statements.js';
import { StagingTables } from '../staging-tables.js';
import type { BatchWrite, TableEngine, TableTarget } from '../table-engine.js';
import type { TableName } from '../table-name.js';
import type { ColumnBinding, TableShape } from '../table-schema.js';
import { targetColumns } from '../target-columns.js';
import { mysqlNativeType, mysqlTableColumnType } from './mysql-column-type.js';
import { mysqlDateTime } from './mysql-date-time.js';
import { MYSQL_UTC, mysqlConnectionOptions } from './mysql-driver.js';

/**
 * Opens the table engine of a MySQL or MariaDB URL: multi-row INSERT (ON DUPLICATE KEY UPDATE), UPDATE joined with a
 * temporary table, DELETE by keys. The session is UTC, strict (a value that does not fit is an error, never
 * truncated) and reads backslash escapes. `onClose` runs after the connection ends (an SSH tunnel to close).
 */
export async function openMysqlTableEngine(url: string, options: { onClose?: () => Promise<void> } = {}): Promise<TableEngine> {
  const connection = await mysql.createConnection({ ...mysqlConnectionOptions(url), charset: 'utf8mb4' });
  connection.on('error', () => undefined);
  try {
    const [rows] = await connection.query<mysql.RowDataPacket[]>('SELECT @@SESSION.sql_mode AS mode');
    const modes = String(rows[0]?.mode ?? '')
      .split(',')
      .filter((m) => m && m !== 'NO_BACKSLASH_ESCAPES');
    if (!modes.includes('STRICT_ALL_TABLES')) modes.push('STRICT_ALL_TABLES');
    await connection.query(`SET SESSION sql_mode = ${mysql.escape(modes.join(','))}, ${MYSQL_UTC}`);
    return new MysqlTableEngine(connection, options.onClose);
  } catch (e) {
    await connection.end().catch(() => undefined);
    throw e;
  }
}

/** Literal SQL for one value. */
type Literal = (value: unknown) => string;

/** Multi-row statements are cut at about this many characters, well under the default max_allowed_packet (16 MB). */
const STATEMENT_CHARS = 4 * 1024 * 1024;
/** Errors MySQL reports with SQLSTATE HY000 that are still about a value: bad integer/JSON, truncation, CHECK. */
const ROW_ERRNOS = new Set([1265, 1292, 1366, 1367, 1406, 1411, 3140, 3819, 4025]);

const MYSQL: TableEngineTraits = {
  engine: 'mysql',
  batchSize: 1000,
  // Binary collation: keys and text compare byte for byte, as in the source ("a" and "A" are two keys).
  tableOptions: ' DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin',
  columnType: mysqlTableColumnType,
  nativeType: mysqlNativeType,
};

/** The MySQL/MariaDB engine of a table destination (one connection). */
class MysqlTableEngine extends SqlTableEngine implements TableEngine {
  private readonly stages = new StagingTables();
  private readonly literalsOf = perTarget((target) => target.bindings.map(mysqlLiteral));
  private readonly run = (sql: string) => this.connection.query(sql);

  constructor(
    private readonly connection: mysql.Connection,
    onClose: (() => Promise<void>) | undefined,
  ) {
    super(MYSQL, onClose);
  }

  async describe(table: TableName): Promise<TableShape | null> {
    const schema = table.schema ?? null;
    const [columns] = await this.connection.query<mysql.RowDataPacket[]>(
      `SELECT COLUMN_NAME AS name, COLUMN_TYPE AS type FROM information_schema.COLUMNS
       WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
      [schema, table.name],
    );
    if (columns.length === 0) return null;
    const [indexed] = await this.connection.query<mysql.RowDataPacket[]>(
      `SELECT INDEX_NAME AS idx, COLUMN_NAME AS name FROM information_schema.STATISTICS
       WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ? AND NON_UNIQUE = 0 ORDER BY INDEX_NAME, SEQ_IN_INDEX`,
      [schema, table.name],
    );
    const unique = new Map<string, string[]>();
    for (const r of indexed) unique.set(String(r.idx), [...(unique.get(String(r.idx)) ?? []), String(r.name)]);
    return {
      columns: columns.map((c) => ({ name: String(c.name), nativeType: String(c.type), ...this.nativeType(String(c.type)) })),
      uniqueKeys: [...unique.values()],
    };
  }

  async execute(statements: string[]): Promise<void> {
    for (const s of statements) await this.connection.query(s);
  }

  async writeBatch(target: TableTarget, batch: BatchWrite): Promise<number[]> {
    const stage = batch.kind === 'update' ? await this.stage(target) : '';
    const sql = this.statements(target, batch, stage);
    const literals = this.literalsOf(target);
    let missing: number[] = [];
    await inTransaction(this.run, 'START TRANSACTION', async () => {
      if (sql.truncate) await this.connection.query(sql.truncate);
      if (batch.rows.length === 0) return;
      if (batch.kind === 'delete') {
        const keyLiterals = target.key.map((b) => literals[target.bindings.indexOf(b)]!);
        const tuples = batch.rows.map((row) => tuple(target.key, keyLiterals, row, target.key.length > 1));
        for (const chunk of chunks(tuples)) await this.connection.query(`${sql.head}${chunk.join(', ')})`);
      } else if (batch.kind === 'update') {
        await this.connection.query(`DELETE FROM ${stage}`);
        const tuples = batch.rows.map((row, i) => `(${i}, ${tuple(target.bindings, literals, row, false)})`);
        for (const chunk of chunks(tuples)) await this.connection.query(`${sql.head}${chunk.join(', ')}`);
        const [rows] = await this.connection.query<mysql.RowDataPacket[]>(sql.missing!);
        missing = rows.map((r) => Number(r.n));
        if (sql.apply) await this.connection.query(sql.apply);
      } else {
        const tuples = batch.rows.map((row) => `(${tuple(target.bindings, literals, row, false)})`);
        for (const chunk of chunks(tuples)) await this.connection.query(`${sql.head}${chunk.join(', ')}${sql.tail}`);
      }
    });
    return missing;
  }

  describeWrite(target: TableTarget, batch: Omit<BatchWrite, 'rows'>): string {
    const stage = batch.kind === 'update' ? this.stageName(target) : '';
    const sql = this.statements(target, batch, stage);
    const values = batch.kind === 'delete' ? '...)' : `(...), ...${sql.tail}`;
    return sqlScript([sql.truncate, `${sql.head}${values}`, sql.missing, sql.apply]);
  }

  isRowError(error: unknown): boolean {
    const { sqlState, errno } = error as { sqlState?: unknown; errno?: unknown };
    return (typeof sqlState === 'string' && /^2[23]/.test(sqlState)) || (typeof errno === 'number' && ROW_ERRNOS.has(errno));
  }

  protected override async closeConnection(): Promise<void> {
    await this.connection.end();
  }

  /** `head` + value tuples + `tail` make the batch statement; update also checks `missing` and runs `apply`. */
  private statements(target: TableTarget, batch: Omit<BatchWrite, 'rows'>, stage: string) {
    const q = target.qualified;
    const { all: cols, keys, rest, on } = targetColumns(this, target);
    // TRUNCATE would commit on its own; DELETE keeps the refresh inside the batch's transaction.
    const truncate = batch.truncate ? `DELETE FROM ${q}` : null;
    let head = '';
    let tail = '';
    let missing: string | null = null;
    let apply: string | null = null;
    switch (batch.kind) {
      case 'insert':
        head = `INSERT INTO ${q} (${cols.join(', ')}) VALUES `;
        break;
      case 'upsert':
        head = `INSERT INTO ${q} (${cols.join(', ')}) VALUES `;
        tail = ` ON DUPLICATE KEY UPDATE ${(rest.length ? rest : keys.slice(0, 1)).map((c) => `${c} = VALUES(${c})`).join(', ')}`;
        break;
      case 'update':
        head = `INSERT INTO ${stage} (${STAGED_ROW}, ${cols.join(', ')}) VALUES `;
        missing = `SELECT s.${STAGED_ROW} AS n FROM ${stage} AS s WHERE NOT EXISTS (SELECT 1 FROM ${q} AS t WHERE ${on})`;
        apply = rest.length ? `UPDATE ${q} AS t JOIN ${stage} AS s ON ${on} SET ${rest.map((c) => `t.${c} = s.${c}`).join(', ')}` : null;
        break;
      case 'delete':
        head = keys.length === 1 ? `DELETE FROM ${q} WHERE ${keys[0]} IN (` : `DELETE FROM ${q} WHERE (${keys.join(', ')}) IN (`;
        break;
    }
    return { truncate, head, tail, missing, apply };
  }

  private stageName(target: TableTarget): string {
    return this.quote(this.stages.name(target));
  }

  /** A temporary table with the target's exact column types (charset and collation included) for joined updates. */
  private async stage(target: TableTarget): Promise<string> {
    const name = this.stageName(target);
    const cols = target.bindings.map((b) => `t.${this.quote(b.target.name)}`).join(', ');
    await this.stages.ensure(target, () =>
      this.connection.query(`CREATE TEMPORARY TABLE ${name} SELECT CAST(0 AS SIGNED) AS ${STAGED_ROW}, ${cols} FROM ${target.qualified} AS t LIMIT 0`),
    );
    return name;
  }
}

function tuple(bindings: ColumnBinding[], literals: Literal[], row: Row, parenthesize: boolean): string {
  let s = '';
  for (let i = 0; i < bindings.length; i++) {
    if (i > 0) s += ', ';
    s += literals[i]!(row[bindings[i]!.source.name]);
  }
  return parenthesize ? `(${s})` : s;
}

/** Groups value tuples into statements of at most STATEMENT_CHARS characters. */
function* chunks(tuples: string[]): Generator<string[]> {
  let current: string[] = [];
  let size = 0;
  for (const t of tuples) {
    if (current.length > 0 && size + t.length > STATEMENT_CHARS) {
      yield current;
      current = [];
      size = 0;
    }
    current.push(t);
    size += t.length + 2;
  }
  if (current.length > 0) yield current;
}

const NUMBER = /^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$/;

/** The literal writer of one column, chosen once from the source type and the column's family. */
function mysqlLiteral(binding: ColumnBinding): Literal {
  const { source, target } = binding;
  let literal: Literal;
  if (source.type === 'json') literal = (v) => mysql.escape(JSON.stringify(v));
  else if (source.type === 'binary' && target.family === 'binary') {
    literal = (v) => (typeof v === 'string' ? `X'${Buffer.from(v, 'base64').toString('hex')}'` : generic(v));
  } else if (source.type === 'timestamp' && target.family === 'timestamp') {
    literal = (v) => (typeof v === 'string' ? mysql.escape(mysqlDateTime(v)) : generic(v));
  } else if (source.type === 'integer' || source.type === 'decimal') {
    // Exact digits go as numeric literals: a quoted big integer could pass through a double on its way in.
    literal = (v) => (typeof v === 'string' && NUMBER.test(v) ? v : generic(v));
  } else if (source.type === 'boolean' && target.family !== 'text') {
    literal = (v) => (v === true ? '1' : v === false ? '0' : generic(v));
  } else literal = generic;
  return (v) => (v === null || v === undefined ? 'NULL' : literal(v));
}

function generic(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return mysql.escape(v);
    case 'number':
    case 'bigint':
      return String(v);
    case 'boolean':
      return v ? "'true'" : "'false'";
  }
  if (v instanceof Date) return mysql.escape(mysqlDateTime(v.toISOString()));
  if (v instanceof Uint8Array) return `X'${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex')}'`;
  return mysql.escape(JSON.stringify(v));
}
