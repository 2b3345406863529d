import mysql from 'mysql2/promise';
import type { Column, Row } from '../../rows/row.js';
import type { Destination } from '../../destinations/destination.js';
import { createTableDestination, type TableDestinationOptions } from '../../destinations/table-destination.js';
import type { BatchWrite, TableEngine, TableTarget } from '../table-engine.js';
import type { TableName } from '../table-name.js';
import type { ColumnBinding, NativeType, TableShape } from '../table-schema.js';

/** Options of a MySQL/MariaDB table destination: the connection URL plus the table's. */
export type MysqlTableOptions = Omit<TableDestinationOptions, 'engine'> & { url: string };

/** Opens a table destination on MySQL or MariaDB: multi-row INSERT (ON DUPLICATE KEY UPDATE), UPDATE joined with a temporary table, DELETE by keys. */
export async function openMysqlTableDestination(options: MysqlTableOptions): Promise<Destination> {
  const engine = await MysqlTableEngine.open(options.url);
  try {
    return createTableDestination({ ...options, engine });
  } catch (e) {
    await engine.close();
    throw e;
  }
}

/** Literal SQL for one value. */
type Literal = (value: unknown) => string;

const ROW = '_sluice_row_';
/** Multi-row statements are cut at about this many characters, well under the default max_allowed_packet (16 MB). */
const STATEMENT_CHARS = 4 * 1024 * 1024;
/** Errors MySQL reports with SQLSTATE HY000 that are still about a value: bad integer/JSON, truncation, CHECK. */
const ROW_ERRNOS = new Set([1265, 1292, 1366, 1367, 1406, 1411, 3140, 3819, 4025]);

/** The MySQL/MariaDB engine of a table destination (one connection in UTC, strict mode, utf8mb4). */
export class MysqlTableEngine implements TableEngine {
  readonly label = 'MySQL';
  readonly batchSize = 1000;
  readonly supportsMerge = false;
  readonly storesNonFinite = false;
  private readonly stages = new WeakMap<TableTarget, Promise<string>>();
  private readonly literals = new WeakMap<TableTarget, Literal[]>();
  private stageCount = 0;

  private constructor(private readonly connection: mysql.Connection) {}

  /** Connects; the session is UTC, strict (a value that does not fit is an error, never truncated) and reads backslash escapes. */
  static async open(url: string): Promise<MysqlTableEngine> {
    const connection = await mysql.createConnection({
      uri: url,
      charset: 'utf8mb4',
      timezone: 'Z',
      supportBigNumbers: true,
      bigNumberStrings: true,
      dateStrings: true,
    });
    connection.on('error', () => undefined);
    try {
      const [rows] = await connection.query<mysql.RowDataPacket[]>('SELECT @@SESSION.sql_mode AS mode');
      const modes = String(rows[0]?.mode ?? '')
        .split(',')
        .filter((m) => m && m !== 'NO_BACKSLASH_ESCAPES');
      if (!modes.includes('STRICT_ALL_TABLES')) modes.push('STRICT_ALL_TABLES');
      await connection.query(`SET SESSION sql_mode = ${mysql.escape(modes.join(','))}, time_zone = '+00:00'`);
      return new MysqlTableEngine(connection);
    } catch (e) {
      await connection.end().catch(() => undefined);
      throw e;
    }
  }

  quote(identifier: string): string {
    return `\`${identifier.replace(/`/g, '``')}\``;
  }

  /**
   * Source type → column type: string → LONGTEXT (VARCHAR(255) in a key), integer → BIGINT,
   * decimal → DECIMAL(p,s) of the source when it says, else DECIMAL(65,30), number → DOUBLE, boolean → BOOLEAN,
   * date → DATE, timestamp → DATETIME(6) holding UTC, json → JSON, binary → LONGBLOB (VARBINARY(255) in a key).
   */
  columnType(column: Column, isKey: boolean): string {
    switch (column.type) {
      case 'string':
        return isKey ? 'VARCHAR(255)' : 'LONGTEXT';
      case 'integer':
        return 'BIGINT';
      case 'decimal': {
        const m = /(?:numeric|decimal)\s*\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)/i.exec(column.nativeType);
        const p = Number(m?.[1] ?? 0);
        const s = Number(m?.[2] ?? 0);
        return m && p >= 1 && p <= 65 && s <= 30 && s <= p ? `DECIMAL(${p},${s})` : 'DECIMAL(65,30)';
      }
      case 'number':
        return 'DOUBLE';
      case 'boolean':
        return 'BOOLEAN';
      case 'date':
        return 'DATE';
      case 'timestamp':
        return 'DATETIME(6)';
      case 'json':
        return 'JSON';
      case 'binary':
        return isKey ? 'VARBINARY(255)' : 'LONGBLOB';
    }
  }

  nativeType(type: string): NativeType {
    const t = type.toLowerCase().trim();
    if (/^(tinyint\(1\)|boolean|bool)\b/.test(t)) return { family: 'boolean' };
    if (/^(tinyint|smallint|mediumint|int|integer|bigint)\b/.test(t)) return { family: 'integer' };
    const dec = /^(?:decimal|numeric)(?:\((\d+)(?:,(\d+))?\))?/.exec(t);
    if (dec) return { family: 'decimal', precision: Number(dec[1] ?? 10), scale: Number(dec[2] ?? 0) };
    if (/^(float|double|real)\b/.test(t)) return { family: 'float' };
    if (/^(varchar|char|tinytext|text|mediumtext|longtext)\b/.test(t)) return { family: 'text' };
    if (t === 'date') return { family: 'date' };
    if (/^(datetime|timestamp)\b/.test(t)) return { family: 'timestamp' };
    if (t === 'json') return { family: 'json' };
    if (/^(binary|varbinary|tinyblob|blob|mediumblob|longblob)\b/.test(t)) return { family: 'binary' };
    return { family: 'other' };
  }

  createTable(table: string, definitions: string[], key: string[]): string {
    const pk = key.length > 0 ? `, PRIMARY KEY (${key.join(', ')})` : '';
    // Binary collation: keys and text compare byte for byte, as in the source ("a" and "A" are two keys).
    return `CREATE TABLE ${table} (${definitions.join(', ')}${pk}) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`;
  }

  createSchema(): null {
    return null;
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
    await this.connection.query('START TRANSACTION');
    try {
      if (sql.truncate) await this.connection.query(sql.truncate);
      if (batch.rows.length > 0) {
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
      }
      await this.connection.query('COMMIT');
    } catch (e) {
      await this.connection.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
    return missing;
  }

  describeWrite(target: TableTarget, batch: Omit<BatchWrite, 'rows'>): string {
    const stage = batch.kind === 'update' ? this.stageName(target) : '';
    const sql = this.statements(target, batch, stage);
    const values = batch.kind === 'delete' ? '...)' : `(...), ...${sql.tail}`;
    return [sql.truncate, `${sql.head}${values}`, sql.missing, sql.apply]
      .filter((s): s is string => Boolean(s))
      .map((s) => `${s};`)
      .join('\n');
  }

  isRowError(error: unknown): boolean {
    const { sqlState, errno } = error as { sqlState?: unknown; errno?: unknown };
    return (typeof sqlState === 'string' && /^2[23]/.test(sqlState)) || (typeof errno === 'number' && ROW_ERRNOS.has(errno));
  }

  messageOf(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
  }

  async close(): Promise<void> {
    await this.connection.end();
  }

  /** `head` + value tuples + `tail` make the batch statement; update also checks `missing` and runs `apply`. */
  private statements(target: TableTarget, batch: Omit<BatchWrite, 'rows'>, stage: string) {
    const q = target.qualified;
    const cols = target.bindings.map((b) => this.quote(b.target.name));
    const keys = target.key.map((b) => this.quote(b.target.name));
    const rest = target.bindings.filter((b) => !b.isKey).map((b) => this.quote(b.target.name));
    const on = keys.map((k) => `t.${k} = s.${k}`).join(' AND ');
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
        head = `INSERT INTO ${stage} (${ROW}, ${cols.join(', ')}) VALUES `;
        missing = `SELECT s.${ROW} AS n FROM ${stage} AS s WHERE NOT EXISTS (SELECT 1 FROM ${q} AS t WHERE ${on})`;
        apply = rest.length ? `UPDATE ${q} AS t JOIN ${stage} AS s ON ${on} SET ${rest.map((c) => `t.${c} = s.${c}`).join(', ')}` : null;
        break;
      case 'delete':
        head = keys.length === 1 ? `DELETE FROM ${q} WHERE ${keys[0]} IN (` : `DELETE FROM ${q} WHERE (${keys.join(', ')}) IN (`;
        break;
    }
    return { truncate, head, tail, missing, apply };
  }

  private stageName(target: TableTarget): string {
    let n = this.stageIndexes.get(target);
    if (n === undefined) {
      n = ++this.stageCount;
      this.stageIndexes.set(target, n);
    }
    return this.quote(`sluice_stage_${n}`);
  }
  private readonly stageIndexes = new WeakMap<TableTarget, number>();

  /** A temporary table with the target's exact column types (charset and collation included) for joined updates. */
  private stage(target: TableTarget): Promise<string> {
    let stage = this.stages.get(target);
    if (!stage) {
      const name = this.stageName(target);
      const cols = target.bindings.map((b) => `t.${this.quote(b.target.name)}`).join(', ');
      stage = this.connection
        .query(`CREATE TEMPORARY TABLE ${name} SELECT CAST(0 AS SIGNED) AS ${ROW}, ${cols} FROM ${target.qualified} AS t LIMIT 0`)
        .then(() => name);
      stage.catch(() => this.stages.delete(target));
      this.stages.set(target, stage);
    }
    return stage;
  }

  private literalsOf(target: TableTarget): Literal[] {
    let l = this.literals.get(target);
    if (!l) {
      l = target.bindings.map(mysqlLiteral);
      this.literals.set(target, l);
    }
    return l;
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

/** `2026-11-22T09:00:00.123456Z` → `2026-11-22 09:00:00.123456` (UTC; an offset is applied, keeping the fraction's digits). */
export function mysqlDateTime(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/.exec(iso);
  if (!m) return iso;
  const fraction = m[3] ?? '';
  if (m[4] === undefined || m[4] === 'Z') return `${m[1]} ${m[2]}${fraction}`;
  const offset = m[4].length === 5 ? `${m[4].slice(0, 3)}:${m[4].slice(3)}` : m[4];
  const utc = new Date(`${m[1]}T${m[2]}${offset}`).toISOString();
  return `${utc.slice(0, 10)} ${utc.slice(11, 19)}${fraction}`;
}
