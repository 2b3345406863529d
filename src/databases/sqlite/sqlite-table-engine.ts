import type Database from 'better-sqlite3';
import type { Row } from '../../rows/row.js';
import { perTarget } from '../per-target.js';
import { sqlScript } from '../sql-script.js';
import { SqlTableEngine, type TableEngineTraits } from '../sql-table-engine.js';
import type { BatchWrite, TableEngine, TableTarget } from '../table-engine.js';
import type { TableName } from '../table-name.js';
import type { ColumnBinding, TableShape } from '../table-schema.js';
import { targetColumns } from '../target-columns.js';
import { sqliteNativeType, sqliteTableColumnType } from './sqlite-column-type.js';
import { openSqliteFile } from './sqlite-driver.js';

/** Opens the table engine of a SQLite file (absolute, or `:memory:`; created when missing): prepared statements, one transaction per batch. */
export async function openSqliteTableEngine(path: string): Promise<TableEngine> {
  return new SqliteTableEngine(openSqliteFile(path));
}

type Bindable = string | number | bigint | Buffer | null;
type Binder = (value: unknown) => Bindable;

/** Codes of errors about a row's values rather than the database. */
const ROW_ERROR = /^SQLITE_(CONSTRAINT|MISMATCH|TOOBIG|RANGE)/;

const SQLITE: TableEngineTraits = { engine: 'sqlite', batchSize: 5000, columnType: sqliteTableColumnType, nativeType: sqliteNativeType };

/** The SQLite engine of a table destination (better-sqlite3: synchronous, so one batch at a time by nature). */
class SqliteTableEngine extends SqlTableEngine implements TableEngine {
  private readonly prepared = perTarget(() => new Map<string, Database.Statement>());
  private readonly bindersOf = perTarget((target): Binder[] => target.bindings.map(sqliteBinder));

  constructor(private readonly db: Database.Database) {
    super(SQLITE);
  }

  async describe(table: TableName): Promise<TableShape | null> {
    const schema = table.schema === null ? '' : `${this.quote(table.schema)}.`;
    const name = this.quote(table.name);
    const columns = this.db.prepare(`PRAGMA ${schema}table_info(${name})`).all() as { name: string; type: string; pk: number }[];
    if (columns.length === 0) return null;
    const uniqueKeys: string[][] = [];
    const pk = columns.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk);
    if (pk.length > 0) uniqueKeys.push(pk.map((c) => c.name));
    const indexes = this.db.prepare(`PRAGMA ${schema}index_list(${name})`).all() as { name: string; unique: number; partial: number }[];
    for (const idx of indexes.filter((i) => i.unique && !i.partial)) {
      const cols = this.db.prepare(`PRAGMA ${schema}index_info(${this.quote(idx.name)})`).all() as { seqno: number; name: string | null }[];
      if (cols.every((c) => c.name !== null)) uniqueKeys.push(cols.sort((a, b) => a.seqno - b.seqno).map((c) => c.name!));
    }
    return { columns: columns.map((c) => ({ name: c.name, nativeType: c.type, ...this.nativeType(c.type) })), uniqueKeys };
  }

  async execute(statements: string[]): Promise<void> {
    this.db.transaction(() => {
      for (const s of statements) this.db.exec(s);
    })();
  }

  async writeBatch(target: TableTarget, batch: BatchWrite): Promise<number[]> {
    const sql = this.statements(target, batch);
    const statement = this.statement(target, sql.apply);
    const binders = this.bindersOf(target);
    const rest = target.bindings.filter((b) => !b.isKey);
    const missing: number[] = [];
    const bind = (row: Row, bindings: ColumnBinding[]) => bindings.map((b) => binders[target.bindings.indexOf(b)]!(row[b.source.name]));
    this.db.transaction(() => {
      if (sql.truncate) this.db.exec(sql.truncate);
      batch.rows.forEach((row, i) => {
        switch (batch.kind) {
          case 'insert':
          case 'upsert':
            statement.run(bind(row, target.bindings));
            break;
          case 'update': {
            const info = statement.run([...bind(row, rest.length ? rest : []), ...bind(row, target.key)]);
            if (info.changes === 0) missing.push(i);
            break;
          }
          case 'delete':
            statement.run(bind(row, target.key));
            break;
        }
      });
    })();
    return missing;
  }

  describeWrite(target: TableTarget, batch: Omit<BatchWrite, 'rows'>): string {
    const sql = this.statements(target, batch);
    return sqlScript([sql.truncate, `${sql.apply} -- once per row`]);
  }

  isRowError(error: unknown): boolean {
    const code = (error as { code?: unknown }).code;
    // Binding errors (a BigInt beyond 64 bits) are about the value too.
    return (typeof code === 'string' && ROW_ERROR.test(code)) || error instanceof RangeError || error instanceof TypeError;
  }

  protected override async closeConnection(): Promise<void> {
    this.db.close();
  }

  private statements(target: TableTarget, batch: Omit<BatchWrite, 'rows'>) {
    const q = target.qualified;
    const { all: cols, keys, rest } = targetColumns(this, target);
    const where = keys.map((k) => `${k} = ?`).join(' AND ');
    const insert = `INSERT INTO ${q} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`;
    const truncate = batch.truncate ? `DELETE FROM ${q}` : null;
    let apply: string;
    switch (batch.kind) {
      case 'insert':
        apply = insert;
        break;
      case 'upsert':
        apply = `${insert} ON CONFLICT (${keys.join(', ')}) ${rest.length ? `DO UPDATE SET ${rest.map((c) => `${c} = excluded.${c}`).join(', ')}` : 'DO NOTHING'}`;
        break;
      case 'update':
        // With nothing but key columns, a no-op update still reports whether the row exists.
        apply = `UPDATE ${q} SET ${(rest.length ? rest : keys.slice(0, 1)).map((c) => `${c} = ${rest.length ? '?' : c}`).join(', ')} WHERE ${where}`;
        break;
      case 'delete':
        apply = `DELETE FROM ${q} WHERE ${where}`;
        break;
    }
    return { truncate, apply };
  }

  private statement(target: TableTarget, sql: string): Database.Statement {
    const cache = this.prepared(target);
    let s = cache.get(sql);
    if (!s) cache.set(sql, (s = this.db.prepare(sql)));
    return s;
  }
}

const INTEGER = /^[+-]?\d+$/;

/** The value binder of one column, chosen once from the source type and the column's family. */
function sqliteBinder(binding: ColumnBinding): Binder {
  const { source, target } = binding;
  let bind: Binder;
  if (source.type === 'json') bind = (v) => JSON.stringify(v);
  else if (source.type === 'binary' && target.family === 'binary') {
    bind = (v) => (typeof v === 'string' ? Buffer.from(v, 'base64') : generic(v));
  } else if (source.type === 'integer' && target.family !== 'text') {
    // Integers beyond 2^53 arrive as text; bound as BigInt they land as 64-bit integers.
    bind = (v) => (typeof v === 'string' && INTEGER.test(v) ? BigInt(v) : generic(v));
  } else if (source.type === 'boolean' && target.family !== 'text') {
    bind = (v) => (v === true ? 1 : v === false ? 0 : generic(v));
  } else bind = generic;
  return (v) => (v === null || v === undefined ? null : bind(v));
}

function generic(v: unknown): Bindable {
  switch (typeof v) {
    case 'string':
    case 'number':
    case 'bigint':
      return v;
    case 'boolean':
      return v ? 'true' : 'false';
  }
  if (v instanceof Date) return v.toISOString();
  if (Buffer.isBuffer(v)) return v;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  return JSON.stringify(v);
}
