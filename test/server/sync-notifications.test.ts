// GET /api/syncs/:name/notifications: the notifications of a sync's last runs, as the sync page lists them; who may
// read it, and what a hostile parameter gets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi } from '../connectors/start-test-api.js';
import { readSse, startServerFixture, type ServerFixture } from './server-project.js';

const OPERATOR_TOKEN = 'operator-token-6b2d90e1f4';
const HOOK_SECRET = 'whsec-sync-notifications-3e8a1c77';

let f: ServerFixture;
let hook: Awaited<ReturnType<typeof startTestApi>>;
const runIds: string[] = [];

beforeAll(async () => {
  // The first notification is refused for good (a 400 is not tried again), the second delivered.
  const answers = [{ status: 400, body: { error: 'unknown hook' } }];
  hook = await startTestApi(() => answers.shift() ?? { status: 200, body: { ok: true } });
  f = await startServerFixture({
    rows: 2,
    extra: `    notify:\n      - on: [succeeded, { longer_than: 1h }]\n        webhook: { url: "${hook.url}/sluice?team=data", secret: "${'${env:HOOK_SECRET}'}" }\n`,
    server: { operatorToken: OPERATOR_TOKEN, env: { ...process.env, SLUICE_SECRET_KEY: '', SLUICE_ALLOWED_HOSTS: '127.0.0.1', HOOK_SECRET } },
  }).catch(async (e: unknown) => {
    await hook.close();
    throw e;
  });
  await f.server.app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(f.server.app.server.address() as { port: number }).port}`;
  for (let i = 0; i < 2; i++) {
    const started = await fetch(`${base}/api/syncs/orders_to_sink/runs`, { method: 'POST', headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, 'content-type': 'application/json' }, body: '{}' });
    const { runId } = (await started.json()) as { runId: string };
    await readSse(await fetch(`${base}/api/runs/${runId}/events`, { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } }));
    runIds.push(runId);
  }
}, 60_000);

afterAll(async () => {
  await f?.close();
  await hook?.close();
});

const get = async (url: string, token = OPERATOR_TOKEN) => {
  const response = await f.server.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
  return { status: response.statusCode, json: response.json() as Record<string, unknown>, body: response.body };
};

describe('the notifications of a sync', () => {
  it('lists each attempt of the last runs, newest run first, to an operator, the secret and the URL path left out', async () => {
    const { status, json, body } = await get('/api/syncs/orders_to_sink/notifications');
    expect(status).toBe(200);
    expect((json.runs as { id: string }[]).map((r) => r.id)).toEqual([runIds[1], runIds[0]]);
    expect(json.notifications).toEqual([
      { runId: runIds[0], target: `notify[0] webhook ${hook.url}`, conditions: 'succeeded', attempt: 1, status: 'failed', httpStatus: 400, error: expect.stringContaining('400'), at: expect.any(String) },
      { runId: runIds[1], target: `notify[0] webhook ${hook.url}`, conditions: 'succeeded', attempt: 1, status: 'delivered', httpStatus: 200, error: null, at: expect.any(String) },
    ]);
    expect(body).not.toContain(HOOK_SECRET);
    expect(body).not.toContain('team=data');
  });

  it('lists as many runs as asked', async () => {
    const { json } = await get('/api/syncs/orders_to_sink/notifications?runs=1');
    expect((json.runs as { id: string }[]).map((r) => r.id)).toEqual([runIds[1]]);
    expect((json.notifications as { runId: string }[]).map((n) => n.runId)).toEqual([runIds[1]]);
  });

  it('refuses a request without a valid token', async () => {
    expect((await get('/api/syncs/orders_to_sink/notifications', 'not-a-token')).status).toBe(401);
  });

  it('answers a hostile parameter with a 400 or 404 that runs nothing and echoes no long value', async () => {
    for (const runs of ['0', '51', '-1', '1.5', 'abc', '1e9', '9'.repeat(400), '%00', '10;DROP TABLE runs']) {
      const { status, json, body } = await get(`/api/syncs/orders_to_sink/notifications?runs=${encodeURIComponent(runs)}`);
      expect(status, runs).toBe(400);
      expect(json.code, runs).toBe('invalid_input');
      expect(String(json.error), runs).toMatch(/^query\.runs: /);
      expect(body).not.toContain('9'.repeat(400));
    }
    const extra = await get('/api/syncs/orders_to_sink/notifications?runs=2&limit=1');
    expect(extra.status).toBe(400);
    expect(extra.json.error).toBe('query: Unrecognized key: "limit"');

    for (const name of ['__proto__', 'constructor', 'no_such_sync', '..%2F..%2Fetc%2Fpasswd', "orders_to_sink'--"]) {
      const { status, json } = await get(`/api/syncs/${name}/notifications`);
      expect(status, name).toBe(404);
      expect(json.code, name).toBe('unknown_name');
    }
    // The runs are as they were: nothing above started or recorded one.
    const { json } = await get('/api/syncs/orders_to_sink/notifications?runs=50');
    expect((json.runs as unknown[]).length).toBe(2);
  });
});
