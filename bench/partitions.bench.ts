// Rows/s of one 1M-row sync run on the Redis queue with 1, 2 and 4 partitions, on one machine: a server (this
// process), four `sluice worker` processes (one job each), PostgreSQL source and state, a loopback sink in a process
// of its own taking batches of 500. Each variant is a first run (a fresh state: every row is sent), timed from the
// API call that starts it to its record's end.
//
// Each partition reads the whole source and keeps its bucket's rows, so 4 partitions read 4M rows to send 1M: what a
// partition gains is its own share of the sending (requests, ledger writes) on a core of its own. On two cores the
// ratio to 1 partition tells the coordination cost (the extra reads, the jobs, the joint lease), not a speed-up:
// goal >= 0.5, for a machine with a core a partition it would be >= 1.5 at 2 and more at 4.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import pg from 'pg';
import { createServer } from '../src/server/create-server.js';
import { redisConnection } from '../src/server/redis-connection.js';
import { RUN_QUEUE } from '../src/server/run-job.js';
import type { RunRecord } from '../src/state/state-store.js';
import { printBench } from './bench-line.js';
import { startSinkProcess } from './bench-trials.js';

const ROWS = Number(process.env.SLUICE_BENCH_PARTITION_ROWS ?? 1_000_000);
const WORKERS = 4;
const VARIANTS = [1, 2, 4];
const PG_URL = process.env.SLUICE_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.SLUICE_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const TOKEN = 'bench-partitions-token';
const cli = fileURLToPath(new URL('../../bin/sluice.js', import.meta.url));

const SINK = `
const http = require('node:http');
const server = http.createServer((req, res) => {
  req.on('data', () => {});
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json', 'content-length': 2 }).end('{}'));
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));
`;

/** A `sluice worker` process, resolved once it says it is ready. */
async function startWorker(dir: string, env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const child = spawn(process.execPath, [cli, 'worker', '--project', dir, '--concurrency', '1'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const hear = (d: Buffer) => {
      output += d.toString();
      if (output.includes('worker ready')) resolve();
    };
    child.stdout!.on('data', hear);
    child.stderr!.on('data', hear);
    child.once('close', () => reject(new Error(`sluice worker exited: ${output}`)));
  });
  return child;
}

/** One first run of the sync split into `partitions`; returns rows/s. */
async function runOnce(partitions: number, table: string, sinkUrl: string): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-bench-partitions-'));
  const schema = `sluice_bench_${randomBytes(5).toString('hex')}`;
  const prefix = `sluice-bench-${randomBytes(4).toString('hex')}`;
  const env = { ...process.env, SLUICE_ALLOWED_HOSTS: '127.0.0.1', SLUICE_REDIS_URL: REDIS_URL, SLUICE_REDIS_PREFIX: prefix, SLUICE_SECRET_KEY: randomBytes(32).toString('hex') };
  const workers: ChildProcess[] = [];
  let server: Awaited<ReturnType<typeof createServer>> | undefined;
  try {
    await mkdir(join(dir, 'connectors'));
    await writeFile(join(dir, 'connectors', 'sink.yaml'), `name: sink
title: A loopback sink
base_url: "{{ config.url }}"
config:
  url: { type: string, required: true }
rate_limit: { concurrency: 4 }
endpoints:
  many:
    operation: create
    request: batch
    method: POST
    path: ""
    headers: { Content-Type: application/json }
    batch: { size: 500, item: "{{ row | json }}", body: '{ "records": {{ items }} }' }
`);
    await writeFile(join(dir, 'sluice.yaml'), `version: 1
state: "${PG_URL}?schema=${schema}"
connections:
  shop: { type: postgres, url: "${PG_URL}" }
  sink: { type: http, connector: ./connectors/sink.yaml, config: { url: "${sinkUrl}/orders" } }
syncs:
  orders:
    from: { connection: shop, table: ${table} }
    to: { connection: sink, endpoint: many }
    mode: insert
    key: id${partitions > 1 ? `\n    partitions: ${partitions}` : ''}
`);
    server = await createServer({ project: dir, token: TOKEN, queue: 'redis', redisUrl: REDIS_URL, redisPrefix: prefix, env });
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
    for (let i = 0; i < WORKERS; i++) workers.push(await startWorker(dir, env));
    const auth = { authorization: `Bearer ${TOKEN}` };
    const started = performance.now();
    const res = await fetch(`${base}/api/syncs/orders/runs`, { method: 'POST', headers: auth });
    const { runId } = (await res.json()) as { runId: string };
    for (;;) {
      await new Promise((r) => setTimeout(r, 100));
      const run = (await (await fetch(`${base}/api/runs/${runId}`, { headers: auth })).json()) as RunRecord;
      if (run.status === 'succeeded') break;
      if (run.status === 'failed' || run.status === 'cancelled') throw new Error(`the run ${run.status}: ${run.error}`);
    }
    return ROWS / ((performance.now() - started) / 1000);
  } finally {
    for (const w of workers) w.kill('SIGTERM');
    await server?.close();
    const queue = new Queue(RUN_QUEUE, { connection: redisConnection(REDIS_URL), prefix });
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const sink = await startSinkProcess(SINK);
  const table = `bench_partitions_${randomBytes(4).toString('hex')}`;
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(`CREATE TABLE ${table} AS SELECT g AS id, 'customer ' || g AS name, g % 1000 AS amount FROM generate_series(1, ${ROWS}) g`);
    await client.query(`ALTER TABLE ${table} ADD PRIMARY KEY (id)`);
    const rate = new Map<number, number>();
    for (const partitions of VARIANTS) rate.set(partitions, await runOnce(partitions, table, sink.url));
    const one = rate.get(1)!;
    printBench(
      VARIANTS.map((partitions) =>
        partitions === 1
          ? { name: `partitions: one ${ROWS}-row sync, 1 partition, ${WORKERS} workers`, value: one, unit: 'rows/s', goal: 'none, the reference of the next lines' }
          : {
              name: `partitions: one ${ROWS}-row sync, ${partitions} partitions, ${WORKERS} workers`,
              value: rate.get(partitions)!,
              unit: 'rows/s',
              reference: { value: one },
              goal: '>= 0.5 (two cores: the coordination cost)',
            },
      ),
    );
  } finally {
    await client.query(`DROP TABLE IF EXISTS ${table}`);
    await client.end();
    sink.child.kill();
  }
}

await main();
