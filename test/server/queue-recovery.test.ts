import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type SluiceServer } from '../../src/server/create-server.js';
import { redisConnection, redisUrl } from '../../src/server/redis-connection.js';
import { RUN_QUEUE } from '../../src/server/run-job.js';
import { startRunWorker, type RunWorker } from '../../src/server/run-worker.js';
import type { RunRecord } from '../../src/state/state-store.js';
import { runCommand } from '../examples/run-command.js';
import { POSTGRES_URL } from '../state/state-fixtures.js';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';
import { readSse, SECRETS, startServerFixture, type ServerFixture } from './server-project.js';

// Real Redis, real PostgreSQL state, real `sluice worker` processes (built: npx tsc -p tsconfig.build.json).
// Each test has its own BullMQ prefix and its own state schema.
const url = redisUrl();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let prefix = '';
let schema = '';
const cleanups: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  const queue = new Queue(RUN_QUEUE, { connection: redisConnection(url), prefix });
  await queue.obliterate({ force: true });
  await queue.close();
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
}, 30_000);

/** A fresh prefix and schema; the `state:` line that points the project at that schema. */
function isolate(): string {
  prefix = `sluice-test-${randomBytes(4).toString('hex')}`;
  schema = `sluice_test_${randomBytes(5).toString('hex')}`;
  return `state: "${POSTGRES_URL}?schema=${schema}"\n`;
}

async function waitFor(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** The queue settings every process of a test shares. */
const queueEnv = () => ({ ...process.env, SLUICE_ALLOWED_HOSTS: '127.0.0.1', SLUICE_REDIS_URL: url, SLUICE_REDIS_PREFIX: prefix, SLUICE_QUEUE_LOCK_MS: '2000' });

/** `sluice worker` in the project, as a user starts it; stopped after the test. */
async function spawnWorker(dir: string): Promise<WorkerProcess> {
  const worker = await startWorkerProcess({ project: dir, env: queueEnv() });
  cleanups.push(() => worker.stop());
  return worker;
}

async function serverOn(f: ServerFixture): Promise<string> {
  await f.server.app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(f.server.app.server.address() as AddressInfo).port}`;
}

async function fixture(options: { rows: number; env?: NodeJS.ProcessEnv }): Promise<ServerFixture> {
  const state = isolate();
  const f = await startServerFixture({
    rows: options.rows,
    extra: state,
    server: { queue: 'redis', redisUrl: url, redisPrefix: prefix, env: { ...queueEnv(), SLUICE_SECRET_KEY: '', ...options.env } },
  });
  cleanups.push(() => f.close());
  return f;
}

describe('runs on the Redis queue survive crashes and lost jobs', () => {
  it('resumes the run of a worker killed mid-run in a second worker: same run id, attempt 2, every row delivered once or in flight', async () => {
    const f = await fixture({ rows: 5000 });
    const base = await serverOn(f);
    f.sink.faults({ latency_ms: 1 });
    const first = await spawnWorker(f.dir);

    const started = await fetch(`${base}/api/syncs/orders_to_sink/runs`, { method: 'POST', headers: f.auth });
    const { runId } = (await started.json()) as { runId: string };
    const events = fetch(`${base}/api/runs/${runId}/events`, { headers: f.auth }).then(readSse);
    await waitFor(() => f.sink.state.hooks.length >= 1000, 30_000, 'the first worker to deliver 1000 rows');
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('close', r));
    const atKill = f.sink.state.hooks.length;
    expect(atKill).toBeLessThan(5000);
    // Listing runs sweeps those whose process is gone: a queued run is left to the queue, which resumes it.
    const listed = (await (await fetch(`${base}/api/syncs/orders_to_sink/runs`, { headers: f.auth })).json()) as RunRecord[];
    expect(listed).toMatchObject([{ id: runId, status: 'running', attempt: 1 }]);

    const second = await spawnWorker(f.dir);
    const done = (await events).at(-1);
    expect(done?.event).toBe('done');
    expect(done?.data).toMatchObject({ run: { id: runId, status: 'succeeded', attempt: 2 } });
    expect(second.output()).toContain(`run ${runId} resumed: sync orders_to_sink (attempt 2)`);

    const record = (await (await fetch(`${base}/api/runs/${runId}`, { headers: f.auth })).json()) as RunRecord;
    expect(record).toMatchObject({ id: runId, status: 'succeeded', attempt: 2, error: null });
    expect(record.counts).toMatchObject({ planned: 5000, delivered: 5000, failed: 0, unchanged: 0 });
    // Every row arrived; a row twice only if the killed worker had sent it without its batch being recorded.
    const ids = f.sink.state.hooks.map((h) => (h.body as { id: number }).id);
    expect(new Set(ids).size).toBe(5000);
    const duplicates = ids.length - 5000;
    expect(duplicates).toBeLessThanOrEqual(400);
    // Only one run was ever recorded.
    const runs = (await (await fetch(`${base}/api/syncs/orders_to_sink/runs`, { headers: f.auth })).json()) as RunRecord[];
    expect(runs.map((r) => r.id)).toEqual([runId]);
    // About 30 s on a quiet machine; the rest is room for a loaded one (5000 single requests and three processes).
  }, 120_000);

  it('queues again a queued run whose job vanished from Redis, and a worker then runs it', async () => {
    const f = await fixture({ rows: 3, env: { SLUICE_QUEUE_RECONCILE_MS: '500' } });
    const base = await serverOn(f);
    const started = await fetch(`${base}/api/syncs/orders_to_sink/runs`, { method: 'POST', headers: f.auth });
    const { runId } = (await started.json()) as { runId: string };
    const queued = (await (await fetch(`${base}/api/runs/${runId}`, { headers: f.auth })).json()) as RunRecord;
    expect(queued).toMatchObject({ status: 'queued', attempt: 0 });

    // What a Redis restart without persistence does to a waiting job.
    const queue = new Queue(RUN_QUEUE, { connection: redisConnection(url), prefix });
    cleanups.push(() => queue.close());
    await waitFor(async () => (await queue.getJob(runId)) !== undefined, 10_000, 'the run to be queued');
    await queue.remove(runId);
    expect(await queue.getJob(runId)).toBeUndefined();
    await waitFor(async () => (await queue.getJob(runId)) !== undefined, 10_000, 'the reconciler to queue the run again');

    const worker: RunWorker = await startRunWorker({ project: f.dir, concurrency: 1, url, prefix, env: queueEnv() });
    cleanups.push(() => worker.close());
    const done = (await readSse(await fetch(`${base}/api/runs/${runId}/events`, { headers: f.auth }))).at(-1);
    expect(done?.data).toMatchObject({ run: { id: runId, status: 'succeeded', attempt: 1 }, delivered: 3 });
    expect(f.sink.state.hooks).toHaveLength(3);
  }, 60_000);

  it('ends the wait of a server that missed the completion, from the state store', async () => {
    const f = await fixture({ rows: 3 });
    const base = await serverOn(f);
    const started = await fetch(`${base}/api/syncs/orders_to_sink/runs`, { method: 'POST', headers: f.auth });
    const { runId } = (await started.json()) as { runId: string };
    const events = fetch(`${base}/api/runs/${runId}/events`, { headers: f.auth }).then(readSse);
    // A worker on a queue this server does not listen to (the events of its own queue lost, as when Redis restarts):
    // the job is moved there by hand, and only the state store tells the server how the run ended.
    const queue = new Queue(RUN_QUEUE, { connection: redisConnection(url), prefix });
    cleanups.push(() => queue.close());
    // The answer came once the run was recorded; its job follows.
    await waitFor(async () => (await queue.getJob(runId)) !== undefined, 10_000, 'the run to be queued');
    const job = (await queue.getJob(runId))!;
    await queue.remove(runId);
    const elsewhere = `${prefix}-elsewhere`;
    const other = new Queue(RUN_QUEUE, { connection: redisConnection(url), prefix: elsewhere });
    cleanups.push(async () => {
      await other.obliterate({ force: true });
      await other.close();
    });
    await other.add('run', job.data, { jobId: runId });
    const worker = await startRunWorker({ project: f.dir, concurrency: 1, url, prefix: elsewhere, env: queueEnv() });
    cleanups.push(() => worker.close());

    const done = (await events).at(-1);
    expect(done).toEqual({ event: 'done', data: { run: expect.objectContaining({ id: runId, status: 'succeeded' }) } });
    // The sync's lock went with it: a new run starts.
    expect((await fetch(`${base}/api/syncs/orders_to_sink/runs`, { method: 'POST', headers: f.auth })).status).toBe(202);
  }, 60_000);
});

describe('several servers sharing one state', () => {
  it('streams the live progress of a run another server queued, then its end', async () => {
    const f = await fixture({ rows: 2000 });
    const second: SluiceServer = await createServer({
      project: f.dir, token: SECRETS.apiToken, queue: 'redis', redisUrl: url, redisPrefix: prefix, env: { ...queueEnv(), SLUICE_SECRET_KEY: '' },
    });
    cleanups.push(() => second.close());
    const secondBase = await serverOn({ ...f, server: second });
    // Slow enough that the run reports progress several times before it ends.
    f.sink.faults({ latency_ms: 5 });

    const started = await f.server.app.inject({ method: 'POST', url: '/api/syncs/orders_to_sink/runs', headers: f.auth });
    const { runId } = started.json() as { runId: string };
    // The second server did not start the run: it follows it through the queue's events. Its stream has begun (so it
    // listens) before any worker takes the job.
    // The first server answered once the run was recorded: the second one knows it at once.
    const stream = await fetch(`${secondBase}/api/runs/${runId}/events`, { headers: f.auth });
    expect(stream.status).toBe(200);
    const worker = await startRunWorker({ project: f.dir, concurrency: 1, url, prefix, env: queueEnv() });
    cleanups.push(() => worker.close());

    const seen = await readSse(stream);
    const progress = seen.filter((e) => e.event === 'progress').map((e) => e.data as { delivered: number });
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.some((p) => p.delivered > 0 && p.delivered < 2000)).toBe(true);
    expect(seen.at(-1)).toEqual({ event: 'done', data: { run: expect.objectContaining({ id: runId, status: 'succeeded' }) } });
    expect(f.sink.state.hooks).toHaveLength(2000);
  }, 90_000);

  it('shows the latest progress at once on a server that begins to follow a run mid-way', async () => {
    const f = await fixture({ rows: 3 });
    const second: SluiceServer = await createServer({
      project: f.dir, token: SECRETS.apiToken, queue: 'redis', redisUrl: url, redisPrefix: prefix, env: { ...queueEnv(), SLUICE_SECRET_KEY: '' },
    });
    cleanups.push(() => second.close());
    const secondBase = await serverOn({ ...f, server: second });
    // The sink holds every request 3 s: once the run reports that it is sending, it reports nothing more for 3 s.
    f.sink.faults({ latency_ms: 3000 });
    const worker = await startRunWorker({ project: f.dir, concurrency: 1, url, prefix, env: queueEnv() });
    cleanups.push(() => worker.close());

    const started = await f.server.app.inject({ method: 'POST', url: '/api/syncs/orders_to_sink/runs', headers: f.auth });
    const { runId } = started.json() as { runId: string };
    await waitFor(async () => {
      const detail = (await f.server.app.inject({ method: 'GET', url: `/api/runs/${runId}`, headers: f.auth })).json() as { progress: { phase: string } | null };
      return detail.progress?.phase === 'sending';
    }, 20_000, 'the run to report that it sends');

    // Within that silence, the second server's first event is the run's latest report (its record comes a second later).
    const stream = await fetch(`${secondBase}/api/runs/${runId}/events`, { headers: f.auth });
    const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while (!text.includes('\n\n')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    await reader.cancel();
    expect(text.slice(0, text.indexOf('\n'))).toBe('event: progress');
    expect(JSON.parse(text.split('\n')[1]!.slice('data: '.length))).toMatchObject({ runId, phase: 'sending', delivered: 0 });
  }, 60_000);

  it('run each scheduled tick once: the other server skips it', async () => {
    const state = isolate();
    const f = await startServerFixture({ rows: 2, extra: state, server: { scheduler: true, timezone: 'UTC', env: { ...queueEnv(), SLUICE_SECRET_KEY: '' } } });
    cleanups.push(() => f.close());
    const second: SluiceServer = await createServer({
      project: f.dir, token: SECRETS.apiToken, scheduler: true, timezone: 'UTC', env: { ...queueEnv(), SLUICE_SECRET_KEY: '' },
    });
    cleanups.push(() => second.close());

    // Every 2 s, append: each run sends both rows, so a tick run twice would show as four rows.
    const file = join(f.dir, 'sluice.yaml');
    await writeFile(file, (await readFile(file, 'utf8')).replace('    mode: insert\n', '    mode: append\n    schedule: "*/2 * * * * *"\n'));
    await waitFor(() => f.server.scheduler!.nextRunAt('sync', 'orders_to_sink') !== null && second.scheduler!.nextRunAt('sync', 'orders_to_sink') !== null, 5000, 'both schedulers');
    await sleep(7000);
    f.server.scheduler!.stop();
    second.scheduler!.stop();
    await sleep(500);

    const runs = (await f.server.app.inject({ method: 'GET', url: '/api/syncs/orders_to_sink/runs?limit=100', headers: f.auth })).json() as RunRecord[];
    expect(runs.length).toBeGreaterThanOrEqual(3);
    expect(runs.every((r) => r.trigger === 'schedule' && r.status === 'succeeded')).toBe(true);
    // One run per tick: no two started in the same even second.
    const ticks = runs.map((r) => Math.round(Date.parse(r.startedAt) / 2000));
    expect(new Set(ticks).size).toBe(runs.length);
    expect(f.sink.state.hooks).toHaveLength(2 * runs.length);
  }, 60_000);
});

describe('sluice worker settings', () => {
  it('exits 2 naming the variable when SLUICE_QUEUE_LOCK_MS is not a number of milliseconds', async () => {
    isolate();
    const dir = await mkdtemp(join(tmpdir(), 'sluice-worker-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, 'sluice.yaml'), 'version: 1\nconnections: {}\nsyncs: {}\n');
    const result = await runCommand('sluice worker', { cwd: dir, env: { ...queueEnv(), SLUICE_QUEUE_LOCK_MS: '2s' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('environment: SLUICE_QUEUE_LOCK_MS: "2s": give a whole number of milliseconds, at least 1000');
  });
});
