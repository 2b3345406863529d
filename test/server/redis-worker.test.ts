import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisConnection, redisUrl } from '../../src/server/redis-connection.js';
import { RUN_QUEUE } from '../../src/server/run-job.js';
import { startRunWorker, type RunWorker } from '../../src/server/run-worker.js';
import { readSse, startServerFixture, type ServerFixture } from './server-project.js';

// Real Redis (SLUICE_REDIS_URL or 127.0.0.1:6379); a random key prefix keeps this test's queue apart.
const prefix = `sluice-test-${randomBytes(4).toString('hex')}`;
const url = redisUrl();
let f: ServerFixture;
let worker: RunWorker | undefined;
let base: string;

beforeAll(async () => {
  f = await startServerFixture({ rows: 3, server: { queue: 'redis', redisUrl: url, redisPrefix: prefix } });
  await f.server.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(f.server.app.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await worker?.close();
  await f?.close();
  const queue = new Queue(RUN_QUEUE, { connection: redisConnection(url), prefix });
  await queue.obliterate({ force: true });
  await queue.close();
});

describe('runs on the Redis queue', () => {
  it('queues a run from the API; a worker executes it and its progress and outcome reach the SSE stream', async () => {
    f.sink.faults({ latency_ms: 200 });
    const started = await fetch(`${base}/api/syncs/orders_to_sink/runs`, { method: 'POST', headers: f.auth });
    expect(started.status).toBe(202);
    const { runId } = (await started.json()) as { runId: string };

    // No worker yet: the run waits on the queue, and the sync is locked meanwhile.
    const queued = await (await fetch(`${base}/api/runs/${runId}`, { headers: f.auth })).json();
    expect(queued).toMatchObject({ id: runId, kind: 'sync', name: 'orders_to_sink', status: 'queued', summary: null });
    const again = await fetch(`${base}/api/syncs/orders_to_sink/runs`, { method: 'POST', headers: f.auth });
    expect(again.status).toBe(409);

    const jobs: string[] = [];
    worker = await startRunWorker({ project: f.dir, concurrency: 2, url, prefix, env: { ...process.env, SLUICE_ALLOWED_HOSTS: '127.0.0.1' }, onJob: (event, job) => jobs.push(`${event} ${job.runId}`) });
    const events = await readSse(await fetch(`${base}/api/runs/${runId}/events`, { headers: f.auth }));
    expect(events.filter((e) => e.event === 'progress').length).toBeGreaterThan(0);
    expect(events.at(-1)).toEqual({
      event: 'done',
      data: expect.objectContaining({ run: expect.objectContaining({ id: runId, status: 'succeeded', trigger: 'api' }), delivered: 3 }),
    });
    expect(jobs).toEqual([`started ${runId}`, `finished ${runId}`]);
    expect(f.sink.state.hooks).toHaveLength(3);

    const record = await (await fetch(`${base}/api/runs/${runId}`, { headers: f.auth })).json();
    expect(record).toMatchObject({ id: runId, status: 'succeeded', counts: { delivered: 3 } });
    const next = await fetch(`${base}/api/syncs/orders_to_sink/runs`, { method: 'POST', headers: f.auth });
    expect(next.status).toBe(202);
    const done = (await readSse(await fetch(`${base}/api/runs/${((await next.json()) as { runId: string }).runId}/events`, { headers: f.auth }))).at(-1);
    expect(done?.data).toMatchObject({ run: { status: 'succeeded' }, plan: { unchanged: 3 } });
  });
});
