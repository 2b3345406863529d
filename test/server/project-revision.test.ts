import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { readProjectRevision, revisionFiles } from '../../src/server/project-revision.js';
import { saveQueuedJob } from '../../src/server/queued-job.js';
import { redisConnection, redisUrl } from '../../src/server/redis-connection.js';
import { RUN_QUEUE, type RunJob } from '../../src/server/run-job.js';
import { openStateStore } from '../../src/state/open-state-store.js';
import type { StateStore } from '../../src/state/state-store.js';
import { startRunWorker, type RunWorker } from '../../src/server/run-worker.js';
import { projectYaml, readSse, startServerFixture, type ServerFixture } from './server-project.js';

// Real Redis (SLUICE_REDIS_URL or 127.0.0.1:6379); a random key prefix keeps this test's queue apart.
const prefix = `sluice-rev-${randomBytes(4).toString('hex')}`;
const url = redisUrl();
let f: ServerFixture;
let workerDir: string;
let worker: RunWorker | undefined;
let base: string;
let store: StateStore;
const jobs: string[] = [];

beforeAll(async () => {
  f = await startServerFixture({ rows: 2, server: { queue: 'redis', redisUrl: url, redisPrefix: prefix } });
  await f.server.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(f.server.app.server.address() as AddressInfo).port}`;
  // The worker's machine: the project as it was first deployed (no orders.sql), its own copy of the shop database,
  // and the state the server uses.
  workerDir = await mkdtemp(join(tmpdir(), 'sluice-worker-'));
  const state = join(f.dir, '.sluice');
  await writeFile(join(workerDir, 'sluice.yaml'), projectYaml(f.sink.url, `state: ${JSON.stringify(state)}\n`));
  await copyFile(join(f.dir, 'shop.db'), join(workerDir, 'shop.db'));
  store = await openStateStore({ state, projectDir: workerDir, env: { ...process.env, SLUICE_SECRET_KEY: '' } });
  worker = await startRunWorker({
    project: workerDir, concurrency: 1, url, prefix, store,
    env: { ...process.env, SLUICE_ALLOWED_HOSTS: '127.0.0.1' },
    onJob: (event, job, detail) => jobs.push(`${event} ${job.runId}${detail ? ` ${detail}` : ''}`),
  });
});

afterAll(async () => {
  await worker?.close();
  await store?.close();
  await f?.close();
  if (workerDir) await rm(workerDir, { recursive: true, force: true });
  const queue = new Queue(RUN_QUEUE, { connection: redisConnection(url), prefix });
  await queue.obliterate({ force: true });
  await queue.close();
});

const api = async (method: string, path: string, body?: unknown) => {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...f.auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
};

describe('the project travels with the queued job', () => {
  it('a worker whose disk holds an older sluice.yaml runs the sync as edited through the server API', async () => {
    // The edit reads a SQL file that exists on the server's disk only.
    await writeFile(join(f.dir, 'orders.sql'), "SELECT id, 'edited ' || note AS note FROM orders ORDER BY id");
    const { json: sync } = await api('GET', '/api/syncs/orders_to_sink');
    const config = sync.config as { from: Record<string, unknown> };
    const put = await api('PUT', '/api/syncs/orders_to_sink', { ...config, from: { ...config.from, sql: 'orders.sql' } });
    expect(put.status).toBe(200);

    const started = await api('POST', '/api/syncs/orders_to_sink/runs');
    expect(started.status).toBe(202);
    const runId = started.json.runId as string;
    const events = await readSse(await fetch(`${base}/api/runs/${runId}/events`, { headers: f.auth }));
    expect(events.at(-1)?.data).toMatchObject({ run: { id: runId, status: 'succeeded' }, delivered: 2 });
    expect(f.sink.state.hooks.map((h) => (h.body as { note: string }).note)).toEqual(['edited order 1', 'edited order 2']);
  });

  it('a job from an older server (no revision) runs from the worker disk, as before', async () => {
    // What the worker's disk says now: other keys and notes than the server's project.
    const diskYaml = projectYaml(f.sink.url, `state: ${JSON.stringify(join(f.dir, '.sluice'))}\n`).replace(
      'SELECT id, note FROM orders ORDER BY id',
      "SELECT id + 100 AS id, 'disk ' || note AS note FROM orders ORDER BY id",
    );
    await writeFile(join(workerDir, 'sluice.yaml'), diskYaml);
    const job: RunJob = { runId: `old-server-${randomBytes(4).toString('hex')}`, kind: 'sync', name: 'orders_to_sink', vars: {}, full: false, asRejected: false, trigger: 'api' };
    await store.createRun({ kind: 'sync', name: job.name, trigger: job.trigger, id: job.runId, status: 'queued' });
    await saveQueuedJob(store, job);
    const hooksBefore = f.sink.state.hooks.length;
    const queue = new Queue<RunJob>(RUN_QUEUE, { connection: redisConnection(url), prefix });
    try {
      await queue.add('run', job, { jobId: job.runId });
      for (let i = 0; i < 200 && !jobs.some((j) => j.startsWith(`finished ${job.runId}`)); i++) await new Promise((r) => setTimeout(r, 50));
    } finally {
      await queue.close();
    }
    expect(await store.getRun(job.runId)).toMatchObject({ status: 'succeeded', counts: { delivered: 2 } });
    expect(f.sink.state.hooks.slice(hooksBefore).map((h) => h.body)).toEqual([{ id: 101, note: 'disk order 1' }, { id: 102, note: 'disk order 2' }]);
  });

  it('a project over 5 MB is not queued: its run is recorded as failed, saying why', async () => {
    await writeFile(join(f.dir, 'orders.sql'), `SELECT id, note FROM orders -- ${'x'.repeat(5 * 1024 * 1024)}`);
    const { json: sync } = await api('GET', '/api/syncs/orders_to_sink');
    const config = sync.config as { from: Record<string, unknown> };
    expect((await api('PUT', '/api/syncs/orders_to_sink', { ...config, from: { ...config.from, sql: 'orders.sql' } })).status).toBe(200);
    const started = await api('POST', '/api/syncs/orders_to_sink/runs');
    expect(started.status).toBe(202);
    const runId = started.json.runId as string;
    const why = 'sluice.yaml: too large to queue: with its connector specs and SQL files (2 files) it comes to 5.1 MB, over the 5 MB a project revision may hold';
    const done = (await readSse(await fetch(`${base}/api/runs/${runId}/events`, { headers: f.auth }))).at(-1);
    expect(done?.data).toEqual({ run: null, error: why });
    expect((await api('GET', `/api/runs/${runId}`)).json).toMatchObject({ status: 'failed', error: `the run's queue job failed for good: it could not be queued (${why})` });
    await writeFile(join(f.dir, 'orders.sql'), 'SELECT id, note FROM orders ORDER BY id');
  });
});

describe('project revisions', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-bundle-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('hold sluice.yaml and the connector specs and SQL files it names inside the project, secrets left as references', async () => {
    await mkdir(join(dir, 'connectors'), { recursive: true });
    await mkdir(join(dir, 'sql'), { recursive: true });
    await writeFile(join(dir, 'connectors', 'crm.yaml'), 'name: crm\n');
    await writeFile(join(dir, 'sql', 'orders.sql'), 'SELECT 1');
    await writeFile(join(dir, 'sql', 'cleanup.sql'), 'DELETE FROM t');
    await writeFile(join(dir, 'unrelated.txt'), 'not named anywhere');
    await writeFile(
      join(dir, 'sluice.yaml'),
      `version: 1
connections:
  crm: { type: http, connector: ./connectors/crm.yaml, auth: { type: bearer, token: "\${secret:crm_token}" } }
  hub: { type: http, connector: hubspot, auth: { type: bearer, token: "\${env:HUB_TOKEN}" } }
  outside: { type: http, connector: ../elsewhere/spec.yaml }
  db: { type: sqlite, path: shop.db }
syncs:
  a: { from: { connection: db, sql: sql/orders.sql }, to: { connection: crm, endpoint: post }, key: id }
  b: { from: { connection: db, sql: "SELECT 2" }, to: { connection: crm, endpoint: post }, key: id }
  c: { from: { connection: db, sql: missing.sql }, to: { connection: crm, endpoint: post }, key: id }
pipelines:
  nightly: { steps: [a, { sql: sql/cleanup.sql, connection: db }] }
`,
    );
    const revision = await readProjectRevision(join(dir, 'sluice.yaml'));
    expect(revision.paths).toEqual(['connectors/crm.yaml', 'sluice.yaml', 'sql/cleanup.sql', 'sql/orders.sql']);
    expect(revision.bundle).toContain('${secret:crm_token}');
    expect(revision.bundle).toContain('${env:HUB_TOKEN}');
    // The same files give the same id.
    expect((await readProjectRevision(join(dir, 'sluice.yaml'))).id).toBe(revision.id);
    await writeFile(join(dir, 'sql', 'orders.sql'), 'SELECT 3');
    expect((await readProjectRevision(join(dir, 'sluice.yaml'))).id).not.toBe(revision.id);
  });

  it('refuses a project over 5 MB, saying how large it is', async () => {
    await writeFile(join(dir, 'sluice.yaml'), 'version: 1\nconnections: { db: { type: sqlite, path: x.db } }\nsyncs:\n  big: { from: { connection: db, sql: big.sql } }\n');
    await writeFile(join(dir, 'big.sql'), `SELECT '${'x'.repeat(6 * 1024 * 1024)}'`);
    const error = await readProjectRevision(join(dir, 'sluice.yaml')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues[0]!.message).toBe(
      'too large to queue: with its connector specs and SQL files (2 files) it comes to 6.1 MB, over the 5 MB a project revision may hold',
    );
  });

  it('a worker refuses a revision that is gone or altered', async () => {
    const missing = 'a'.repeat(64);
    await expect(revisionFiles(store, missing, dir)).rejects.toThrow(
      'the project revision aaaaaaaaaaaa this run was queued with is not in the state store (pruned, or the server that queued it uses another state)',
    );
    const forged = 'b'.repeat(64);
    await store.saveProjectRevision(forged, JSON.stringify({ format: 1, files: [['sluice.yaml', 'version: 1\n']] }));
    await expect(revisionFiles(store, forged, dir)).rejects.toThrow('does not match its id: the stored copy was altered');
  });
});
