// Plan time and peak RSS for 1M- and 10M-row DuckDB models with 1% changed, next to DuckDB alone diffing two
// tables of the same size in the same run. Each size runs in its own child process, and within it the first run and
// the 1%-changed plan each run in a process of their own, so each peak RSS is that run's own.
import { DuckDBInstance } from '@duckdb/node-api';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDuckdbDatabase } from '../src/databases/duckdb/duckdb-database.js';
import { openStateStore } from '../src/state/open-state-store.js';
import type { Row } from '../src/rows/row.js';
import type { LedgerEntry } from '../src/state/state-store.js';
import { planSync } from '../src/sync/plan/plan-sync.js';
import { printBench } from './bench-line.js';

const MODEL = (n: number) => `CREATE OR REPLACE TABLE model AS SELECT i AS id, 'customer ' || i AS name, 'c' || i || '@example.com' AS email,
  (i * 7) % 100 AS score, TIMESTAMP '2026-11-01 00:00:00' + to_seconds(i) AS updated_at FROM range(${n}) t(i)`;

/** What a phase's own process reports to the parent. */
interface PhaseReport {
  ms: number;
  jsMs?: number;
  rssMb: number;
}

async function openPhase(n: number, dir: string) {
  const file = join(dir, 'model.duckdb');
  const store = await openStateStore({ state: join(dir, 'state'), projectDir: dir });
  const db = await openDuckdbDatabase(file, { fileSearchPath: dir });
  const options = {
    source: db.query('SELECT * FROM model'), store, sync: 'bench', mode: 'upsert' as const, key: ['id'], mapRow: (r: Row) => r,
    spillDir: join(dir, 'tmp'), snapshotDir: join(dir, 'state', 'plans'),
  };
  return { store, db, options, close: async () => { await db.close(); await store.close(); } };
}

/**
 * The first run (empty ledger, every row added), timed up to its last planned item; then the ledger is seeded as if
 * every row had been delivered, in big batches, the snapshot kept in step as for a delivery (not timed). Up to
 * 1M rows, the first run as it was planned before (every row through the Source, the ledger read in full) too.
 */
async function firstRun(n: number, dir: string): Promise<PhaseReport> {
  const { store, options, close } = await openPhase(n, dir);
  let jsMs: number | undefined;
  if (n <= 1_000_000) {
    const t = performance.now();
    // The same source without its capability of running in the plan workspace: every row through read().
    const source = options.source;
    const js = await planSync({ ...options, source: { describe: () => source.describe(), read: (o) => source.read(o) }, sync: 'bench-js', snapshotDir: undefined });
    let count = 0;
    for await (const batch of js.items({ batchSize: 100_000 })) count += batch.length;
    await js.close();
    jsMs = performance.now() - t;
    if (count !== n) throw new Error(`expected ${n} added rows through the Source, planned ${count}`);
  }
  let seedMs = 0;
  const t00 = performance.now();
  const first = await planSync(options);
  const now = new Date().toISOString();
  const seed: LedgerEntry[][] = [];
  let firstPlanned = 0;
  const flushSeed = async () => {
    const t = performance.now();
    for (const entries of seed.splice(0)) {
      // (The store keeps the open plan's snapshot in step, as for a delivery.)
      await store.applyLedgerChanges('bench', { put: entries, deleted: [], rejected: [], cleared: [] });
    }
    seedMs += performance.now() - t;
  };
  for await (const batch of first.items({ batchSize: 20_000 })) {
    firstPlanned += batch.length;
    seed.push(batch.map((i): LedgerEntry => ({ key: i.key, fingerprint: i.fingerprint, remoteId: i.key, status: 'delivered', lastError: null, runId: 'seed', updatedAt: now })));
    if (seed.length >= 10) await flushSeed();
  }
  const ms = performance.now() - t00 - seedMs;
  await flushSeed();
  await first.close();
  if (firstPlanned !== n) throw new Error(`expected ${n} added rows, planned ${firstPlanned}`);
  await close();
  return { ms, jsMs, rssMb: process.resourceUsage().maxRSS / 1024 };
}

/** The run the goal is about, in a process of its own (its peak RSS is the plan's): 1% of the rows changed. */
async function changedRun(n: number, dir: string): Promise<PhaseReport> {
  const { options, close } = await openPhase(n, dir);
  global.gc?.();
  const t0 = performance.now();
  const plan = await planSync(options);
  let planned = 0;
  for await (const batch of plan.items({ batchSize: 1000 })) planned += batch.length;
  const ms = performance.now() - t0;
  await plan.close();
  if (planned !== n / 100) throw new Error(`expected ${n / 100} changed rows, planned ${planned}`);
  await close();
  return { ms, rssMb: process.resourceUsage().maxRSS / 1024 };
}

/** Runs one phase in a child process and returns its report. */
function phase(name: 'first' | 'changed', n: number, dir: string): PhaseReport {
  const r = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), name, String(n), dir], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`the ${name} phase of ${n} rows exited with ${r.status}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as PhaseReport;
}

async function measure(n: number): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-bench-plan-'));
  try {
    const file = join(dir, 'model.duckdb');
    // The model file is closed while a phase runs: DuckDB lets one process at a time open it for writing.
    const onModel = async (sql: string) => {
      const setup = await DuckDBInstance.create(file);
      const c = await setup.connect();
      await c.run(sql);
      c.closeSync();
      setup.closeSync();
    };
    await onModel(MODEL(n));
    const first = phase('first', n, dir);
    await onModel(`UPDATE model SET score = score + 1 WHERE id % 100 = 0`);
    const changed = phase('changed', n, dir);

    // Reference: DuckDB alone diffing two tables of the same size (fingerprints as md5 of each row).
    const ref = await DuckDBInstance.create(':memory:', { threads: '2' });
    const r = await ref.connect();
    await r.run(MODEL(n));
    await r.run(`CREATE TABLE old AS SELECT id, md5(to_json(m)::VARCHAR) AS fp FROM model m`);
    await r.run(`UPDATE model SET score = score + 1 WHERE id % 100 = 0`);
    const t1 = performance.now();
    await r.runAndReadAll(`SELECT count(*) FROM (SELECT id, md5(to_json(m)::VARCHAR) AS fp FROM model m) s FULL JOIN old o USING (id) WHERE s.fp IS DISTINCT FROM o.fp`);
    const refMs = performance.now() - t1;
    r.closeSync();
    ref.closeSync();

    const label = n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`;
    printBench([
      { name: `plan ${label} rows, 1% changed`, value: changed.ms / 1000, unit: 's', reference: { value: refMs / 1000 }, goal: `<= ${((n / 1e6) * 0.4).toFixed(1)} s (10M in 4 s)` },
      { name: `plan ${label} rows, 1% changed, peak RSS`, value: changed.rssMb, unit: 'MB', goal: '<= 2048 MB' },
      {
        name: `first plan ${label} rows (empty ledger, every row added)`, value: first.ms / 1000, unit: 's',
        ...(first.jsMs ? { reference: { value: first.jsMs / 1000 }, goal: '<= 1 (reference: the Source path)' } : { goal: 'not slower than the Source path' }),
      },
      { name: `first plan ${label} rows and ledger seeding, peak RSS`, value: first.rssMb, unit: 'MB', goal: 'none, shows the first run' },
    ]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const [arg, size, phaseDir] = process.argv.slice(2);
if (arg === 'first' || arg === 'changed') {
  const report = arg === 'first' ? await firstRun(Number(size), phaseDir!) : await changedRun(Number(size), phaseDir!);
  process.stdout.write(`${JSON.stringify(report)}\n`);
} else if (arg) {
  await measure(Number(arg));
} else {
  const sizes = (process.env.SLUICE_BENCH_PLAN_SIZES ?? '1000000,10000000').split(',').map(Number);
  for (const n of sizes) {
    const r = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), String(n)], { stdio: 'inherit' });
    if (r.status !== 0) process.exitCode = 1;
  }
}
