// The debugger's cost (issue #19 point 1): the same PostgreSQL-to-HTTP sync as bench/pg-to-http, run as the installed
// `sluice sync run` with `debug: { retention_days: 7 }` (every request and response kept per row) and with
// `retention_days: 0` (nothing kept), measured side by side in one run. The reference is the run without the debugger;
// the ratio is the median of each trial's own ratio (this machine's speed drifts within a minute), and the goal is that
// keeping every exchange costs at most a tenth of the end-to-end speed.
//
// Lines: single records (one exchange per row: the debugger's worst case) and batches of 100 (one exchange shared by
// 100 rows), a first run each time (an empty state); 100k rows. Each line adds the state's size after the run with
// the debugger on. SLUICE_BENCH_TRIALS sets the trials (default 3), SLUICE_BENCH_SHAPES one shape.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { formatBenchLine } from './bench-line.js';
import { createCustomersTable, sinkConnectorYaml } from './bench-customers.js';
import { median, startSinkProcess } from './bench-trials.js';

const URL = process.env.SLUICE_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const CONCURRENCY = 16;
const BATCH = 100;
const ROWS = 100_000;
const TRIALS = Number(process.env.SLUICE_BENCH_TRIALS ?? 3);
const SHAPES = (['single', 'batch'] as const).filter((s) => (process.env.SLUICE_BENCH_SHAPES ?? 'single,batch').split(',').includes(s));
const self = fileURLToPath(import.meta.url);

// The sink counts the records of each request (a `records` array, or one object) and answers 200 at once; GET
// /stats answers the count and resets it.
const SINK = `
const http = require('node:http');
let records = 0;
const server = http.createServer((req, res) => {
  if (req.method === 'GET') { res.end(String(records)); records = 0; return; }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    records += Array.isArray(body.records) ? body.records.length : 1;
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': 11 });
    res.end('{"ok":true}');
  });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

async function main(): Promise<void> {
  const sink = await startSinkProcess(SINK);
  const count = async () => Number(await (await fetch(`${sink.url}/stats`)).text());
  const schema = `sluice_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const dir = await mkdtemp(join(tmpdir(), 'sluice-bench-debugger-'));
  const cli = resolve(dirname(self), '../../bin/sluice.js');

  /** One `sluice sync run` from spawn to exit; every row must arrive. */
  const run = async (sync: string): Promise<number> => {
    await rm(join(dir, '.sluice'), { recursive: true, force: true });
    await count();
    const t0 = Date.now();
    const child = spawn(cli, ['sync', 'run', sync], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((r) => child.on('close', r));
    const seconds = (Date.now() - t0) / 1000;
    const arrived = await count();
    if (code !== 0 || arrived !== ROWS) throw new Error(`sync run ${sync}: exit ${code}, ${arrived} of ${ROWS} records arrived\n${out.slice(-2000)}`);
    return seconds;
  };
  const stateMb = () =>
    readdirSync(join(dir, '.sluice'))
      .filter((f) => f.startsWith('state.db'))
      .reduce((sum, f) => sum + statSync(join(dir, '.sluice', f)).size, 0) / 1024 / 1024;

  try {
    const table = `${schema}.rows_${ROWS}`;
    await createCustomersTable(admin, table, ROWS);
    await writeFile(join(dir, 'sink.yaml'), sinkConnectorYaml(sink.url, { concurrency: CONCURRENCY, batch: BATCH }));
    const syncs = SHAPES.flatMap((shape) =>
      [7, 0].map((days) => {
        const endpoint = shape === 'batch' ? 'post_batch' : 'post';
        return `  ${shape}_${days}: { from: { connection: pg, table: ${table} }, to: { connection: sink, endpoint: ${endpoint} }, mode: insert, key: id, debug: { retention_days: ${days} } }`;
      }),
    );
    await writeFile(
      join(dir, 'sluice.yaml'),
      `version: 1\nconnections:\n  pg: { type: postgres, url: "${URL}" }\n  sink: { type: http, connector: ./sink.yaml }\nsyncs:\n${syncs.join('\n')}\n`,
    );
    for (const shape of SHAPES) {
      const on: number[] = [];
      const off: number[] = [];
      const sizes: number[] = [];
      for (let t = 0; t < TRIALS; t++) {
        // Alternating order: without the debugger first in even trials, last in odd ones.
        if (t % 2 === 0) off.push(await run(`${shape}_0`));
        on.push(await run(`${shape}_7`));
        sizes.push(stateMb());
        if (t % 2 === 1) off.push(await run(`${shape}_0`));
      }
      const line = formatBenchLine({
        name: `debugger-cost: pg-to-http ${ROWS / 1000}k rows, ${shape === 'batch' ? `batches of ${BATCH}` : 'single records'}, concurrency ${CONCURRENCY}, insert, debug.retention_days 7 against 0`,
        value: ROWS / median(on),
        unit: 'rows/s',
        reference: { value: ROWS / median(off) },
        ratio: median(on.map((s, i) => off[i]! / s)),
        goal: '>= 0.9',
      });
      process.stdout.write(`${line}; state after the run ${median(sizes).toFixed(1)} MB\n`);
    }
  } finally {
    sink.child.kill();
    await admin.query(`DROP SCHEMA ${schema} CASCADE`).catch(() => undefined);
    await admin.end();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
