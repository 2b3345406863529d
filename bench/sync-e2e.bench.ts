// End-to-end rows/s of a whole sync run (DuckDB model → plan → render → 100-row batch requests → ledger) against a
// sink on loopback in another process, next to liquidjs `renderSync` alone rendering the same item template for as
// many rows, around the same run.
import { DuckDBInstance } from '@duckdb/node-api';
import { fork } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Liquid } from 'liquidjs';
import { loadProject } from '../src/config/load-project.js';
import { openStateStore } from '../src/state/open-state-store.js';
import { runSync } from '../src/sync/run-sync.js';
import { printBench } from './bench-line.js';

const ITEM = '{ "id": {{ row.id }}, "email": "{{ row.email }}", "name": "{{ row.name }}", "score": {{ row.score }} }';

if (process.argv[2] === 'sink') {
  // The sink: reads each request fully and answers 200, in its own process so it never shares our event loop.
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"ok":true}');
    });
  });
  server.listen(0, '127.0.0.1', () => process.send!((server.address() as { port: number }).port));
} else {
  const n = Number(process.env.SLUICE_BENCH_E2E_ROWS ?? 1_000_000);
  const sink = fork(fileURLToPath(import.meta.url), ['sink']);
  const port = await new Promise<number>((r) => sink.once('message', (m) => r(m as number)));
  const dir = await mkdtemp(join(tmpdir(), 'sluice-bench-e2e-'));
  try {
    const setup = await DuckDBInstance.create(join(dir, 'model.duckdb'));
    const c = await setup.connect();
    // Two keys: integer ids, and e-mail addresses in no particular order (as CRM keys are).
    await c.run(`CREATE TABLE model AS SELECT i AS id, md5(i::VARCHAR) || '@example.com' AS email, 'customer "' || i || '"' AS name, i % 100 AS score FROM range(${n}) t(i)`);
    c.closeSync();
    setup.closeSync();
    await writeFile(
      join(dir, 'sink.yaml'),
      `name: sink
base_url: http://127.0.0.1:${port}
rate_limit: { concurrency: 8 }
endpoints:
  upsert_batch:
    operation: upsert
    request: batch
    path: /batch
    headers: { Content-Type: application/json }
    batch: { size: 100, item: '${ITEM}', body: '{ "inputs": {{ items }} }' }
`,
    );
    await writeFile(
      join(dir, 'sluice.yaml'),
      `version: 1
connections:
  warehouse: { type: duckdb, path: model.duckdb }
  sink: { type: http, connector: ./sink.yaml }
syncs:
  by_id: { from: { connection: warehouse, table: model }, to: { connection: sink, endpoint: upsert_batch }, mode: upsert, key: id }
  by_email: { from: { connection: warehouse, table: model }, to: { connection: sink, endpoint: upsert_batch }, mode: upsert, key: email }
`,
    );
    const loaded = await loadProject({ project: dir });

    // Reference: liquidjs alone rendering the item template for the same number of rows. This machine's speed drifts
    // by tens of percent within a minute, so each run gets its own reference, rendered half just before it and half
    // just after.
    const liquid = new Liquid();
    const tpl = liquid.parse(ITEM);
    const rows = Array.from({ length: 100_000 }, (_, i) => ({ id: i, email: `c${i}@example.com`, name: `customer "${i}"`, score: i % 100 }));
    const renderSeconds = (count: number): number => {
      const t = performance.now();
      for (let k = 0; k < count; k++) liquid.renderSync(tpl, { row: rows[k % rows.length] });
      return (performance.now() - t) / 1000;
    };
    renderSeconds(100_000); // warm-up

    // renderSync alone is a component, not the pipeline a user would write: its ratio only shows where the time goes.
    // The goal against the bare pipeline (pg + JSON.stringify + an undici Pool) is bench/pg-to-http's.
    const goal = '>= 50000 rows/s; the ratio to liquidjs renderSync alone has none, it shows where the time goes';
    const lines = [];
    for (const [sync, key] of [['by_id', 'id'], ['by_email', 'email']] as const) {
      const before = renderSeconds(n / 2);
      const store = await openStateStore({ state: loaded.project.state, projectDir: dir });
      const t0 = performance.now();
      const summary = await runSync({ loaded, store, sync });
      await store.close();
      const seconds = (performance.now() - t0) / 1000;
      const after = renderSeconds(n - n / 2);
      if (summary.delivered !== n) throw new Error(`delivered ${summary.delivered} of ${n}: ${summary.run.error}`);
      lines.push({
        name: `sync run ${n / 1e6}M rows to a 100-row batch endpoint, key ${key}`,
        value: n / seconds,
        unit: 'rows/s',
        reference: { value: n / (before + after) },
        goal,
      });
    }
    printBench(lines);
  } finally {
    sink.kill();
    await rm(dir, { recursive: true, force: true });
  }
}
