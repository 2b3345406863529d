import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import pg from 'pg';
import Cursor from 'pg-cursor';
import { openSqlDatabase } from '../src/databases/open-sql-database.js';
import type { SqlDatabase } from '../src/databases/sql-database.js';
import { printBench, type BenchResult } from './bench-line.js';

// Reading 1M rows (int, text, numeric, timestamp) through a Source, next to the bare driver's own
// streaming read of the same query in the same run; then the peak RSS of streaming 5M DuckDB rows.

const ROWS = 1_000_000;
const BATCH = 1000;
const PG_URL = process.env.SLUICE_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function timed(read: () => Promise<number>): Promise<number> {
  const started = performance.now();
  const rows = await read();
  if (rows !== ROWS) throw new Error(`read ${rows} rows, expected ${ROWS}`);
  return rows / ((performance.now() - started) / 1000);
}

/** The better of two runs of each, alternating, so that neither side gets a warmer JIT or cache. */
async function compare(ours: () => Promise<number>, bare: () => Promise<number>): Promise<{ ours: number; bare: number }> {
  let best = { ours: 0, bare: 0 };
  for (let i = 0; i < 2; i++) {
    const b = await timed(bare);
    const o = await timed(ours);
    best = { ours: Math.max(best.ours, o), bare: Math.max(best.bare, b) };
  }
  return best;
}

async function sourceRows(db: SqlDatabase, sql: string): Promise<number> {
  let n = 0;
  for await (const batch of db.query(sql).read({ batchSize: BATCH })) n += batch.length;
  return n;
}

async function postgresBench(): Promise<BenchResult> {
  const schema = `sluice_bench_${Math.random().toString(36).slice(2, 8)}`;
  const setup = new pg.Client({ connectionString: PG_URL });
  await setup.connect();
  await setup.query(`CREATE SCHEMA ${schema};
    CREATE TABLE ${schema}.t AS SELECT i AS id, 'customer ' || i AS name, (i / 100.0)::numeric(12,2) AS amount,
      timestamptz '2026-01-01 00:00:00+00' + i * interval '1 second' AS at FROM generate_series(1, ${ROWS}) i;`);
  const sql = `SELECT id, name, amount, at FROM ${schema}.t`;
  const db = await openSqlDatabase({ type: 'postgres', url: PG_URL }, { projectDir: '.' });
  try {
    const bare = new pg.Client({ connectionString: PG_URL });
    await bare.connect();
    const r = await compare(
      () => sourceRows(db, sql),
      async () => {
        // pg-cursor with pg's default parsers (timestamps become Date objects).
        const cursor = bare.query(new Cursor(sql));
        let n = 0;
        for (;;) {
          const rows = await cursor.read(BATCH);
          if (rows.length === 0) break;
          n += rows.length;
        }
        await cursor.close();
        return n;
      },
    );
    await bare.end();
    return { name: 'postgres read 1M rows', value: r.ours, unit: 'rows/s', reference: { value: r.bare }, goal: '>= 0.8' };
  } finally {
    await db.close();
    await setup.query(`DROP SCHEMA ${schema} CASCADE`);
    await setup.end();
  }
}

const duckdbTable = `CREATE TABLE t AS SELECT i::INTEGER AS id, 'customer ' || i AS name, (i / 100)::DECIMAL(12,2) AS amount,
  TIMESTAMPTZ '2026-01-01 00:00:00+00' + i * INTERVAL 1 SECOND AS ts FROM range(${ROWS}) r(i)`;

async function duckdbBench(): Promise<BenchResult> {
  const sql = 'SELECT id, name, amount, ts FROM t';
  const db = await openSqlDatabase({ type: 'duckdb', path: ':memory:' }, { projectDir: '.' });
  await db.execute(duckdbTable);
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  await conn.run(duckdbTable);
  try {
    const r = await compare(
      () => sourceRows(db, sql),
      async () => {
        // The driver's own streaming read: chunk by chunk into row objects of DuckDB values.
        const result = await conn.stream(sql);
        const names = result.columnNames();
        let n = 0;
        for (;;) {
          const chunk = await result.fetchChunk();
          if (!chunk || chunk.rowCount === 0) break;
          n += chunk.getRowObjects(names).length;
        }
        return n;
      },
    );
    return { name: 'duckdb read 1M rows', value: r.ours, unit: 'rows/s', reference: { value: r.bare }, goal: '>= 0.8' };
  } finally {
    conn.closeSync();
    instance.closeSync();
    await db.close();
  }
}

/** Runs in a child process of its own, so that its peak RSS is the read's alone. */
async function rssChild(): Promise<void> {
  const db = await openSqlDatabase({ type: 'duckdb', path: ':memory:' }, { projectDir: '.' });
  let n = 0;
  const sql = "SELECT i AS id, 'row ' || i AS name, i * 1.5 AS x, TIMESTAMP '2026-01-01' + i * INTERVAL 1 SECOND AS ts FROM generate_series(1, 5000000) t(i)";
  for await (const batch of db.query(sql).read({ batchSize: BATCH })) n += batch.length;
  await db.close();
  if (n !== 5_000_000) throw new Error(`read ${n} rows`);
  process.stdout.write(JSON.stringify({ maxRssMb: process.resourceUsage().maxRSS / 1024 }) + '\n');
}

async function main(): Promise<void> {
  if (process.argv.includes('--rss-child')) return rssChild();
  const results: BenchResult[] = [await postgresBench(), await duckdbBench()];
  const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--rss-child'], { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`the RSS child failed: ${child.stderr}`);
  const { maxRssMb } = JSON.parse(child.stdout) as { maxRssMb: number };
  results.push({ name: 'duckdb stream 5M rows peak RSS', value: maxRssMb, unit: 'MB', goal: '<= 300' });
  printBench(results);
}

await main();
