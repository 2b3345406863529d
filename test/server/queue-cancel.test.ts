import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cancelRequestName } from '../../src/server/queued-run-cancel.js';
import { openProjectStore } from '../../src/state/open-project-store.js';
import type { StateStore } from '../../src/state/state-store.js';
import { redisConnection, redisUrl } from '../../src/server/redis-connection.js';
import { RUN_QUEUE } from '../../src/server/run-job.js';
import { startRunWorker, type RunWorker } from '../../src/server/run-worker.js';
import { readSse, startServerFixture, type ServerFixture } from './server-project.js';

// Cancelling runs that queue workers run (real Redis, a random prefix): from the API, whichever server queued them.
const prefix = `sluice-test-${randomBytes(4).toString('hex')}`;
const url = redisUrl();
const ROWS = 400;
let f: ServerFixture;
let worker: RunWorker | undefined;
let store: StateStore;
let base: string;
const jobs: string[] = [];

const post = (path: string) => fetch(`${base}${path}`, { method: 'POST', headers: f.auth });
const runOf = async (id: string) => (await (await fetch(`${base}/api/runs/${id}`, { headers: f.auth })).json()) as { status: string; counts: { delivered: number } };
const startRun = async () => {
  const started = await post('/api/syncs/orders_to_sink/runs');
  expect(started.status).toBe(202);
  return ((await started.json()) as { runId: string }).runId;
};
async function until(what: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await what())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  // A second sync of the same orders, split over two partitions.
  const split = `  orders_split:
    from: { connection: shop, sql: "SELECT id, note FROM orders ORDER BY id" }
    to: { connection: sink, endpoint: post }
    mode: insert
    key: id
    partitions: 2
`;
  f = await startServerFixture({ rows: ROWS, extra: split, server: { queue: 'redis', redisUrl: url, redisPrefix: prefix } });
  await f.server.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(f.server.app.server.address() as AddressInfo).port}`;
  store = await openProjectStore(`${f.dir}/sluice.yaml`);
});

afterAll(async () => {
  await worker?.close();
  await store?.close();
  await f?.close();
  const queue = new Queue(RUN_QUEUE, { connection: redisConnection(url), prefix });
  await queue.obliterate({ force: true });
  await queue.close();
});

describe('cancelling runs on the Redis queue', () => {
  it('ends a run still waiting for a worker at once: no worker sends it', async () => {
    const runId = await startRun();
    expect((await runOf(runId)).status).toBe('queued');
    const cancelled = await post(`/api/runs/${runId}/cancel`);
    expect({ status: cancelled.status, body: await cancelled.json() }).toEqual({ status: 202, body: { runId } });
    expect(await runOf(runId)).toMatchObject({ status: 'cancelled', counts: { delivered: 0 } });
    // A second cancel finds it ended.
    const again = await post(`/api/runs/${runId}/cancel`);
    expect({ status: again.status, body: await again.json() }).toMatchObject({ status: 409, body: { error: `run "${runId}" is not running (cancelled)` } });

    worker = await startRunWorker({
      project: f.dir, concurrency: 2, url, prefix, env: { ...process.env, SLUICE_ALLOWED_HOSTS: '127.0.0.1' }, onJob: (event, job) => jobs.push(`${event} ${job.runId}`),
    });
    // The sync is free again, and the cancelled run's job sent nothing.
    f.sink.faults({ latency_ms: 20 });
    const next = await startRun();
    await until(async () => (await runOf(next)).status === 'succeeded');
    expect(jobs.filter((j) => j.includes(runId))).toEqual([]);
    expect(f.sink.state.hooks).toHaveLength(ROWS);
  });

  it('stops a run a worker is sending: the rest stay unsent, the run ends cancelled with the rows it confirmed', async () => {
    f.sink.state.hooks.length = 0;
    // 400 new orders: the next run sends them, slowly.
    f.sink.faults({ latency_ms: 100 });
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(`${f.dir}/shop.db`);
    db.exec(`INSERT INTO orders SELECT id + 1000, note FROM orders WHERE id <= ${ROWS}`);
    db.close();
    const runId = await startRun();
    const events = fetch(`${base}/api/runs/${runId}/events`, { headers: f.auth }).then(readSse);
    await until(() => f.sink.state.hooks.length >= 5);
    expect((await post(`/api/runs/${runId}/cancel`)).status).toBe(202);
    const done = (await events).at(-1);
    expect(done).toMatchObject({ event: 'done', data: { run: { id: runId, status: 'cancelled' } } });
    const record = await runOf(runId);
    expect({ status: record.status, error: (record as { error?: string }).error }).toEqual({ status: 'cancelled', error: 'the request was cancelled' });
    await new Promise((r) => setTimeout(r, 500));
    const arrived = f.sink.state.hooks.length;
    expect(arrived).toBeLessThan(ROWS / 2);
    // Requests in flight when it stopped were cut off (at most the connector's concurrency, 8): not counted as
    // delivered, they are sent again by the next run.
    expect(record.counts.delivered).toBeLessThanOrEqual(arrived);
    expect(arrived - record.counts.delivered).toBeLessThanOrEqual(8);
    // Its request is read and forgotten once the run ended.
    await until(async () => (await store.getValue(cancelRequestName(runId))) === null);
  });

  it('stops a running run whose cancel message Redis lost: the worker finds the request in the state store', async () => {
    f.sink.state.hooks.length = 0;
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(`${f.dir}/shop.db`);
    db.exec(`INSERT INTO orders SELECT id + 2000, note FROM orders WHERE id <= ${ROWS}`);
    db.close();
    const runId = await startRun();
    await until(() => f.sink.state.hooks.length >= 5);
    // As a server does, without the channel's message.
    await store.setValue(cancelRequestName(runId), new Date().toISOString());
    await until(async () => (await runOf(runId)).status === 'cancelled', 15_000);
    expect(f.sink.state.hooks.length).toBeLessThan(ROWS);
  });

  it('stops a partitioned run: every partition stops, and the run ends cancelled', async () => {
    // (Requests the last run had in flight when it stopped may still be arriving: they are not this run's.)
    await new Promise((r) => setTimeout(r, 1000));
    f.sink.state.hooks.length = 0;
    f.sink.faults({ latency_ms: 100 });
    const started = await post('/api/syncs/orders_split/runs');
    expect(started.status).toBe(202);
    const { runId } = (await started.json()) as { runId: string };
    await until(() => f.sink.state.hooks.length >= 5);
    expect((await post(`/api/runs/${runId}/cancel`)).status).toBe(202);
    await until(async () => (await runOf(runId)).status !== 'running', 30_000);
    const record = await runOf(runId);
    expect({ status: record.status, error: (record as { error?: string }).error }).toEqual({ status: 'cancelled', error: 'the request was cancelled' });
    await new Promise((r) => setTimeout(r, 500));
    const arrived = f.sink.state.hooks.length;
    expect(arrived).toBeLessThan(ROWS * 3);
    expect(arrived - record.counts.delivered).toBeLessThanOrEqual(2 * 8);
    // The sync is free for its next run.
    expect((await post('/api/syncs/orders_split/runs')).status).toBe(202);
  }, 60_000);

  it('answers 404 for a run id it does not know, whatever its text, and starts or records nothing', async () => {
    for (const id of ['run_nope', '..%2F..%2Fetc', 'x'.repeat(90), '%00']) {
      const r = await post(`/api/runs/${id}/cancel`);
      expect([r.status, id]).toEqual([404, id]);
      expect(await r.json()).toMatchObject({ error: expect.stringMatching(/^run ".*" not found$|^no run /) });
    }
  });
});
