// A baseline through the server: POST /api/syncs/:name/runs with { baseline: true } adopts the rows a destination
// already holds (here a webhook sink with no lookup: rows adopted without remote ids), sends nothing, and the run's
// record says it was a baseline; the route's checks refuse what does not go with it.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerFixture, type ServerFixture } from '../server/server-project.js';

let f: ServerFixture;

beforeAll(async () => {
  // A second sync appends: it keeps no ledger for a baseline to fill.
  const appended = ['  orders_log:', '    from: { connection: shop, sql: "SELECT id, note FROM orders" }', '    to: { connection: sink, endpoint: post }', '    mode: append', ''];
  f = await startServerFixture({ rows: 3, extra: appended.join('\n') });
});
afterAll(async () => {
  await f?.close();
});

async function api(method: 'GET' | 'POST', url: string, payload?: unknown) {
  const response = await f.server.app.inject({ method, url, headers: f.auth, ...(payload === undefined ? {} : { payload: payload as object }) });
  return { status: response.statusCode, json: (response.body ? response.json() : null) as any };
}

async function finished(runId: string) {
  for (let waited = 0; waited < 15_000; waited += 50) {
    const { json } = await api('GET', `/api/runs/${runId}`);
    if (json.finishedAt) return json;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`run ${runId} did not finish`);
}

describe('POST /api/syncs/:name/runs with baseline', () => {
  it('refuses a baseline with full, and a baseline that is not a boolean', async () => {
    const both = await api('POST', '/api/syncs/orders_to_sink/runs', { baseline: true, full: true });
    expect(both.status).toBe(400);
    expect(JSON.stringify(both.json)).toContain('baseline records what the destination already holds and full sends every row again: give one of them');
    expect((await api('POST', '/api/syncs/orders_to_sink/runs', { baseline: 'yes' })).status).toBe(400);
    expect((await api('POST', '/api/syncs/orders_to_sink/preview', { baseline: 1 })).status).toBe(400);
    expect((await api('GET', '/api/syncs/orders_to_sink/runs')).json).toEqual([]);
    const append = await api('POST', '/api/syncs/orders_log/runs', { baseline: true });
    expect(append.status).toBe(422);
    expect(append.json.error).toMatch(/sluice\.yaml:\d+:\d+: syncs\.orders_log\.mode: sync "orders_log" appends every row on every run and keeps no ledger/);
    expect((await api('GET', '/api/syncs/orders_log/runs')).json).toEqual([]);
    expect(f.sink.requests()).toEqual([]);
  });

  it('previews, then adopts every row with no request to the sink; the next run sends only a new row', async () => {
    const preview = await api('POST', '/api/syncs/orders_to_sink/preview', { baseline: true });
    expect(preview.status).toBe(200);
    expect(preview.json.baseline).toEqual({ adopt: 3, lookUp: 0, lookup: null, keys: ['1', '2', '3'] });
    expect(preview.json.operations).toEqual({});

    const started = await api('POST', '/api/syncs/orders_to_sink/runs', { baseline: true });
    expect(started.status).toBe(202);
    const run = await finished(started.json.runId);
    expect(run).toMatchObject({ status: 'succeeded', kind: 'sync', trigger: 'api:baseline', counts: { planned: 3, delivered: 3, failed: 0 } });
    expect(f.sink.requests()).toEqual([]);

    const db = new Database(join(f.dir, 'shop.db'));
    db.prepare("INSERT INTO orders (id, note) VALUES (4, 'order 4')").run();
    db.close();
    const next = await finished((await api('POST', '/api/syncs/orders_to_sink/runs', {})).json.runId);
    expect(next).toMatchObject({ status: 'succeeded', trigger: 'api', counts: { planned: 1, delivered: 1, unchanged: 3 } });
    expect(f.sink.requests().map((r) => r.method)).toEqual(['POST']);
  });
});
