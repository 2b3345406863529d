import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Column, Row } from '../../rows/row.js';
import type { Destination } from '../../destinations/destination.js';
import { compileCopyLine, type CopyLine } from './compile-copy-line.js';
import { copyTextEncoder } from './copy-text-encoder.js';
import { createTableDestination, type TableDestinationOptions } from '../../destinations/table-destination.js';
import type { BatchWrite, TableEngine, TableTarget } from '../table-engine.js';
import type { TableName } from '../table-name.js';
import { qualifiedName, type NativeType, type TableShape } from '../table-schema.js';

/** Options of a PostgreSQL table destination: the connection URL plus the table's. */
export type PostgresTableOptions = Omit<TableDestinationOptions, 'engine'> & { url: string };

/** Opens a table destination on PostgreSQL: COPY into a temporary staging table, then one statement per batch in one transaction. */
export async function openPostgresTableDestination(options: PostgresTableOptions): Promise<Destination> {
  const engine = await PostgresTableEngine.open(options.url);
  try {
    return createTableDestination({ ...options, engine });
  } catch (e) {
    await engine.close();
    throw e;
  }
}

/**
 * Source type → column type when Sluice creates or extends a table:
 * string → text, integer → bigint, decimal → numeric (unbounded, exact digits), number → double precision,
 * boolean → boolean, date → date, timestamp → timestamptz, json → jsonb, binary → bytea.
 */
const COLUMN_TYPES: Record<Column['type'], string> = {
  string: 'text',
  integer: 'bigint',
  decimal: 'numeric',
  number: 'double precision',
  boolean: 'boolean',
  date: 'date',
  timestamp: 'timestamp with time zone',
  json: 'jsonb',
  binary: 'bytea',
};

const ROW = '_sluice_row_';

/** The PostgreSQL engine of a table destination (one client: writes are serial, temp staging tables live in its session). */
export class PostgresTableEngine implements TableEngine {
  readonly label = 'PostgreSQL';
  // Each batch is one COPY and one commit (a WAL flush) while the server waits for the next: at 5,000 rows the
  // boundaries cost about a fifth of a 1M-row load here; at 20,000, a few percent.
  readonly batchSize = 20_000;
  readonly storesNonFinite = true;
  private readonly stages = new WeakMap<TableTarget, Promise<string>>();
  private readonly lines = new WeakMap<TableTarget, { direct: CopyLine; staged: CopyLine; keys: CopyLine }>();
  private readonly optimistic = new WeakMap<TableTarget, boolean>();
  private stageCount = 0;

  private constructor(
    private readonly client: pg.Client,
    readonly supportsMerge: boolean,
  ) {}

  /** Connects; the session runs in UTC so dates and naive timestamps read as UTC. */
  static async open(url: string): Promise<PostgresTableEngine> {
    const client = new pg.Client({ connectionString: url, application_name: 'sluice' });
    // An idle client whose server goes away emits 'error'; the next query reports it instead of crashing the process.
    client.on('error', () => undefined);
    await client.connect();
    try {
      await client.query("SET TIME ZONE 'UTC'");
      const { rows } = await client.query<{ v: string }>("SELECT current_setting('server_version_num') AS v");
      return new PostgresTableEngine(client, Number(rows[0]!.v) >= 150000);
    } catch (e) {
      await client.end().catch(() => undefined);
      throw e;
    }
  }

  quote(identifier: string): string {
    return `"${identifier.replace(/"/g, '""')}"`;
  }

  columnType(column: Column): string {
    return COLUMN_TYPES[column.type];
  }

  nativeType(type: string): NativeType {
    const t = type.toLowerCase();
    if (t.endsWith('[]')) return { family: 'other' };
    if (/^(text|character varying|character|varchar|char|bpchar|name|citext)\b/.test(t)) return { family: 'text' };
    if (/^(smallint|integer|bigint|int2|int4|int8)$/.test(t)) return { family: 'integer' };
    const numeric = /^numeric(?:\((\d+)(?:,\s*(\d+))?\))?$/.exec(t);
    if (numeric) {
      return numeric[1] === undefined
        ? { family: 'decimal' }
        : { family: 'decimal', precision: Number(numeric[1]), scale: Number(numeric[2] ?? 0) };
    }
    if (/^(real|double precision|float4|float8)$/.test(t)) return { family: 'float' };
    if (t === 'boolean') return { family: 'boolean' };
    if (t === 'date') return { family: 'date' };
    if (t.startsWith('timestamp')) return { family: 'timestamp' };
    if (t === 'json' || t === 'jsonb') return { family: 'json' };
    if (t === 'bytea') return { family: 'binary' };
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
    const found = await this.client.query<{ oid: string | null }>('SELECT to_regclass($1)::oid::int8 AS oid', [qualifiedName(this, table)]);
    const oid = found.rows[0]?.oid;
    if (oid === null || oid === undefined) return null;
    const columns = await this.client.query<{ name: string; type: string }>(
      `SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute
       WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
      [oid],
    );
    const keys = await this.client.query<{ cols: string[] }>(
      `SELECT json_agg(a.attname ORDER BY k.ord) AS cols
       FROM pg_index i
       CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
       WHERE i.indrelid = $1 AND i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL
       GROUP BY i.indexrelid`,
      [oid],
    );
    return {
      columns: columns.rows.map((c) => ({ name: c.name, nativeType: c.type, ...this.nativeType(c.type) })),
      uniqueKeys: keys.rows.map((k) => k.cols),
    };
  }

  async execute(statements: string[]): Promise<void> {
    await this.transaction(async () => {
      for (const s of statements) await this.client.query(s);
    });
  }

  async writeBatch(target: TableTarget, batch: BatchWrite): Promise<number[]> {
    // An upsert whose keys are all new is a plain insert: COPY straight into the table, much faster than
    // staging. At the first key that exists (unique violation) the transaction is rolled back, the batch
    // is redone through staging, and later batches of this target go straight there.
    if (batch.kind === 'upsert' && !batch.merge && batch.rows.length > 0 && this.optimistic.get(target) !== false) {
      try {
        await this.inTransaction(target, batch, async () => {
          const cols = target.bindings.map((b) => this.quote(b.target.name)).join(', ');
          await this.copy(`COPY ${target.qualified} (${cols}) FROM STDIN`, batch.rows, this.linesOf(target).direct);
          return null;
        }, true);
        return [];
      } catch (e) {
        if ((e as { code?: unknown }).code !== '23505') throw e;
        this.optimistic.set(target, false);
      }
    }
    const direct = batch.kind === 'insert' && !batch.merge;
    const stage = direct ? '' : await this.stage(target);
    const sql = this.statements(target, batch, stage);
    const lines = this.linesOf(target);
    let missing: number[] = [];
    await this.inTransaction(target, batch, async () => {
      await this.copy(sql.copy, batch.rows, direct ? lines.direct : batch.kind === 'delete' ? lines.keys : lines.staged);
      if (sql.missing) {
        const { rows } = await this.client.query<{ n: number }>(sql.missing);
        missing = rows.map((r) => r.n);
      }
      return sql.apply;
    }, direct);
    return missing;
  }

  /**
   * One transaction: BEGIN (and the refresh's TRUNCATE), the work, then the statement the work returns
   * together with COMMIT. Statements without results share a round trip (simple query protocol).
   * `single`: the work is one COPY and nothing else.
   */
  private async inTransaction(target: TableTarget, batch: BatchWrite, work: () => Promise<string | null>, single = false): Promise<void> {
    // One COPY is atomic on its own: without a refresh to pair it with, it needs no BEGIN/COMMIT round trips.
    if (single && !batch.truncate) {
      if (batch.rows.length > 0) await work();
      return;
    }
    await this.client.query(batch.truncate ? `BEGIN; TRUNCATE ${target.qualified}` : 'BEGIN');
    try {
      const last = batch.rows.length > 0 ? await work() : null;
      await this.client.query(last ? `${last}; COMMIT` : 'COMMIT');
    } catch (e) {
      await this.client.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
  }

  describeWrite(target: TableTarget, batch: Omit<BatchWrite, 'rows'>): string {
    const direct = batch.kind === 'insert' && !batch.merge;
    const sql = this.statements(target, batch, direct ? '' : this.stageName(target));
    return [sql.truncate, sql.copy, sql.missing, sql.apply]
      .filter((s): s is string => Boolean(s))
      .map((s) => `${s};`)
      .join('\n');
  }

  isRowError(error: unknown): boolean {
    const code = (error as { code?: unknown }).code;
    // 22: data exceptions (bad values), 23: constraints, 21: a key twice in one upsert, P0001: a trigger's RAISE.
    return typeof code === 'string' && (/^2[123]/.test(code) || code === 'P0001');
  }

  messageOf(error: unknown): string {
    if (!(error instanceof Error)) return String(error);
    const detail = (error as { detail?: unknown }).detail;
    return typeof detail === 'string' && detail ? `${error.message}: ${detail}` : error.message;
  }

  async close(): Promise<void> {
    await this.client.end();
  }

  /** The statements of a batch; `stage` is the staging table (unused by a direct COPY). */
  private statements(target: TableTarget, batch: Omit<BatchWrite, 'rows'>, stage: string) {
    const q = target.qualified;
    const cols = target.bindings.map((b) => this.quote(b.target.name));
    const keys = target.key.map((b) => this.quote(b.target.name));
    const rest = target.bindings.filter((b) => !b.isKey).map((b) => this.quote(b.target.name));
    const on = keys.map((k) => `t.${k} = s.${k}`).join(' AND ');
    const truncate = batch.truncate ? `TRUNCATE ${q}` : null;
    const direct = batch.kind === 'insert' && !batch.merge;
    const copyColumns = batch.kind === 'delete' ? keys : cols;
    const copy = direct ? `COPY ${q} (${cols.join(', ')}) FROM STDIN` : `COPY ${stage} (${ROW}, ${copyColumns.join(', ')}) FROM STDIN`;
    let missing: string | null = null;
    let apply: string | null;
    switch (batch.kind) {
      case 'insert':
        apply = direct ? null : `INSERT INTO ${q} (${cols.join(', ')}) SELECT ${cols.join(', ')} FROM ${stage}`;
        break;
      case 'upsert':
        apply = batch.merge
          ? `MERGE INTO ${q} AS t USING ${stage} AS s ON ${on}` +
            (rest.length ? ` WHEN MATCHED THEN UPDATE SET ${rest.map((c) => `${c} = s.${c}`).join(', ')}` : '') +
            ` WHEN NOT MATCHED THEN INSERT (${cols.join(', ')}) VALUES (${cols.map((c) => `s.${c}`).join(', ')})`
          : `INSERT INTO ${q} (${cols.join(', ')}) SELECT ${cols.join(', ')} FROM ${stage} ON CONFLICT (${keys.join(', ')}) ` +
            (rest.length ? `DO UPDATE SET ${rest.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}` : 'DO NOTHING');
        break;
      case 'update':
        missing = `SELECT s.${ROW} AS n FROM ${stage} AS s WHERE NOT EXISTS (SELECT 1 FROM ${q} AS t WHERE ${on})`;
        apply = !rest.length
          ? null
          : batch.merge
            ? `MERGE INTO ${q} AS t USING ${stage} AS s ON ${on} WHEN MATCHED THEN UPDATE SET ${rest.map((c) => `${c} = s.${c}`).join(', ')}`
            : `UPDATE ${q} AS t SET ${rest.map((c) => `${c} = s.${c}`).join(', ')} FROM ${stage} AS s WHERE ${on}`;
        break;
      case 'delete':
        apply = `DELETE FROM ${q} AS t USING ${stage} AS s WHERE ${on}`;
        break;
    }
    return { truncate, copy, missing, apply };
  }

  private stageName(target: TableTarget): string {
    return `pg_temp.${this.quote(`sluice_stage_${this.stageIndex(target)}`)}`;
  }

  private readonly stageIndexes = new WeakMap<TableTarget, number>();
  private stageIndex(target: TableTarget): number {
    let n = this.stageIndexes.get(target);
    if (n === undefined) {
      n = ++this.stageCount;
      this.stageIndexes.set(target, n);
    }
    return n;
  }

  /** The session's staging table for a target, with the target's exact column types; emptied at every commit. */
  private stage(target: TableTarget): Promise<string> {
    let stage = this.stages.get(target);
    if (!stage) {
      const name = this.stageName(target);
      const cols = target.bindings.map((b) => this.quote(b.target.name)).join(', ');
      stage = this.client
        .query(`CREATE TEMP TABLE ${name} ON COMMIT DELETE ROWS AS SELECT 0::int4 AS ${ROW}, ${cols} FROM ${target.qualified} WITH NO DATA`)
        .then(() => name);
      stage.catch(() => this.stages.delete(target));
      this.stages.set(target, stage);
    }
    return stage;
  }

  /** The compiled COPY line builders of a target: straight into the table, into staging, keys only into staging. */
  private linesOf(target: TableTarget): { direct: CopyLine; staged: CopyLine; keys: CopyLine } {
    let lines = this.lines.get(target);
    if (!lines) {
      const encoders = target.bindings.map(copyTextEncoder);
      const names = target.bindings.map((b) => b.source.name);
      const keyEncoders = target.key.map((b) => encoders[target.bindings.indexOf(b)]!);
      lines = {
        direct: compileCopyLine(names, encoders, false),
        staged: compileCopyLine(names, encoders, true),
        keys: compileCopyLine(
          target.key.map((b) => b.source.name),
          keyEncoders,
          true,
        ),
      };
      this.lines.set(target, lines);
    }
    return lines;
  }

  /** Streams rows as COPY text, in chunks of about 64 KB, with backpressure. */
  private async copy(sql: string, rows: Row[], line: CopyLine): Promise<void> {
    await pipeline(Readable.from(copyText(rows, line)), this.client.query(copyFrom(sql)));
  }

  private async transaction(work: () => Promise<void>): Promise<void> {
    await this.client.query('BEGIN');
    try {
      await work();
      await this.client.query('COMMIT');
    } catch (e) {
      await this.client.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
  }
}

function* copyText(rows: Row[], line: CopyLine): Generator<string> {
  let chunk = '';
  for (let i = 0; i < rows.length; i++) {
    chunk += line(rows[i]!, i);
    if (chunk.length >= 65536) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}
