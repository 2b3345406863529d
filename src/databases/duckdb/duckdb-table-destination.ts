import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { Column, Row } from '../../rows/row.js';
import type { Destination } from '../../destinations/destination.js';
import { createTableDestination, type TableDestinationOptions } from '../../destinations/table-destination.js';
import type { BatchWrite, TableEngine, TableTarget } from '../table-engine.js';
import type { TableName } from '../table-name.js';
import type { ColumnBinding, NativeType, TableShape } from '../table-schema.js';

/** Options of a DuckDB table destination: the database file (absolute, or `:memory:`) plus the table's. */
export type DuckdbTableOptions = Omit<TableDestinationOptions, 'engine'> & { path: string };

/** Opens a table destination on a DuckDB file: the appender fills a temporary staging table, one statement per batch moves the rows. */
export async function openDuckdbTableDestination(options: DuckdbTableOptions): Promise<Destination> {
  const engine = await DuckdbTableEngine.open(options.path);
  try {
    return createTableDestination({ ...options, engine });
  } catch (e) {
    await engine.close();
    throw e;
  }
}

/** The text a value is appended as (the staging table is all VARCHAR; the batch statement casts). */
type TextOf = (value: unknown) => string | null;

const ROW = '_sluice_row_';
const ROW_ERROR = /^(Constraint|Conversion|Invalid Input|Out of Range) Error/;

/** The DuckDB engine of a table destination. */
export class DuckdbTableEngine implements TableEngine {
  readonly label = 'DuckDB';
  readonly batchSize = 5000;
  readonly supportsMerge = true;
  readonly storesNonFinite = true;
  private readonly stages = new WeakMap<TableTarget, Promise<string>>();
  private readonly texts = new WeakMap<TableTarget, TextOf[]>();
  private stageCount = 0;

  private constructor(private readonly connection: DuckDBConnection) {}

  /** Opens the file through DuckDB's instance cache, so a source reading the same file in this process shares one database. */
  static async open(path: string): Promise<DuckdbTableEngine> {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const instance = path === ':memory:' ? await DuckDBInstance.create(path) : await DuckDBInstance.fromCache(path);
    return new DuckdbTableEngine(await instance.connect());
  }

  quote(identifier: string): string {
    return `"${identifier.replace(/"/g, '""')}"`;
  }

  /**
   * Source type → column type: string → VARCHAR, integer → BIGINT, decimal → DECIMAL(p,s) of the source when it
   * says and fits (p <= 38), else DECIMAL(38,10) (values that would be rounded are rejected row by row),
   * number → DOUBLE, boolean → BOOLEAN, date → DATE, timestamp → TIMESTAMPTZ, json → JSON, binary → BLOB.
   */
  columnType(column: Column): string {
    switch (column.type) {
      case 'string':
        return 'VARCHAR';
      case 'integer':
        return 'BIGINT';
      case 'decimal': {
        const m = /(?:numeric|decimal)\s*\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)/i.exec(column.nativeType);
        const p = Number(m?.[1] ?? 0);
        const s = Number(m?.[2] ?? 0);
        return m && p >= 1 && p <= 38 && s <= p ? `DECIMAL(${p},${s})` : 'DECIMAL(38,10)';
      }
      case 'number':
        return 'DOUBLE';
      case 'boolean':
        return 'BOOLEAN';
      case 'date':
        return 'DATE';
      case 'timestamp':
        return 'TIMESTAMPTZ';
      case 'json':
        return 'JSON';
      case 'binary':
        return 'BLOB';
    }
  }

  nativeType(type: string): NativeType {
    const t = type.toUpperCase().trim();
    if (t.endsWith(']') || /^(STRUCT|MAP|UNION|LIST)\b/.test(t)) return { family: 'other' };
    if (/^(VARCHAR|TEXT|STRING|CHAR|BPCHAR)\b/.test(t)) return { family: 'text' };
    if (/^U?(TINYINT|SMALLINT|INTEGER|INT|BIGINT|HUGEINT)$/.test(t)) return { family: 'integer' };
    const dec = /^(?:DECIMAL|NUMERIC)(?:\((\d+),\s*(\d+)\))?$/.exec(t);
    if (dec) return { family: 'decimal', precision: Number(dec[1] ?? 18), scale: Number(dec[2] ?? 3) };
    if (/^(FLOAT|DOUBLE|REAL)$/.test(t)) return { family: 'float' };
    if (t === 'BOOLEAN') return { family: 'boolean' };
    if (t === 'DATE') return { family: 'date' };
    if (t.startsWith('TIMESTAMP')) return { family: 'timestamp' };
    if (t === 'JSON') return { family: 'json' };
    if (t === 'BLOB') return { family: 'binary' };
    return { family: 'other' };
  }

  createTable(table: string, definitions: string[], key: string[]): string {
    const pk = key.length > 0 ? `, PRIMARY KEY (${key.join(', ')})` : '';
    return `CREATE TABLE ${table} (${definitions.join(', ')}${pk})`;
  }

  createSchema(schema: string): string {
    return `CREATE SCHEMA IF NOT EXISTS ${this.quote(schema)}`;
  }

  async describe(table: TableName): Promise<TableShape | null> {
    const columns = (
      await this.connection.runAndReadAll(
        `SELECT column_name AS name, data_type AS type FROM information_schema.columns
         WHERE table_catalog = current_database() AND table_schema = coalesce($1, current_schema()) AND table_name = $2
         ORDER BY ordinal_position`,
        [table.schema, table.name],
      )
    ).getRowObjectsJson() as { name: string; type: string }[];
    if (columns.length === 0) return null;
    const keys = (
      await this.connection.runAndReadAll(
        `SELECT constraint_column_names AS cols FROM duckdb_constraints()
         WHERE database_name = current_database() AND schema_name = coalesce($1, current_schema()) AND table_name = $2
           AND constraint_type IN ('PRIMARY KEY', 'UNIQUE')`,
        [table.schema, table.name],
      )
    ).getRowObjectsJson() as { cols: string[] }[];
    return {
      columns: columns.map((c) => ({ name: c.name, nativeType: c.type, ...this.nativeType(c.type) })),
      uniqueKeys: keys.map((k) => k.cols),
    };
  }

  async execute(statements: string[]): Promise<void> {
    await this.transaction(async () => {
      for (const s of statements) await this.connection.run(s);
    });
  }

  async writeBatch(target: TableTarget, batch: BatchWrite): Promise<number[]> {
    const stage = await this.stage(target);
    const sql = this.statements(target, batch, stage);
    let missing: number[] = [];
    try {
      if (batch.rows.length > 0) await this.append(target, batch.rows);
      await this.transaction(async () => {
        if (sql.truncate) await this.connection.run(sql.truncate);
        if (batch.rows.length === 0) return;
        if (sql.missing) {
          const rows = (await this.connection.runAndReadAll(sql.missing)).getRowObjectsJson() as { n: number }[];
          missing = rows.map((r) => Number(r.n));
        }
        if (sql.apply) await this.connection.run(sql.apply);
      });
    } finally {
      await this.connection.run(`DELETE FROM ${stage}`);
    }
    return missing;
  }

  describeWrite(target: TableTarget, batch: Omit<BatchWrite, 'rows'>): string {
    const stage = this.stageName(target);
    const sql = this.statements(target, batch, stage);
    return [sql.truncate, `-- append the rows to ${stage}`, sql.missing, sql.apply]
      .filter((s): s is string => Boolean(s))
      .map((s) => (s.startsWith('--') ? s : `${s};`))
      .join('\n');
  }

  isRowError(error: unknown): boolean {
    return error instanceof Error && ROW_ERROR.test(error.message);
  }

  messageOf(error: unknown): string {
    // DuckDB appends the statement with a caret; the first line is the message.
    return error instanceof Error ? error.message.split('\n')[0]!.trim() : String(error);
  }

  async close(): Promise<void> {
    // Flush the write-ahead log into the file, so another process opening it sees every row.
    await this.connection.run('CHECKPOINT').catch(() => undefined);
    this.connection.closeSync();
  }

  private statements(target: TableTarget, batch: Omit<BatchWrite, 'rows'>, stage: string) {
    const q = target.qualified;
    const cols = target.bindings.map((b) => this.quote(b.target.name));
    const keys = target.key.map((b) => this.quote(b.target.name));
    const rest = target.bindings.filter((b) => !b.isKey).map((b) => this.quote(b.target.name));
    const on = keys.map((k) => `t.${k} = s.${k}`).join(' AND ');
    const typed = `(SELECT ${ROW}, ${target.bindings.map((b) => `${this.cast(b)} AS ${this.quote(b.target.name)}`).join(', ')} FROM ${stage})`;
    const truncate = batch.truncate ? `DELETE FROM ${q}` : null;
    let missing: string | null = null;
    let apply: string | null;
    const set = (prefix: string) => rest.map((c) => `${c} = ${prefix}.${c}`).join(', ');
    switch (batch.kind) {
      case 'insert':
        apply = `INSERT INTO ${q} (${cols.join(', ')}) SELECT ${cols.join(', ')} FROM ${typed} AS s`;
        break;
      case 'upsert':
        apply = batch.merge
          ? `MERGE INTO ${q} AS t USING ${typed} AS s ON ${on}` +
            (rest.length ? ` WHEN MATCHED THEN UPDATE SET ${set('s')}` : '') +
            ` WHEN NOT MATCHED THEN INSERT (${cols.join(', ')}) VALUES (${cols.map((c) => `s.${c}`).join(', ')})`
          : `INSERT INTO ${q} (${cols.join(', ')}) SELECT ${cols.join(', ')} FROM ${typed} AS s ON CONFLICT (${keys.join(', ')}) ` +
            (rest.length ? `DO UPDATE SET ${set('excluded')}` : 'DO NOTHING');
        break;
      case 'update':
        missing = `SELECT s.${ROW} AS n FROM ${typed} AS s WHERE NOT EXISTS (SELECT 1 FROM ${q} AS t WHERE ${on})`;
        apply = !rest.length
          ? null
          : batch.merge
            ? `MERGE INTO ${q} AS t USING ${typed} AS s ON ${on} WHEN MATCHED THEN UPDATE SET ${set('s')}`
            : `UPDATE ${q} AS t SET ${set('s')} FROM ${typed} AS s WHERE ${on}`;
        break;
      case 'delete':
        apply = `DELETE FROM ${q} AS t USING ${typed} AS s WHERE ${on}`;
        break;
    }
    return { truncate, missing, apply };
  }

  /** The staging column read as the target column's type. */
  private cast(b: ColumnBinding): string {
    const col = `${this.quote(b.target.name)}`;
    if (b.source.type === 'binary' && b.target.family === 'binary') return `from_base64(${col})`;
    return `CAST(${col} AS ${b.target.nativeType})`;
  }

  /** The staging table's bare name (the appender wants it unquoted); it lives in temp.main. */
  private stageTable(target: TableTarget): string {
    let n = this.stageIndexes.get(target);
    if (n === undefined) {
      n = ++this.stageCount;
      this.stageIndexes.set(target, n);
    }
    return `sluice_stage_${n}`;
  }

  private stageName(target: TableTarget): string {
    return `temp.main.${this.quote(this.stageTable(target))}`;
  }
  private readonly stageIndexes = new WeakMap<TableTarget, number>();

  private stage(target: TableTarget): Promise<string> {
    let stage = this.stages.get(target);
    if (!stage) {
      const name = this.stageName(target);
      const cols = target.bindings.map((b) => `${this.quote(b.target.name)} VARCHAR`).join(', ');
      stage = this.connection.run(`CREATE OR REPLACE TEMP TABLE ${name} (${ROW} INTEGER, ${cols})`).then(() => name);
      stage.catch(() => this.stages.delete(target));
      this.stages.set(target, stage);
    }
    return stage;
  }

  private async append(target: TableTarget, rows: Row[]): Promise<void> {
    const texts = this.textsOf(target);
    const names = target.bindings.map((b) => b.source.name);
    const appender = await this.connection.createAppender(this.stageTable(target), 'main', 'temp');
    try {
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i]!;
        appender.appendInteger(i);
        for (let j = 0; j < names.length; j++) {
          const text = texts[j]!(row[names[j]!]);
          if (text === null) appender.appendNull();
          else appender.appendVarchar(text);
        }
        appender.endRow();
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
  }

  private textsOf(target: TableTarget): TextOf[] {
    let t = this.texts.get(target);
    if (!t) this.texts.set(target, (t = target.bindings.map(duckdbText)));
    return t;
  }

  private async transaction(work: () => Promise<void>): Promise<void> {
    await this.connection.run('BEGIN TRANSACTION');
    try {
      await work();
      await this.connection.run('COMMIT');
    } catch (e) {
      await this.connection.run('ROLLBACK').catch(() => undefined);
      throw e;
    }
  }
}

/** The text writer of one column, chosen once from the source type and the column's family. */
function duckdbText(binding: ColumnBinding): TextOf {
  const { source, target } = binding;
  let text: (v: unknown) => string;
  if (source.type === 'json') text = (v) => JSON.stringify(v);
  else if (source.type === 'boolean' && (target.family === 'integer' || target.family === 'decimal' || target.family === 'float')) {
    text = (v) => (v === true ? '1' : v === false ? '0' : generic(v));
  } else text = generic;
  return (v) => (v === null || v === undefined ? null : text(v));
}

function generic(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
    case 'bigint':
    case 'boolean':
      return String(v);
  }
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  return JSON.stringify(v);
}
