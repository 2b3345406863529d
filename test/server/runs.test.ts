import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openStateStore } from '../../src/state/open-state-store.js';
import { readSse, SECRETS, startServerFixture, type ServerFixture } from './server-project.js';

let f: ServerFixture;
let base: string;

beforeAll(async () => {
  f = await startServerFixture({ rows: 3, extra: 'pipelines:\n  nightly:\n    steps: [orders_to_sink]\n' });
  await f.server.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(f.server.app.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await f?.close();
});

beforeEach(() => f.sink.reset());

const bodies: string[] = [];

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const response = await fetch(base + path, {
    method,
    headers: { ...f.auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  bodies.push(text);
  return { status: response.status, json: text ? JSON.parse(text) : null };
}

/** Follows a run's SSE stream to its end. */
async function events(runId: string) {
  const response = await fetch(`${base}/api/runs/${runId}/events`, { headers: f.auth });
  expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
  const list = await readSse(response);
  bodies.push(JSON.stringify(list));
  return list;
}

describe('runs over HTTP', () => {
  it('starts a sync run (202 with the run id), streams its progress over SSE and ends with done', async () => {
    f.sink.faults({ latency_ms: 300 });
    const started = await call('POST', '/api/syncs/orders_to_sink/runs', {});
    expect(started.status).toBe(202);
    const runId: string = started.json.runId;
    expect(runId).toMatch(/^run_\d{8}T/);

    const list = await events(runId);
    const progress = list.filter((e) => e.event === 'progress').map((e) => e.data as { runId: string; phase: string; delivered: number });
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((p) => p.runId === runId)).toBe(true);
    expect(progress.at(-1)).toMatchObject({ phase: 'done', delivered: 3 });
    expect(list.at(-1)).toEqual({
      event: 'done',
      data: expect.objectContaining({ run: expect.objectContaining({ id: runId, status: 'succeeded', trigger: 'api' }), delivered: 3, failed: 0 }),
    });
    expect(f.sink.state.hooks.map((h) => h.body)).toEqual(
      expect.arrayContaining([{ id: 1, note: 'order 1' }, { id: 2, note: 'order 2' }, { id: 3, note: 'order 3' }]),
    );

    const record = await call('GET', `/api/runs/${runId}`);
    expect(record.json).toMatchObject({ id: runId, kind: 'sync', status: 'succeeded', counts: { delivered: 3 }, progress: null, summary: { delivered: 3 } });
    const history = await call('GET', '/api/syncs/orders_to_sink/runs');
    expect(history.json[0]).toMatchObject({ id: runId, status: 'succeeded' });
    const { json: syncs } = await call('GET', '/api/syncs');
    expect(syncs[0].lastRun).toMatchObject({ id: runId });

    // A finished run's stream says done at once.
    const again = await events(runId);
    expect(again.map((e) => e.event)).toEqual(['done']);
  });

  it('answers 409 to a second run of a sync that is running, and runs it again once free', async () => {
    f.sink.faults({ latency_ms: 400 });
    const first = await call('POST', '/api/syncs/orders_to_sink/runs', { full: true });
    expect(first.status).toBe(202);
    const second = await call('POST', '/api/syncs/orders_to_sink/runs', { full: true });
    expect(second.status).toBe(409);
    expect(second.json).toEqual({ error: `sync "orders_to_sink" is already running (run ${first.json.runId})`, code: 'already_running', params: { what: 'sync', name: 'orders_to_sink', run: first.json.runId } });
    const retry = await call('POST', '/api/syncs/orders_to_sink/rejected/retry');
    expect(retry.status).toBe(409);
    const running = await call('GET', '/api/syncs');
    expect(running.json[0].runningRunId).toBe(first.json.runId);
    expect((await events(first.json.runId)).at(-1)?.event).toBe('done');
    f.sink.clearFaults();
    const third = await call('POST', '/api/syncs/orders_to_sink/runs', {});
    expect(third.status).toBe(202);
    expect((await events(third.json.runId)).at(-1)?.data).toMatchObject({ run: { status: 'succeeded' }, plan: { unchanged: 3 } });
  });

  it('records a run as failed, naming the holder, when another process is running the sync', async () => {
    // Another process (the CLI, another server) on the same state holds the sync's lease.
    const other = await openStateStore({ state: '.sluice', projectDir: f.dir, env: {} });
    try {
      const held = await other.acquireLease('sync:orders_to_sink', { owner: 'run_elsewhere', ttlMs: 60_000, process: { host: 'other-host', pid: 4242, scope: null } });
      expect(held.acquired).toBe(true);
      const started = await call('POST', '/api/syncs/orders_to_sink/runs', { full: true });
      expect(started.status).toBe(202);
      const done = (await events(started.json.runId)).at(-1)!;
      const refused = /^sync "orders_to_sink" is already running \(run run_elsewhere, started \S+ by process 4242 on other-host\)$/;
      expect(done.data).toMatchObject({ run: { id: started.json.runId, status: 'failed', error: expect.stringMatching(refused) }, delivered: 0 });
      expect((await call('GET', `/api/runs/${started.json.runId}`)).json).toMatchObject({ status: 'failed', error: expect.stringMatching(refused) });
      expect(f.sink.state.hooks).toEqual([]);
      // The in-process lock was freed with the run: once the other process is done, runs go on.
      await other.releaseLease('sync:orders_to_sink', 'run_elsewhere');
      const next = await call('POST', '/api/syncs/orders_to_sink/runs', {});
      expect((await events(next.json.runId)).at(-1)?.data).toMatchObject({ run: { status: 'succeeded' } });
    } finally {
      await other.close();
    }
  });

  it('keeps a rejected row with its run, and a retry over HTTP delivers it', async () => {
    const db = (await import('better-sqlite3')).default;
    const shop = new db(`${f.dir}/shop.db`);
    shop.prepare('INSERT INTO orders (id, note) VALUES (4, ?)').run('refused once');
    shop.close();
    f.sink.faults({ status: 422, count: 1, body: { error: 'note is not allowed' } });
    const run = await call('POST', '/api/syncs/orders_to_sink/runs', {});
    const done = (await events(run.json.runId)).at(-1)!;
    expect(done.data).toMatchObject({ run: { status: 'failed' }, failed: 1, sampleErrors: [{ key: '4', error: expect.stringContaining('note is not allowed') }] });
    const rejected = await call('GET', `/api/runs/${run.json.runId}/rejected`);
    expect(rejected.json).toEqual([expect.objectContaining({ key: '4', row: { id: 4, note: 'refused once' }, error: expect.stringContaining('422') })]);
    expect(rejected.json[0].request).toContain('Authorization: Bearer ****');

    const retry = await call('POST', '/api/syncs/orders_to_sink/rejected/retry');
    expect(retry.status).toBe(202);
    const retried = (await events(retry.json.runId)).at(-1)!;
    expect(retried.data).toMatchObject({ run: { id: retry.json.runId, kind: 'retry', status: 'succeeded' }, delivered: 1 });
    expect((await call('GET', '/api/syncs/orders_to_sink/rejected')).json).toEqual([]);
    expect(f.sink.state.hooks.map((h) => h.body)).toEqual([{ id: 4, note: 'refused once' }]);
  });

  it('runs a pipeline under the id it answered, and lists it', async () => {
    const { json: pipelines } = await call('GET', '/api/pipelines');
    expect(pipelines).toEqual([expect.objectContaining({ name: 'nightly', steps: ['orders_to_sink'], schedule: null, lastRun: null })]);
    const started = await call('POST', '/api/pipelines/nightly/runs', {});
    expect(started.status).toBe(202);
    const done = (await events(started.json.runId)).at(-1)!;
    expect(done.data).toMatchObject({ run: { id: started.json.runId, kind: 'pipeline', status: 'succeeded' }, steps: [{ step: 'orders_to_sink', status: 'succeeded' }] });
    expect((await call('GET', '/api/pipelines/nightly/runs')).json.map((r: { id: string }) => r.id)).toEqual([started.json.runId]);
  });

  it('never lets a secret out in run answers', () => {
    for (const body of bodies) for (const secret of Object.values(SECRETS)) expect(body).not.toContain(secret);
  });
});
