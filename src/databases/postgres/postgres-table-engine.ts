import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Row } from '../../rows/row.js';
import { inTransaction } from '../in-transaction.js';
import { perTarget } from '../per-target.js';
import { sqlScript } from '../sql-script.js';
import { SqlTableEngine, type TableEngineTraits } from '../sql-table-engine.js';
import { STAGED_ROW, stagedStatements } from '../staged-statements.js';
import { StagingTables } from '../staging-tables.js';
import type { BatchWrite, TableEngine, TableTarget } from '../table-engine.js';
import type { TableName } from '../table-name.js';
import { qualifiedName, type TableShape } from '../table-schema.js';
import { targetColumns } from '../target-columns.js';
import { compileCopyLine, type CopyLine } from './compile-copy-line.js';
import { copyTextEncoder } from './copy-text-encoder.js';
import { postgresNativeType, postgresTableColumnType } from './postgres-column-type.js';
import { connectPostgresClient } from './postgres-driver.js';

/**
 * Opens the table engine of a PostgreSQL URL: COPY into a temporary staging table, then one statement per batch in one
 * transaction. `onClose` runs after the connection ends (an SSH tunnel to close).
 */
export async function openPostgresTableEngine(url: string, options: { onClose?: () => Promise<void> } = {}): Promise<TableEngine> {
  const client = await connectPostgresClient(url);
  try {
    // The session runs in UTC even when the URL sets other options, so dates and naive timestamps read as UTC.
    await client.query("SET TIME ZONE 'UTC'");
    const { rows } = await client.query<{ v: string }>("SELECT current_setting('server_version_num') AS v");
    return new PostgresTableEngine(client, Number(rows[0]!.v) >= 150000, options.onClose);
  } catch (e) {
    await client.end().catch(() => undefined);
    throw e;
  }
}

/** The COPY line builders of a target: straight into the table, into staging, keys only into staging. */
interface CopyLines {
  direct: CopyLine;
  staged: CopyLine;
  keys: CopyLine;
}

/** PostgreSQL's traits but MERGE, which depends on the server's version (15 and later). */
const POSTGRES: TableEngineTraits = {
  engine: 'postgres',
  // Each batch is one COPY and one commit (a WAL flush) while the server waits for the next: at 5,000 rows the
  // boundaries cost about a fifth of a 1M-row load here; at 20,000, a few percent.
  batchSize: 20_000,
  storesNonFinite: true,
  createsSchemas: true,
  columnType: postgresTableColumnType,
  nativeType: postgresNativeType,
};

/** The PostgreSQL engine of a table destination (one client: writes are serial, temp staging tables live in its session). */
class PostgresTableEngine extends SqlTableEngine implements TableEngine {
  private readonly stages = new StagingTables();
  private readonly optimistic = new WeakMap<TableTarget, boolean>();
  private readonly run = (sql: string) => this.client.query(sql);

  constructor(
    private readonly client: pg.Client,
    supportsMerge: boolean,
    onClose: (() => Promise<void>) | undefined,
  ) {
    super({ ...POSTGRES, supportsMerge }, onClose);
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
    await inTransaction(this.run, 'BEGIN', async () => {
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
          await this.copy(`COPY ${target.qualified} (${targetColumns(this, target).all.join(', ')}) FROM STDIN`, batch.rows, this.linesOf(target).direct);
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
    await inTransaction(this.run, batch.truncate ? `BEGIN; TRUNCATE ${target.qualified}` : 'BEGIN', async () => (batch.rows.length > 0 ? work() : null));
  }

  describeWrite(target: TableTarget, batch: Omit<BatchWrite, 'rows'>): string {
    const direct = batch.kind === 'insert' && !batch.merge;
    const sql = this.statements(target, batch, direct ? '' : this.stageName(target));
    return sqlScript([sql.truncate, sql.copy, sql.missing, sql.apply]);
  }

  isRowError(error: unknown): boolean {
    const code = (error as { code?: unknown }).code;
    // 22: data exceptions (bad values), 23: constraints, 21: a key twice in one upsert, P0001: a trigger's RAISE.
    return typeof code === 'string' && (/^2[123]/.test(code) || code === 'P0001');
  }

  override messageOf(error: unknown): string {
    if (!(error instanceof Error)) return String(error);
    const detail = (error as { detail?: unknown }).detail;
    return typeof detail === 'string' && detail ? `${error.message}: ${detail}` : error.message;
  }

  protected override async closeConnection(): Promise<void> {
    await this.client.end();
  }

  /** The statements of a batch; `stage` is the staging table (unused by a direct COPY). */
  private statements(target: TableTarget, batch: Omit<BatchWrite, 'rows'>, stage: string) {
    const q = target.qualified;
    const columns = targetColumns(this, target);
    const truncate = batch.truncate ? `TRUNCATE ${q}` : null;
    if (batch.kind === 'insert' && !batch.merge) return { truncate, copy: `COPY ${q} (${columns.all.join(', ')}) FROM STDIN`, missing: null, apply: null };
    const copied = batch.kind === 'delete' ? columns.keys : columns.all;
    const { missing, apply } = stagedStatements(target, columns, batch, { relation: stage, selectFrom: stage, excluded: 'EXCLUDED' });
    return { truncate, copy: `COPY ${stage} (${STAGED_ROW}, ${copied.join(', ')}) FROM STDIN`, missing, apply };
  }

  private stageName(target: TableTarget): string {
    return `pg_temp.${this.quote(this.stages.name(target))}`;
  }

  /** The session's staging table for a target, with the target's exact column types; emptied at every commit. */
  private async stage(target: TableTarget): Promise<string> {
    const name = this.stageName(target);
    await this.stages.ensure(target, () =>
      this.client.query(
        `CREATE TEMP TABLE ${name} ON COMMIT DELETE ROWS AS SELECT 0::int4 AS ${STAGED_ROW}, ${targetColumns(this, target).all.join(', ')} FROM ${target.qualified} WITH NO DATA`,
      ),
    );
    return name;
  }

  /** The compiled COPY line builders of a target. */
  private readonly linesOf = perTarget((target): CopyLines => {
    const encoders = target.bindings.map(copyTextEncoder);
    const names = target.bindings.map((b) => b.source.name);
    const keyEncoders = target.key.map((b) => encoders[target.bindings.indexOf(b)]!);
    return {
      direct: compileCopyLine(names, encoders, false),
      staged: compileCopyLine(names, encoders, true),
      keys: compileCopyLine(
        target.key.map((b) => b.source.name),
        keyEncoders,
        true,
      ),
    };
  });

  /** Streams rows as COPY text, in chunks of about 64 KB, with backpressure. */
  private async copy(sql: string, rows: Row[], line: CopyLine): Promise<void> {
    await pipeline(Readable.from(copyText(rows, line)), this.client.query(copyFrom(sql)));
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
