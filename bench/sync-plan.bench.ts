// Plan time and peak RSS for 1M- and 10M-row DuckDB models with 1% changed, next to DuckDB alone diffing two
// tables of the same size in the same run. Each size runs in its own child process so its peak RSS is its own.
import { DuckDBInstance } from '@duckdb/node-api';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDuckdbDatabase } from '../src/sources/duckdb-database.js';
import { openStateStore } from '../src/state/open-state-store.js';
import type { Row } from '../src/sources/source.js';
import type { LedgerEntry } from '../src/state/state-store.js';
import { planSync } from '../src/sync/plan-sync.js';
import { printBench } from './bench-line.js';

const MODEL = (n: number) => `CREATE OR REPLACE TABLE model AS SELECT i AS id, 'customer ' || i AS name, 'c' || i || '@example.com' AS email,
  (i * 7) % 100 AS score, TIMESTAMP '2026-11-01 00:00:00' + to_seconds(i) AS updated_at FROM range(${n}) t(i)`;

async function measure(n: number): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-bench-plan-'));
  try {
    const file = join(dir, 'model.duckdb');
    const setup = await DuckDBInstance.create(file);
    const c = await setup.connect();
    await c.run(MODEL(n));
    c.closeSync();
    setup.closeSync();

    const store = await openStateStore({ state: join(dir, 'state'), projectDir: dir });
    const db = await openDuckdbDatabase(file);
    const source = db.query('SELECT * FROM model');
    const options = {
      source, store, sync: 'bench', mode: 'upsert' as const, key: ['id'], mapRow: (r: Row) => r, spillDir: join(dir, 'tmp'),
      snapshotDir: join(dir, 'state', 'plans'), sqlFastPath: { duckdbPath: file, projectDir: dir, sql: 'SELECT * FROM model' },
    };
    // The first run (empty ledger, every row added), timed up to its last planned item; then the ledger is seeded as if
    // every row had been delivered, in big batches, keeping the snapshot in step as a delivery does (not timed).
    // The first run as it was planned before (every row through the Source, the ledger read in full), up to 1M rows.
    let jsFirstMs = 0;
    if (n <= 1_000_000) {
      const t = performance.now();
      const js = await planSync({ ...options, sync: 'bench-js', sqlFastPath: undefined, snapshotDir: undefined });
      let count = 0;
      for await (const batch of js.items({ batchSize: 100_000 })) count += batch.length;
      await js.close();
      jsFirstMs = performance.now() - t;
      if (count !== n) throw new Error(`expected ${n} added rows through the Source, planned ${count}`);
    }
    let seedMs = 0;
    const t00 = performance.now();
    const first = await planSync(options);
    const now = new Date().toISOString();
    const seed: LedgerEntry[][] = [];
    let firstPlanned = 0;
    for await (const batch of first.items({ batchSize: 20_000 })) {
      firstPlanned += batch.length;
      seed.push(batch.map((i): LedgerEntry => ({ key: i.key, fingerprint: i.fingerprint, remoteId: i.key, status: 'delivered', lastError: null, runId: 'seed', updatedAt: now })));
      // Rows are dropped once counted: only the ledger entries are kept for seeding.
      for (const i of batch) i.row = {};
      if (seed.length >= 10) await flushSeed();
    }
    const firstMs = performance.now() - t00 - seedMs;
    async function flushSeed() {
      const t = performance.now();
      for (const entries of seed.splice(0)) {
        const { previousMark } = await store.applyLedgerChanges('bench', { put: entries, deleted: [], rejected: [], cleared: [], mark: first.ledger?.mark });
        await first.ledger?.written(entries, [], previousMark);
      }
      seedMs += performance.now() - t;
    }
    await flushSeed();
    await first.close();
    if (firstPlanned !== n) throw new Error(`expected ${n} added rows, planned ${firstPlanned}`);
    await db.execute(`UPDATE model SET score = score + 1 WHERE id % 100 = 0`);

    global.gc?.();
    const t0 = performance.now();
    const plan = await planSync(options);
    let planned = 0;
    for await (const batch of plan.items({ batchSize: 1000 })) planned += batch.length;
    const planMs = performance.now() - t0;
    await plan.close();
    if (planned !== n / 100) throw new Error(`expected ${n / 100} changed rows, planned ${planned}`);
    const rssMb = process.resourceUsage().maxRSS / 1024;
    await db.close();
    await store.close();

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
      { name: `plan ${label} rows, 1% changed`, value: planMs / 1000, unit: 's', reference: { value: refMs / 1000 }, goal: `<= ${(n / 1e6).toFixed(0)} s (10M in 10 s)`, lowerIsBetter: true },
      {
        name: `first plan ${label} rows (empty ledger, every row added)`, value: firstMs / 1000, unit: 's', lowerIsBetter: true,
        ...(jsFirstMs ? { reference: { value: jsFirstMs / 1000 }, goal: '<= 1 (reference: the Source path)' } : { goal: 'not slower than the Source path' }),
      },
      { name: `plan ${label} rows, peak RSS`, value: rssMb, unit: 'MB', goal: '<= 2048 MB' },
    ]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const arg = process.argv[2];
if (arg) {
  await measure(Number(arg));
} else {
  const sizes = (process.env.SLUICE_BENCH_PLAN_SIZES ?? '1000000,10000000').split(',').map(Number);
  for (const n of sizes) {
    const r = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), String(n)], { stdio: 'inherit' });
    if (r.status !== 0) process.exitCode = 1;
  }
}
