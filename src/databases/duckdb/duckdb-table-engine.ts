import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { Row } from '../../rows/row.js';
import { inTransaction } from '../in-transaction.js';
import { perTarget } from '../per-target.js';
import { sqlScript } from '../sql-script.js';
import { SqlTableEngine, type TableEngineTraits } from '../sql-table-engine.js';
import { STAGED_ROW, stagedStatements } from '../staged-statements.js';
import { StagingTables } from '../staging-tables.js';
import type { BatchWrite, TableEngine, TableTarget } from '../table-engine.js';
import type { TableName } from '../table-name.js';
import type { ColumnBinding, TableShape } from '../table-schema.js';
import { targetColumns } from '../target-columns.js';
import { duckdbNativeType, duckdbTableColumnType } from './duckdb-column-type.js';
import { openDuckdbInstance } from './duckdb-driver.js';

/**
 * Opens the table engine of a DuckDB file (absolute, or `:memory:`): the appender fills a temporary staging table, one
 * statement per batch moves the rows. The file is opened through DuckDB's instance cache, so a source reading the
 * same file in this process shares one database.
 */
export async function openDuckdbTableEngine(path: string): Promise<TableEngine> {
  const instance = await openDuckdbInstance(path, { cached: true });
  return new DuckdbTableEngine(instance, await instance.connect());
}

/** The text a value is appended as (the staging table is all VARCHAR; the batch statement casts). */
type TextOf = (value: unknown) => string | null;

const ROW_ERROR = /^(Constraint|Conversion|Invalid Input|Out of Range) Error/;

const DUCKDB: TableEngineTraits = {
  engine: 'duckdb',
  batchSize: 5000,
  supportsMerge: true,
  storesNonFinite: true,
  createsSchemas: true,
  columnType: duckdbTableColumnType,
  nativeType: duckdbNativeType,
};

/** The DuckDB engine of a table destination. */
class DuckdbTableEngine extends SqlTableEngine implements TableEngine {
  private readonly stages = new StagingTables();
  private readonly textsOf = perTarget((target): TextOf[] => target.bindings.map(duckdbText));
  private readonly run = (sql: string) => this.connection.run(sql);

  // The engine holds its instance as long as its connection: were the instance collected while the connection is open,
  // DuckDB's cache would wait for that database to shut down before handing the file to the next opener, forever.
  constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
  ) {
    super(DUCKDB);
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
    await inTransaction(this.run, 'BEGIN TRANSACTION', async () => {
      for (const s of statements) await this.connection.run(s);
    });
  }

  async writeBatch(target: TableTarget, batch: BatchWrite): Promise<number[]> {
    const stage = await this.stage(target);
    const sql = this.statements(target, batch, stage);
    let missing: number[] = [];
    try {
      if (batch.rows.length > 0) await this.append(target, batch.rows);
      await inTransaction(this.run, 'BEGIN TRANSACTION', async () => {
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
    return sqlScript([sql.truncate, `-- append the rows to ${stage}`, sql.missing, sql.apply]);
  }

  isRowError(error: unknown): boolean {
    return error instanceof Error && ROW_ERROR.test(error.message);
  }

  override messageOf(error: unknown): string {
    // DuckDB appends the statement with a caret; the first line is the message.
    return error instanceof Error ? error.message.split('\n')[0]!.trim() : String(error);
  }

  protected override async closeConnection(): Promise<void> {
    // Flush the write-ahead log into the file, so another process opening it sees every row.
    await this.connection.run('CHECKPOINT').catch(() => undefined);
    this.connection.closeSync();
    this.instance.closeSync();
  }

  private statements(target: TableTarget, batch: Omit<BatchWrite, 'rows'>, stage: string) {
    const typed = `(SELECT ${STAGED_ROW}, ${target.bindings.map((b) => `${this.cast(b)} AS ${this.quote(b.target.name)}`).join(', ')} FROM ${stage})`;
    const truncate = batch.truncate ? `DELETE FROM ${target.qualified}` : null;
    return { truncate, ...stagedStatements(target, targetColumns(this, target), batch, { relation: typed, selectFrom: `${typed} AS s`, excluded: 'excluded' }) };
  }

  /** The staging column read as the target column's type. */
  private cast(b: ColumnBinding): string {
    const col = `${this.quote(b.target.name)}`;
    if (b.source.type === 'binary' && b.target.family === 'binary') return `from_base64(${col})`;
    return `CAST(${col} AS ${b.target.nativeType})`;
  }

  /** The staging table's bare name (the appender wants it unquoted); it lives in temp.main. */
  private stageName(target: TableTarget): string {
    return `temp.main.${this.quote(this.stages.name(target))}`;
  }

  private async stage(target: TableTarget): Promise<string> {
    const name = this.stageName(target);
    const cols = target.bindings.map((b) => `${this.quote(b.target.name)} VARCHAR`).join(', ');
    await this.stages.ensure(target, () => this.connection.run(`CREATE OR REPLACE TEMP TABLE ${name} (${STAGED_ROW} INTEGER, ${cols})`));
    return name;
  }

  private async append(target: TableTarget, rows: Row[]): Promise<void> {
    const texts = this.textsOf(target);
    const names = target.bindings.map((b) => b.source.name);
    const appender = await this.connection.createAppender(this.stages.name(target), 'main', 'temp');
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
