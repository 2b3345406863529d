import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Queue } from 'bullmq';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { startWebhookSandbox, type WebhookSandbox } from '../../sandbox/webhook/webhook-sandbox.js';
import { createServer } from '../../src/server/create-server.js';
import { redisConnection, redisUrl } from '../../src/server/redis-connection.js';
import { RUN_QUEUE, type RunJob } from '../../src/server/run-job.js';
import { startRunWorker } from '../../src/server/run-worker.js';
import type { RunRecord } from '../../src/state/state-store.js';
import { keyBucket } from '../../src/sync/key-bucket.js';
import { POSTGRES_URL } from '../state/state-fixtures.js';
import { runSluiceInProcess } from '../support/capture.js';
import { closeAfterEachTest } from '../support/close-after-each-test.js';
import { startWorkerProcess } from '../support/worker-process.js';
import { ITEMS_CONNECTOR, makeItems, startItemsApi } from '../sync/start-items-api.js';
import { readSse, type SseEvent } from './server-project.js';

// Real Redis, real PostgreSQL state, a real server, real workers (in process, and a `sluice worker` process that is
// killed: built CLI, npx tsc -p tsconfig.build.json) and a webhook sandbox on loopback.
const url = redisUrl();
const token = 'partitioned-run-token-7d1f0a';
const closeLater = closeAfterEachTest();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Project {
  dir: string;
  sink: WebhookSandbox;
  prefix: string;
  env: NodeJS.ProcessEnv;
  /** The PostgreSQL schema holding the project's state. */
  schema: string;
  /** Rewrites the orders table with these ids. */
  orders(ids: number[]): void;
}

/** A project whose sync `orders` sends a SQLite table to the sandbox, split into `partitions`, with PostgreSQL state. */
async function project(options: { rows: number; partitions: number | 'auto'; mode?: string; requestsPerSecond?: number; sql?: string }): Promise<Project> {
  const prefix = `sluice-test-${randomBytes(4).toString('hex')}`;
  const schema = `sluice_test_${randomBytes(5).toString('hex')}`;
  closeLater(async () => {
    const queue = new Queue(RUN_QUEUE, { connection: redisConnection(url), prefix });
    await queue.obliterate({ force: true });
    await queue.close();
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  });
  const sink = await startWebhookSandbox();
  closeLater(() => sink.close());
  const dir = await mkdtemp(join(tmpdir(), 'sluice-partitions-'));
  closeLater(() => rm(dir, { recursive: true, force: true }));
  const orders = (ids: number[]) => {
    const db = new Database(join(dir, 'shop.db'));
    db.exec('DROP TABLE IF EXISTS orders; CREATE TABLE orders (id INTEGER PRIMARY KEY, note TEXT)');
    const insert = db.prepare('INSERT INTO orders (id, note) VALUES (?, ?)');
    db.transaction(() => ids.forEach((id) => insert.run(id, `order ${id}`)))();
    db.close();
  };
  orders(Array.from({ length: options.rows }, (_, i) => i + 1));
  await mkdir(join(dir, 'connectors'));
  await writeFile(join(dir, 'connectors', 'sink.yaml'), `name: sink
title: A receiver of orders
base_url: "{{ config.url }}"
config:
  url: { type: string, required: true }
rate_limit: { ${options.requestsPerSecond ? `requests_per_second: ${options.requestsPerSecond}, ` : ''}concurrency: 8 }
endpoints:
  post: { operation: create, method: POST, path: "", headers: { Content-Type: application/json }, body: "{{ row | json }}" }
  put: { operation: update, method: PUT, path: "/{{ row.id }}", headers: { Content-Type: application/json }, body: "{{ row | json }}" }
  delete: { operation: delete, method: DELETE, path: "/{{ row.id }}" }
`);
  await writeFile(join(dir, 'sluice.yaml'), `version: 1
state: "${POSTGRES_URL}?schema=${schema}"
connections:
  shop: { type: sqlite, path: shop.db }
  sink: { type: http, connector: ./connectors/sink.yaml, config: { url: "${sink.url}/hooks/orders" } }
syncs:
  orders:
    from: { connection: shop, sql: "${options.sql ?? 'SELECT id, note FROM orders ORDER BY id'}" }
    to: { connection: sink, ${options.mode === 'mirror' ? 'endpoints: { create: post, update: put, delete: delete }' : 'endpoint: post'} }
    mode: ${options.mode ?? 'insert'}
    key: id
    partitions: ${options.partitions}
`);
  const env = { ...process.env, SLUICE_ALLOWED_HOSTS: '127.0.0.1', SLUICE_REDIS_URL: url, SLUICE_REDIS_PREFIX: prefix, SLUICE_SECRET_KEY: '' };
  return { dir, sink, prefix, env, schema, orders };
}

/** What the state store still keeps of partitions (their plans, reports and leases) and of queued jobs, and any lease still held. */
async function partitionLeftovers(p: Project): Promise<{ values: string[]; leases: string[] }> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    const values = await client.query<{ name: string }>(`SELECT name FROM "${p.schema}".state_values WHERE name LIKE 'partitions:%' OR name LIKE 'queued-job:%' ORDER BY name`);
    const leases = await client.query<{ name: string }>(`SELECT name FROM "${p.schema}".leases ORDER BY name`);
    return { values: values.rows.map((r) => r.name), leases: leases.rows.map((r) => r.name) };
  } finally {
    await client.end();
  }
}

/** `sluice serve` with the Redis queue, listening; its base URL. */
async function serve(p: Project, env: NodeJS.ProcessEnv = {}): Promise<string> {
  const server = await createServer({ project: p.dir, token, queue: 'redis', redisUrl: url, redisPrefix: p.prefix, env: { ...p.env, ...env } });
  closeLater(() => server.close());
  await server.app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
}

const auth = { authorization: `Bearer ${token}` };

async function startRun(base: string): Promise<string> {
  const started = await fetch(`${base}/api/syncs/orders/runs`, { method: 'POST', headers: auth });
  expect(started.status, await started.clone().text()).toBe(202);
  return ((await started.json()) as { runId: string }).runId;
}

async function runRecord(base: string, id: string): Promise<RunRecord> {
  return (await (await fetch(`${base}/api/runs/${id}`, { headers: auth })).json()) as RunRecord;
}

const idsOf = (sink: WebhookSandbox, method = 'POST') =>
  sink.state.hooks.filter((h) => h.method === method).map((h) => (method === 'POST' ? (h.body as { id: number }).id : Number(h.path.split('/').at(-1))));

describe('a sync with partitions on the Redis queue', () => {
  it('is split into one job per hash bucket over two workers: every row arrives once, the counts and the progress add up, and a mirror run removes what each bucket lost', async () => {
    const p = await project({ rows: 2000, partitions: 4, mode: 'mirror' });
    const base = await serve(p);
    const jobs: { worker: number; job: RunJob }[] = [];
    for (const n of [1, 2]) {
      const worker = await startRunWorker({ project: p.dir, concurrency: 2, url, prefix: p.prefix, env: p.env, onJob: (event, job) => event === 'started' && jobs.push({ worker: n, job }) });
      closeLater(() => worker.close());
    }

    const first = await startRun(base);
    const events: SseEvent[] = await readSse(await fetch(`${base}/api/runs/${first}/events`, { headers: auth }));
    expect(events.at(-1)).toMatchObject({ event: 'done', data: { run: { id: first, status: 'succeeded' } } });
    expect((await runRecord(base, first)).counts).toEqual({ planned: 2000, added: 2000, changed: 0, removed: 0, unchanged: 0, delivered: 2000, failed: 0, invalid: 0 });
    expect(idsOf(p.sink).sort((a, b) => a - b)).toEqual(Array.from({ length: 2000 }, (_, i) => i + 1));
    // The run's job and its four partitions' jobs, the partitions on both workers.
    const partitions = jobs.filter((j) => j.job.runId === first && j.job.partition);
    expect(partitions.map((j) => j.job.partition!.index).sort()).toEqual([0, 1, 2, 3]);
    expect(new Set(partitions.map((j) => j.worker)).size).toBe(2);
    // The progress a client streams is the run's: the partitions' counts added up, never above the run's rows.
    const progress = events.filter((e) => e.event === 'progress').map((e) => e.data as { planned: number; delivered: number });
    expect(progress.length).toBeGreaterThan(0);
    expect(Math.max(...progress.map((e) => e.delivered))).toBeLessThanOrEqual(2000);
    expect(progress.some((e) => e.planned > 500)).toBe(true);

    // Unchanged rows are sent by no partition; removed ones by the partition of their key, each once.
    const gone = [5, 6, 7, 8, 9, 10, 11, 12, 1999, 2000];
    expect(new Set(gone.map((id) => keyBucket(String(id), 4))).size).toBeGreaterThan(1);
    p.orders(Array.from({ length: 2000 }, (_, i) => i + 1).filter((id) => !gone.includes(id)));
    p.sink.state.hooks.length = 0;
    const second = await startRun(base);
    const end = (await readSse(await fetch(`${base}/api/runs/${second}/events`, { headers: auth }))).at(-1);
    expect(end).toMatchObject({ event: 'done', data: { run: { status: 'succeeded' } } });
    expect((await runRecord(base, second)).counts).toMatchObject({ planned: 10, removed: 10, unchanged: 1990, delivered: 10, failed: 0 });
    expect(idsOf(p.sink, 'DELETE').sort((a, b) => a - b)).toEqual(gone);
    expect(idsOf(p.sink)).toEqual([]);
    // Nothing of the partitions is left in the state store once their runs closed, and no lease is held.
    expect(await partitionLeftovers(p)).toEqual({ values: [], leases: [] });
  }, 180_000);

  it('resumes a partition whose worker was killed: another worker continues it from the ledger, and the run ends true', async () => {
    const p = await project({ rows: 2000, partitions: 2, requestsPerSecond: 400 });
    const env = { ...p.env, SLUICE_QUEUE_LOCK_MS: '2000', SLUICE_LEASE_TTL_MS: '3000' };
    const base = await serve(p, env);
    const doomed = await startWorkerProcess({ project: p.dir, env, args: ['--concurrency', '2'] });
    closeLater(() => doomed.stop());
    const first = await startRun(base);
    // Killed mid-run, its partitions half sent; a worker started after it takes them over.
    const end = Date.now() + 20_000;
    while (p.sink.state.hooks.length < 600 && Date.now() < end) await sleep(20);
    doomed.child.kill('SIGKILL');
    expect(p.sink.state.hooks.length).toBeLessThan(2000);
    const handedOn: string[] = [];
    const worker = await startRunWorker({ project: p.dir, concurrency: 2, url, prefix: p.prefix, env, onJob: (event, job, detail) => event === 'resumed' && job.partition && handedOn.push(`${job.runId} ${detail}`) });
    closeLater(() => worker.close());
    const done = (await readSse(await fetch(`${base}/api/runs/${first}/events`, { headers: auth }))).at(-1);
    expect(done).toMatchObject({ event: 'done', data: { run: { id: first, status: 'succeeded' } } });
    // Both partitions were the killed worker's: both were handed on, with nobody asking.
    expect(handedOn.sort()).toEqual([`${first} partition 1 of 2`, `${first} partition 2 of 2`]);
    const record = await runRecord(base, first);
    expect(record.counts).toMatchObject({ planned: 2000, delivered: 2000, failed: 0 });
    const ids = idsOf(p.sink);
    expect(new Set(ids).size).toBe(2000);
    // Sent twice: at most the batches in flight when it died (8 requests a partition).
    expect(ids.length - 2000).toBeLessThanOrEqual(16);
    // The killed worker's partition leases went with its run's close, as did the partitions' reports.
    expect(await partitionLeftovers(p)).toEqual({ values: [], leases: [] });
  }, 180_000);

  it('with partitions: auto, splits a large run into one job per so many rows to send, at most one per live worker, and keeps a small run one job', async () => {
    const p = await project({ rows: 2000, partitions: 'auto' });
    // 500 rows a partition: 2000 rows to send would make 4, and three workers are live.
    const env = { ...p.env, SLUICE_PARTITION_ROWS: '500' };
    const base = await serve(p, env);
    const jobs: { worker: number; event: string; job: RunJob; detail?: string }[] = [];
    for (const n of [1, 2, 3]) {
      const worker = await startRunWorker({ project: p.dir, concurrency: 2, url, prefix: p.prefix, env, onJob: (event, job, detail) => jobs.push({ worker: n, event, job, detail }) });
      closeLater(() => worker.close());
    }

    const large = await startRun(base);
    const done = (await readSse(await fetch(`${base}/api/runs/${large}/events`, { headers: auth }))).at(-1);
    expect(done).toMatchObject({ event: 'done', data: { run: { id: large, status: 'succeeded' } } });
    expect((await runRecord(base, large)).counts).toEqual({ planned: 2000, added: 2000, changed: 0, removed: 0, unchanged: 0, delivered: 2000, failed: 0, invalid: 0 });
    expect(idsOf(p.sink).sort((a, b) => a - b)).toEqual(Array.from({ length: 2000 }, (_, i) => i + 1));
    const split = jobs.filter((j) => j.job.runId === large && j.job.partition && j.event === 'started');
    expect(split.map((j) => `${j.job.partition!.index} of ${j.job.partition!.of}`).sort()).toEqual(['0 of 3', '1 of 3', '2 of 3']);
    expect(jobs.filter((j) => j.job.runId === large && j.event === 'waiting').map((j) => j.detail)).toEqual(['for its 3 partitions']);

    // Ten new rows: under one partition's worth, so the run's own job sends them, with no partition job.
    p.orders(Array.from({ length: 2010 }, (_, i) => i + 1));
    p.sink.state.hooks.length = 0;
    const small = await startRun(base);
    const events = await readSse(await fetch(`${base}/api/runs/${small}/events`, { headers: auth }));
    expect(events.at(-1)).toMatchObject({ event: 'done', data: { run: { id: small, status: 'succeeded' } } });
    expect((await runRecord(base, small)).counts).toMatchObject({ planned: 10, added: 10, unchanged: 2000, delivered: 10, failed: 0 });
    expect(idsOf(p.sink).sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => 2001 + i));
    expect(jobs.filter((j) => j.job.runId === small).map((j) => `${j.event}${j.job.partition ? ' partition' : ''}`)).toEqual(['started', 'finished']);
    // Its progress streamed as any run's does.
    expect(events.some((e) => e.event === 'progress')).toBe(true);
    expect(await partitionLeftovers(p)).toEqual({ values: [], leases: [] });
  }, 180_000);

  it('with partitions: auto and one live worker, does not split: the run is one job', async () => {
    const p = await project({ rows: 2000, partitions: 'auto' });
    const env = { ...p.env, SLUICE_PARTITION_ROWS: '500' };
    const base = await serve(p, env);
    const jobs: RunJob[] = [];
    const worker = await startRunWorker({ project: p.dir, concurrency: 4, url, prefix: p.prefix, env, onJob: (event, job) => event === 'started' && jobs.push(job) });
    closeLater(() => worker.close());
    const run = await startRun(base);
    const done = (await readSse(await fetch(`${base}/api/runs/${run}/events`, { headers: auth }))).at(-1);
    expect(done).toMatchObject({ event: 'done', data: { run: { id: run, status: 'succeeded' } } });
    expect(jobs.map((j) => j.partition ?? null)).toEqual([null]);
    expect(new Set(idsOf(p.sink)).size).toBe(2000);
  }, 120_000);

  it('with partitions: auto, runs a source its plan cannot read as one job, which records why the run failed', async () => {
    // Key 7 read twice: the plan stops there, so the choice cannot be made.
    const p = await project({ rows: 2000, partitions: 'auto', sql: "SELECT id, note FROM (SELECT id, note FROM orders UNION ALL SELECT 7, 'again') ORDER BY id" });
    const env = { ...p.env, SLUICE_PARTITION_ROWS: '500' };
    const base = await serve(p, env);
    const jobs: RunJob[] = [];
    for (let n = 0; n < 2; n++) {
      const worker = await startRunWorker({ project: p.dir, concurrency: 2, url, prefix: p.prefix, env, onJob: (event, job) => event === 'started' && jobs.push(job) });
      closeLater(() => worker.close());
    }
    const run = await startRun(base);
    const done = (await readSse(await fetch(`${base}/api/runs/${run}/events`, { headers: auth }))).at(-1);
    expect(done).toMatchObject({ event: 'done', data: { run: { id: run, status: 'failed' } } });
    expect((await runRecord(base, run)).error).toMatch(/^the key value "7" appears more than once in the source of sync "orders" \(key id\): rows 7 and 8\. /);
    expect(jobs.map((j) => j.partition ?? null)).toEqual([null]);
    expect(await partitionLeftovers(p)).toEqual({ values: [], leases: [] });
  }, 120_000);

  it('refuses to split a sync of an incremental stream, even its first run, leaving nothing behind; auto reads it in one job, which moves its cursor', async () => {
    const p = await project({ rows: 0, partitions: 2 });
    const api = await startItemsApi(() => makeItems(30));
    closeLater(() => api.close());
    await writeFile(join(p.dir, 'items-api.yaml'), ITEMS_CONNECTOR);
    const yaml = (await readFile(join(p.dir, 'sluice.yaml'), 'utf8')).replace('connections:\n', `connections:\n  items: { type: http, connector: ./items-api.yaml, base_url: "${api.url}" }\n`);
    const withItems = (partitions: string) =>
      writeFile(join(p.dir, 'sluice.yaml'), `${yaml}  items:
    from: { connection: items, stream: items }
    to: { connection: sink, endpoints: { create: post, update: put } }
    mode: upsert
    key: id
    partitions: ${partitions}
`);
    const env = { ...p.env, SLUICE_PARTITION_ROWS: '5' };
    const base = await serve(p, env);
    const jobs: RunJob[] = [];
    for (let n = 0; n < 2; n++) {
      const worker = await startRunWorker({ project: p.dir, concurrency: 2, url, prefix: p.prefix, env, onJob: (event, job) => event === 'started' && jobs.push(job) });
      closeLater(() => worker.close());
    }
    const run = async () => {
      const res = await fetch(`${base}/api/syncs/items/runs`, { method: 'POST', headers: auth });
      expect(res.status, await res.clone().text()).toBe(202);
      const { runId } = (await res.json()) as { runId: string };
      return (await readSse(await fetch(`${base}/api/runs/${runId}/events`, { headers: auth }))).at(-1)!.data as { run: RunRecord };
    };
    // Split in two, even its first run (a full read, with no cursor yet) is refused by each partition: the run fails
    // naming the key, and nothing is sent.
    await withItems('2');
    const split = await run();
    expect(split.run.status).toBe('failed');
    expect(split.run.error).toBe(
      `the run's queue job failed for good: ${p.dir}/sluice.yaml: syncs.items.partitions: a sync that reads an incremental stream cannot be split into partitions: each would move the stream's cursor; remove partitions`,
    );
    expect(idsOf(p.sink)).toEqual([]);
    // The other partition's job may still be stopping when the run is failed: once it has, nothing is left.
    await expect.poll(() => partitionLeftovers(p), { timeout: 10_000, interval: 200 }).toEqual({ values: [], leases: [] });

    // auto: one job reads it (and moves its cursor), though 30 rows to send at 5 a partition would make 2.
    await withItems('auto');
    const first = await run();
    expect(first.run).toMatchObject({ status: 'succeeded', counts: { delivered: 30 } });
    expect(jobs.filter((j) => j.runId === first.run.id).map((j) => j.partition ?? null)).toEqual([null]);
    expect(idsOf(p.sink).sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    // The next run reads from the cursor: only what changed since (nothing).
    p.sink.state.hooks.length = 0;
    const next = await run();
    expect(next.run).toMatchObject({ status: 'succeeded', counts: { planned: 0, delivered: 0 } });
    expect(api.sinceOf(api.requests.length - 1)).toBe('2026-01-01T00:00:29Z');
    expect(await partitionLeftovers(p)).toEqual({ values: [], leases: [] });
  }, 120_000);

  it('refuses a hostile SLUICE_PARTITION_ROWS when the worker starts, naming the variable', async () => {
    const p = await project({ rows: 10, partitions: 'auto' });
    for (const value of ['0', '-5', '1e9', '12abc', '100000001', 'x'.repeat(500)]) {
      const started = startRunWorker({ project: p.dir, concurrency: 1, url, prefix: p.prefix, env: { ...p.env, SLUICE_PARTITION_ROWS: value } });
      await expect(started).rejects.toThrow(`SLUICE_PARTITION_ROWS is "${value.slice(0, 40)}": give a whole number of rows from 1 to 100000000`);
    }
  });
});

describe('a sync with partitions without the queue', () => {
  it('runs in one process as one run: the same rows, once', async () => {
    const p = await project({ rows: 500, partitions: 8 });
    const result = await runSluiceInProcess(['sync', 'run', 'orders', '--project', p.dir]);
    expect(result.code).toBe(0);
    expect(idsOf(p.sink).sort((a, b) => a - b)).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
  });
});

describe('partitions in sluice.yaml', () => {
  it('takes a whole number from 1 to 64 or auto, and refuses anything else naming the file, line and key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-partitions-validate-'));
    closeLater(() => rm(dir, { recursive: true, force: true }));
    new Database(join(dir, 'shop.db')).exec('CREATE TABLE orders (id INTEGER PRIMARY KEY)').close();
    const validate = async (value: string) => {
      await writeFile(join(dir, 'sluice.yaml'), `version: 1
connections:
  shop: { type: sqlite, path: shop.db }
syncs:
  orders:
    from: { connection: shop, table: orders }
    to: { connection: shop, table: copied }
    mode: upsert
    key: id
    partitions: ${value}
`);
      const out = await runSluiceInProcess(['--project', dir, 'validate']);
      return [out.code, (out.out + out.err).trim()];
    };
    expect(await validate('64')).toEqual([0, 'ok: 1 connection, 1 sync, 0 pipelines']);
    expect(await validate('1')).toEqual([0, 'ok: 1 connection, 1 sync, 0 pipelines']);
    expect(await validate('auto')).toEqual([0, 'ok: 1 connection, 1 sync, 0 pipelines']);
    const refused = async (value: string, message: string) =>
      expect(await validate(value)).toEqual([2, `${dir}/sluice.yaml:10:17: syncs.orders.partitions: ${message}\n1 issue found`]);
    await refused('0', 'expected a number >= 1, got 0');
    await refused('65', 'expected a number <= 64, got 65');
    await refused('-1', 'expected a number >= 1, got -1');
    await refused('2.5', 'expected a whole number, got a number');
    await refused('"4"', 'expected a number, got a string');
    // Infinity (YAML reads 1e400 so) is no number a run can split into.
    await refused('1e400', 'expected a number, got a number');
    await refused('[4]', 'expected a number, got a list');
    // auto is the one word taken.
    await refused('Auto', 'expected a number, got a string');
    await refused('"<script>"', 'expected a number, got a string');
  });
});
