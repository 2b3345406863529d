import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScheduler } from '../../src/server/scheduler.js';
import type { Project } from '../../src/config/project-schema.js';
import { startServerFixture, type ServerFixture } from './server-project.js';

let f: ServerFixture;

beforeAll(async () => {
  f = await startServerFixture({
    rows: 3,
    extra: `  slow_to_sink:
    from: { connection: shop, sql: "SELECT id, note FROM orders ORDER BY id" }
    to: { connection: sink, endpoint: post }
    mode: insert
    key: id
pipelines:
  nightly:
    schedule: "0 3 * * *"
    steps: [orders_to_sink]
`,
  });
});
afterAll(async () => {
  await f?.close();
});

async function api(method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown) {
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

async function runSync(sync = 'orders_to_sink'): Promise<string> {
  const started = await api('POST', `/api/syncs/${sync}/runs`, {});
  expect(started.status).toBe(202);
  return started.json.runId;
}

describe('run history', () => {
  let partial: string;
  let retry: string;
  let clean: string;

  beforeAll(async () => {
    // One of three rows refused: 2 delivered, 1 failed, which is partial, not plain failed.
    f.sink.faults({ status: 422, count: 1, body: { error: 'note is too long' } });
    partial = await runSync();
    expect((await finished(partial)).counts).toMatchObject({ delivered: 2, failed: 1 });
    retry = (await api('POST', '/api/syncs/orders_to_sink/rejected/retry', {})).json.runId;
    expect((await finished(retry)).counts).toMatchObject({ delivered: 1, failed: 0 });
    clean = await runSync();
    await finished(clean);
  });

  it('lists runs newest first, by name and kind, a sync with its retries', async () => {
    const { status, json } = await api('GET', '/api/runs?name=orders_to_sink&kind=sync');
    expect(status).toBe(200);
    expect(json.runs.map((r: { id: string }) => r.id)).toEqual([clean, retry, partial]);
    expect(json.nextCursor).toBeNull();
    expect((await api('GET', '/api/runs?kind=retry')).json.runs.map((r: { id: string }) => r.id)).toEqual([retry]);
    expect((await api('GET', '/api/runs?name=nightly&kind=pipeline')).json.runs).toEqual([]);
  });

  it('filters by status, partial apart from failed and succeeded, and by start time', async () => {
    const ids = async (query: string) => (await api('GET', `/api/runs?name=orders_to_sink&${query}`)).json.runs.map((r: { id: string }) => r.id);
    expect(await ids('status=partial')).toEqual([partial]);
    expect(await ids('status=failed')).toEqual([]);
    expect(await ids('status=succeeded')).toEqual([clean, retry]);
    const { json } = await api('GET', `/api/runs/${retry}`);
    expect(await ids(`since=${encodeURIComponent(json.startedAt)}`)).toEqual([clean, retry]);
    expect(await ids(`until=${encodeURIComponent(json.startedAt)}`)).toEqual([partial]);
    // An offset is read as the same instant.
    expect(await ids('since=2000-01-01T09:00:00%2B09:00&until=2000-01-02T00:00:00Z')).toEqual([]);
  });

  it('pages with the cursor it gives, one run a page, and says when there is no more', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 5; i++) {
      const { json }: { json: { runs: { id: string }[]; nextCursor: string | null } } = await api('GET', `/api/runs?name=orders_to_sink&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...json.runs.map((r) => r.id));
      cursor = json.nextCursor;
      if (!cursor) break;
    }
    expect(seen).toEqual([clean, retry, partial]);
    expect(cursor).toBeNull();
  });

  it('links a run and the retry that sent its rejected rows again', async () => {
    expect((await api('GET', `/api/runs/${partial}`)).json).toMatchObject({ retryOf: null, retries: [retry] });
    expect((await api('GET', `/api/runs/${retry}`)).json).toMatchObject({ retryOf: partial, retries: [] });
    expect((await api('GET', `/api/runs/${clean}`)).json).toMatchObject({ retryOf: null, retries: [] });
  });

  it('refuses hostile or malformed query values with a 400 naming the parameter', async () => {
    const forged = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const cases: [string, string][] = [
      ['limit=0', 'query.limit'],
      ['limit=501', 'query.limit'],
      ['limit=1e3', 'query.limit'],
      ['limit=abc', 'query.limit'],
      ['status=running%27%20OR%201%3D1--', 'query.status'],
      ['kind=connector', 'query.kind'],
      ['since=yesterday', 'query.since'],
      ["since=2026-12-01T00:00:00Z'%3B%20DROP%20TABLE%20runs--", 'query.since'],
      ['since=2026-12-02T00:00:00Z&until=2026-12-01T00:00:00Z', 'query.since: since must be before until'],
      [`name=${'n'.repeat(201)}`, 'query.name'],
      ['cursor=%00%FF', 'query.cursor: not a cursor this server gave'],
      [`cursor=${'A'.repeat(301)}`, 'query.cursor'],
      [`cursor=${forged(['2026-12-01T00:00:00Z', "x' OR '1'='1"])}`, 'query.cursor: not a cursor this server gave'],
      [`cursor=${forged(['not a time', 'run_1'])}`, 'query.cursor: not a cursor this server gave'],
      [`cursor=${forged({ startedAt: 1 })}`, 'query.cursor: not a cursor this server gave'],
      ['order=started_at', 'query'],
    ];
    for (const [query, error] of cases) {
      const { status, json } = await api('GET', `/api/runs?${query}`);
      expect({ query, status, error: String(json.error).slice(0, error.length) }).toEqual({ query, status: 400, error });
    }
    // The runs are all still there.
    expect((await api('GET', '/api/runs')).json.runs).toHaveLength(3);
  });
});

describe('cancelling a run', () => {
  it('stops a running sync: it ends as cancelled, and a second cancel is refused', async () => {
    f.sink.reset();
    f.sink.faults({ latency_ms: 1500 });
    const runId = await runSync('slow_to_sink');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await api('POST', `/api/runs/${runId}/cancel`)).toEqual({ status: 202, json: { runId } });
    const run = await finished(runId);
    f.sink.faults({ latency_ms: 0 });
    expect(run.status).toBe('cancelled');
    // The rows not sent yet are left for the next run: the sink got fewer than the three.
    expect(f.sink.state.hooks.length).toBeLessThan(3);
    const again = await api('POST', `/api/runs/${runId}/cancel`);
    expect(again).toMatchObject({ status: 409, json: { error: `run "${runId}" is not running (cancelled)`, code: 'conflict' } });
    expect((await api('POST', '/api/runs/run_nope/cancel')).status).toBe(404);
  });
});

describe('schedules', () => {
  it('lists every scheduled item with its zone and next three runs, and pauses and resumes it', async () => {
    const { json } = await api('GET', '/api/schedules');
    expect(json).toEqual([
      {
        kind: 'pipeline', name: 'nightly', schedule: '0 3 * * *', timezone: 'UTC', pausedAt: null, lastRun: null, runningRunId: null,
        nextRuns: [expect.stringMatching(/T03:00:00\.000Z$/), expect.stringMatching(/T03:00:00\.000Z$/), expect.stringMatching(/T03:00:00\.000Z$/)],
      },
    ]);
    const paused = await api('POST', '/api/schedules/pipeline/nightly/pause');
    expect(paused.json).toEqual({ kind: 'pipeline', name: 'nightly', pausedAt: expect.any(String) });
    expect((await api('GET', '/api/schedules')).json[0].pausedAt).toBe(paused.json.pausedAt);
    // Pausing again keeps the first time.
    expect((await api('POST', '/api/schedules/pipeline/nightly/pause')).json.pausedAt).toBe(paused.json.pausedAt);
    expect((await api('POST', '/api/schedules/pipeline/nightly/resume')).json).toEqual({ kind: 'pipeline', name: 'nightly', pausedAt: null });
    expect((await api('GET', '/api/schedules')).json[0].pausedAt).toBeNull();
  });

  it('refuses what is not scheduled, and hostile kinds and names', async () => {
    expect(await api('POST', '/api/schedules/sync/orders_to_sink/pause')).toEqual({
      status: 404,
      json: { error: 'no scheduled sync "orders_to_sink"', code: 'unknown_name', params: { what: 'scheduled sync', name: 'orders_to_sink' } },
    });
    expect((await api('POST', '/api/schedules/connector/nightly/pause')).status).toBe(400);
    expect((await api('POST', `/api/schedules/pipeline/${'x'.repeat(201)}/pause`)).status).toBe(414);
    expect((await api('POST', `/api/schedules/pipeline/${'x'.repeat(99)}/pause`)).status).toBe(404);
    expect((await api('POST', '/api/schedules/pipeline/..%2F..%2Fetc/pause')).status).toBe(404);
  });

  it('skips every tick of a paused item in the scheduler, and runs it again once resumed', async () => {
    let paused = true;
    const ticks: string[] = [];
    const scheduler = createScheduler({
      timezone: 'UTC',
      log: () => undefined,
      isPaused: async () => paused,
      onTick: async (item) => void ticks.push(item.name),
    });
    scheduler.update({ syncs: { every_second: { schedule: '* * * * * *' } }, pipelines: {} } as unknown as Project);
    try {
      await new Promise((resolve) => setTimeout(resolve, 2200));
      expect(ticks).toEqual([]);
      paused = false;
      await new Promise((resolve) => setTimeout(resolve, 2200));
      expect(ticks.length).toBeGreaterThanOrEqual(1);
    } finally {
      scheduler.stop();
    }
  });
});

describe('dependents and delete', () => {
  it('shows what uses a connection, sync or connector, and refuses to delete it while something does', async () => {
    const both = { dependents: [{ kind: 'sync', name: 'orders_to_sink' }, { kind: 'sync', name: 'slow_to_sink' }] };
    expect((await api('GET', '/api/connections/sink/dependents')).json).toEqual(both);
    expect((await api('GET', '/api/connections/shop/dependents')).json).toEqual(both);
    expect((await api('GET', '/api/syncs/orders_to_sink/dependents')).json).toEqual({ dependents: [{ kind: 'pipeline', name: 'nightly' }] });
    expect((await api('GET', '/api/connectors/webhook/dependents')).json).toEqual({ dependents: [{ kind: 'connection', name: 'sink' }] });

    const refused = await api('DELETE', '/api/connections/sink');
    expect(refused).toEqual({
      status: 409,
      json: {
        error: 'connection "sink" is used by sync orders_to_sink, sync slow_to_sink: change or delete them first',
        code: 'conflict',
        params: { what: 'connection "sink"', dependents: 'sync orders_to_sink, sync slow_to_sink' },
        ...both,
      },
    });
    expect((await api('DELETE', '/api/syncs/orders_to_sink')).status).toBe(409);
    expect(await api('DELETE', '/api/connectors/webhook')).toMatchObject({ status: 409 });
    expect(await readFile(join(f.dir, 'sluice.yaml'), 'utf8')).toContain('sink:');
  });

  it('deletes a sync and a connection nothing uses from sluice.yaml, keeping the rest and its comments', async () => {
    expect((await api('GET', '/api/syncs/slow_to_sink/dependents')).json).toEqual({ dependents: [] });
    expect((await api('DELETE', '/api/syncs/slow_to_sink')).status).toBe(204);
    expect((await api('GET', '/api/syncs')).json.map((s: { name: string }) => s.name)).toEqual(['orders_to_sink']);
    expect((await api('GET', '/api/connections/crm/dependents')).json).toEqual({ dependents: [] });
    expect((await api('DELETE', '/api/connections/crm')).status).toBe(204);
    const text = await readFile(join(f.dir, 'sluice.yaml'), 'utf8');
    expect(text).not.toContain('crm');
    expect(text).toContain('# keep this comment');
    expect((await api('GET', '/api/connections')).json.map((c: { name: string }) => c.name)).toEqual(['shop', 'sink']);
    expect((await api('DELETE', '/api/connections/crm')).status).toBe(404);
  });

  it('answers 404 or 400 for hostile names, never touching a file outside the project', async () => {
    expect((await api('DELETE', '/api/connectors/..%2F..%2Fsluice')).status).toBe(404);
    expect((await api('DELETE', '/api/syncs/__proto__')).status).toBe(404);
    expect((await api('DELETE', '/api/syncs/constructor')).status).toBe(404);
    expect((await api('DELETE', `/api/syncs/${'s'.repeat(201)}`)).status).toBe(414);
    expect(await readFile(join(f.dir, 'sluice.yaml'), 'utf8')).toContain('orders_to_sink');
  });
});

describe('a paused schedule on a running server', () => {
  it('starts no run while paused, and runs again once resumed', async () => {
    const g = await startServerFixture({
      rows: 1,
      extra: '    schedule: "* * * * * *"\n',
      server: { scheduler: true },
    });
    try {
      const call = async (method: 'GET' | 'POST', url: string) => (await g.server.app.inject({ method, url, headers: g.auth })).json() as any;
      const runs = async () => (await call('GET', '/api/runs?name=orders_to_sink')).runs.length as number;
      expect((await call('POST', '/api/schedules/sync/orders_to_sink/pause')).pausedAt).toEqual(expect.any(String));
      // A run the scheduler started before the pause landed may still end; none starts after it.
      await new Promise((resolve) => setTimeout(resolve, 1200));
      const before = await runs();
      await new Promise((resolve) => setTimeout(resolve, 2500));
      expect(await runs()).toBe(before);
      await call('POST', '/api/schedules/sync/orders_to_sink/resume');
      await new Promise((resolve) => setTimeout(resolve, 2500));
      expect(await runs()).toBeGreaterThan(before);
    } finally {
      await g.close();
    }
  });
});
