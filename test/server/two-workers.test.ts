import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Queue } from 'bullmq';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { startWebhookSandbox } from '../../sandbox/webhook/webhook-sandbox.js';
import type { RunRecord } from '../../src/state/state-store.js';
import { createServer } from '../../src/server/create-server.js';
import { redisConnection, redisUrl } from '../../src/server/redis-connection.js';
import { RUN_QUEUE } from '../../src/server/run-job.js';
import { POSTGRES_URL } from '../state/state-fixtures.js';
import { closeAfterEachTest } from '../support/close-after-each-test.js';
import { startWorkerProcess } from '../support/worker-process.js';
import { readSse } from './server-project.js';

// Real Redis, real PostgreSQL state, a real server and two real `sluice worker` processes (the built CLI: npm run build).
const url = redisUrl();
const token = 'two-workers-token-4be1c9';
const closeLater = closeAfterEachTest();

/** The most requests whose arrivals fall within `windowMs` of one another. */
function busiestWindow(arrivals: number[], windowMs: number): number {
  const times = [...arrivals].sort((a, b) => a - b);
  let most = 0;
  for (let first = 0, last = 0; first < times.length; first++) {
    while (last < times.length && times[last]! < times[first]! + windowMs) last++;
    most = Math.max(most, last - first);
  }
  return most;
}

describe('two sluice worker processes on one Redis queue', () => {
  it('share a connection\'s requests_per_second: two syncs to it never send more than 20 requests in a second together, and every row arrives once', async () => {
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
    const dir = await mkdtemp(join(tmpdir(), 'sluice-two-workers-'));
    closeLater(() => rm(dir, { recursive: true, force: true }));

    // 60 orders for each sync; both send to one connection whose API allows 20 requests a second.
    const db = new Database(join(dir, 'shop.db'));
    db.exec('CREATE TABLE orders (id INTEGER PRIMARY KEY, note TEXT)');
    const insert = db.prepare('INSERT INTO orders (id, note) VALUES (?, ?)');
    for (let id = 1; id <= 120; id++) insert.run(id, `order ${id}`);
    db.close();
    await mkdir(join(dir, 'connectors'));
    await writeFile(join(dir, 'connectors', 'paced_sink.yaml'), `name: paced_sink
title: A receiver that takes 20 requests a second
base_url: "{{ config.url }}"
config:
  url: { type: string, required: true }
rate_limit: { requests_per_second: 20, concurrency: 8 }
endpoints:
  post:
    operation: create
    method: POST
    path: ""
    headers: { Content-Type: application/json }
    body: "{{ row | json }}"
`);
    const sync = (range: string) => `
    from: { connection: shop, sql: "SELECT id, note FROM orders WHERE ${range} ORDER BY id" }
    to: { connection: sink, endpoint: post }
    mode: insert
    key: id`;
    await writeFile(join(dir, 'sluice.yaml'), `version: 1
state: "${POSTGRES_URL}?schema=${schema}"
connections:
  shop: { type: sqlite, path: shop.db }
  sink: { type: http, connector: ./connectors/paced_sink.yaml, config: { url: "${sink.url}/hooks/orders" } }
syncs:
  first_half:${sync('id <= 60')}
  second_half:${sync('id > 60')}
`);

    const env = { ...process.env, SLUICE_ALLOWED_HOSTS: '127.0.0.1', SLUICE_REDIS_URL: url, SLUICE_REDIS_PREFIX: prefix, SLUICE_SECRET_KEY: '' };
    const server = await createServer({ project: dir, token, queue: 'redis', redisUrl: url, redisPrefix: prefix, env });
    closeLater(() => server.close());
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
    const auth = { authorization: `Bearer ${token}` };
    // One run at a time each (the default): the two runs go to the two workers.
    const workers = await Promise.all([startWorkerProcess({ project: dir, env }), startWorkerProcess({ project: dir, env })]);
    closeLater(...workers.map((w) => () => w.stop()));

    const runIds = await Promise.all(
      ['first_half', 'second_half'].map(async (name) => {
        const started = await fetch(`${base}/api/syncs/${name}/runs`, { method: 'POST', headers: auth });
        expect(started.status).toBe(202);
        return ((await started.json()) as { runId: string }).runId;
      }),
    );
    const ends = await Promise.all(runIds.map(async (id) => (await readSse(await fetch(`${base}/api/runs/${id}/events`, { headers: auth }))).at(-1)));
    for (const [i, id] of runIds.entries()) {
      expect(ends[i]).toMatchObject({ event: 'done', data: { run: { id, status: 'succeeded' } } });
      const record = (await (await fetch(`${base}/api/runs/${id}`, { headers: auth })).json()) as RunRecord;
      expect(record.counts).toMatchObject({ planned: 60, delivered: 60, failed: 0 });
    }
    // Each worker ran one of them.
    for (const w of workers) expect(runIds.filter((id) => w.output().includes(`run ${id} started`))).toHaveLength(1);

    // Every row arrived once.
    const hooks = sink.state.hooks;
    expect(hooks.map((h) => (h.body as { id: number }).id).sort((a, b) => a - b)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
    const arrivals = (inHalf: (id: number) => boolean) =>
      hooks.filter((h) => inHalf((h.body as { id: number }).id)).map((h) => Date.parse(h.received_at));
    const first = arrivals((id) => id <= 60);
    const second = arrivals((id) => id > 60);
    // The shared bucket gives each request a slot 50 ms after the one before, with no burst saved up (as the
    // in-memory TokenBucket with its default capacity of 1). The sink sees arrivals, which lag their slots by a few ms,
    // and by over 100 ms when the machine is busy (a whole test run on two cores): a few late ones can share a second
    // with the 20 after them. A bucket per worker puts 36 or more in a second, so at most 26 in any second tells them
    // apart; the span of the 120 (at least their 119 slots) holds the rate itself to 20 a second.
    const lateMs = 100;
    const all = [...first, ...second];
    expect(busiestWindow(all, 1000)).toBeLessThanOrEqual(26);
    expect(Math.max(...all) - Math.min(...all)).toBeGreaterThanOrEqual(119 * 50 - lateMs);
    // Side by side for most of those 6 s: the two workers did share the one rate.
    const overlap = Math.min(Math.max(...first), Math.max(...second)) - Math.max(Math.min(...first), Math.min(...second));
    expect(overlap).toBeGreaterThan(3000);
  }, 30_000);
});
