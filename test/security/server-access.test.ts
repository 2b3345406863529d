import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listedApiRoutes } from '../../src/server/route-access.js';
import { SECRETS, startServerFixture, type ServerFixture } from '../server/server-project.js';
import { describeLeaks, filesUnder, findLeaks } from './find-secret-forms.js';

const OPERATOR_TOKEN = 'operator-token-3b9d02f6e1';

let f: ServerFixture;
let base: string;

beforeAll(async () => {
  f = await startServerFixture({ server: { operatorToken: OPERATOR_TOKEN, publicUrl: 'https://sluice.example.com', host: '127.0.0.1' } });
  await f.server.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(f.server.app.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  const leaks = findLeaks({ ...answers, ...(await filesUnder(join(f.dir, '.sluice'), f.dir)) }, { sinkToken: SECRETS.sinkToken, pgPassword: SECRETS.pgPassword, apiToken: SECRETS.apiToken, operatorToken: OPERATOR_TOKEN });
  await f?.close();
  expect(describeLeaks(leaks)).toEqual([]);
});

/** A request over a real socket, the path sent exactly as written (no client-side normalising). */
/** Every answer the tests read: none may hold a secret in any form. */
const answers: Record<string, string> = {};

async function send(method: string, path: string, headers: Record<string, string> = {}, body?: string) {
  const response = await request(`${base}${path}`, { method: method as 'GET', headers, body });
  const text = await response.body.text();
  answers[`${Object.keys(answers).length} ${method} ${path}`] = text;
  return { status: response.statusCode, text };
}

const admin = { authorization: `Bearer ${SECRETS.apiToken}` };
const operator = { authorization: `Bearer ${OPERATOR_TOKEN}` };

describe('authentication is decided on the route the router matched', () => {
  it.each(['/%61pi/connections', '/api/%63onnections', '/%61%70%69/syncs', '/api/connections/%73ink', '/api/runs/x/%65vents'])(
    'refuses %s without a token, as the route it reaches',
    async (path) => {
      const { status, text } = await send('GET', path);
      expect(status).toBe(401);
      expect(JSON.parse(text)).toEqual({ error: 'missing or invalid API token', code: 'unauthorized' });
      expect(text).not.toContain(SECRETS.sinkToken);
      expect(text).not.toContain('hooks/orders');
    },
  );

  it('refuses a percent-encoded PUT without a token and leaves sluice.yaml as it was', async () => {
    const before = await readFile(join(f.dir, 'sluice.yaml'), 'utf8');
    const { status } = await send('PUT', '/%61pi/connections/sink', { 'content-type': 'application/json' }, JSON.stringify({ type: 'http', connector: 'webhook', base_url: 'https://attacker.example' }));
    expect(status).toBe(401);
    expect(await readFile(join(f.dir, 'sluice.yaml'), 'utf8')).toBe(before);
  });

  it('lists the access of every API route the server registers, and of nothing else', () => {
    const registered = new Set(f.server.routes.filter((r) => r.url.startsWith('/api/') || r.url.startsWith('/oauth/')).map((r) => `${r.method} ${r.url}`));
    expect([...registered].sort()).toEqual([...listedApiRoutes()].sort());
  });

  it('answers /api/health and the OAuth callback without a token, and nothing else under /api/', async () => {
    expect((await send('GET', '/api/health')).status).toBe(200);
    expect((await send('GET', '/oauth/callback?state=nope&code=x')).status).toBe(400);
    for (const route of f.server.routes.filter((r) => r.url.startsWith('/api/') && r.url !== '/api/health')) {
      const path = route.url.replace(':name', 'orders_to_sink').replace(':id', 'run_x');
      const { status } = await send(route.method, path, route.method === 'GET' ? {} : { 'content-type': 'application/json' }, route.method === 'GET' ? undefined : '{}');
      expect(status, `${route.method} ${path}`).toBe(401);
    }
  });
});

describe('the Host header (DNS rebinding)', () => {
  it.each(['evil.example', 'evil.example:8080', 'localhost.evil.example', '127.0.0.1.nip.io', ''])('answers 421 to Host "%s", even with the admin token', async (host) => {
    const { status, text } = await send('GET', '/api/syncs', { ...admin, host });
    expect(status).toBe(421);
    expect(JSON.parse(text).error).toContain('SLUICE_ALLOWED_HOSTS');
  });

  it('refuses the web UI and the OAuth callback to a foreign Host too', async () => {
    expect((await send('GET', '/', { host: 'evil.example' })).status).toBe(421);
    expect((await send('GET', '/oauth/callback?state=x&code=y', { host: 'evil.example' })).status).toBe(421);
  });

  it.each(['localhost:8080', '127.0.0.1', '[::1]:9000', 'sluice.example.com', 'SLUICE.example.com.'])('answers Host "%s" (loopback, localhost, the public URL)', async (host) => {
    const { status } = await send('GET', '/api/syncs', { ...admin, host });
    expect(status).toBe(200);
  });

  it('answers the names SLUICE_ALLOWED_HOSTS lists', async () => {
    const g = await startServerFixture({ server: { env: { ...process.env, SLUICE_SECRET_KEY: '', SLUICE_ALLOWED_HOSTS: 'sluice.internal:8443, 10.1.0.0/16' } } });
    try {
      const inject = (host: string) => g.server.app.inject({ method: 'GET', url: '/api/syncs', headers: { ...g.auth, host } });
      expect((await inject('sluice.internal')).statusCode).toBe(200);
      expect((await inject('10.1.2.3:8080')).statusCode).toBe(200);
      expect((await inject('10.2.0.1')).statusCode).toBe(421);
      expect((await inject('other.internal')).statusCode).toBe(421);
    } finally {
      await g.close();
    }
  });
});

describe('state-changing routes take JSON only', () => {
  it.each(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'])('answers 415 to a %s body and starts nothing', async (type) => {
    const { status, text } = await send('POST', '/api/syncs/orders_to_sink/runs', { ...admin, 'content-type': type }, '{"vars":{}}');
    expect(status).toBe(415);
    expect(JSON.parse(text)).toEqual({ error: 'send the request body as application/json', code: 'invalid_input', params: { where: 'body', detail: 'not JSON' } });
    const runs = await send('GET', '/api/syncs/orders_to_sink/runs', admin);
    expect(JSON.parse(runs.text)).toEqual([]);
    expect(f.sink.state.hooks).toHaveLength(0);
  });
});

describe('two roles', () => {
  it('lets the operator token read, preview, run and retry', async () => {
    expect((await send('GET', '/api/connections/sink', operator)).status).toBe(200);
    expect((await send('POST', '/api/syncs/orders_to_sink/preview', { ...operator, 'content-type': 'application/json' }, '{}')).status).toBe(200);
    const started = await send('POST', '/api/syncs/orders_to_sink/runs', { ...operator, 'content-type': 'application/json' }, '{}');
    expect(started.status).toBe(202);
    const { runId } = JSON.parse(started.text) as { runId: string };
    let run: { status: string; error: string | null } = { status: 'running', error: null };
    for (let i = 0; i < 100 && (run.status === 'running' || run.status === 'queued'); i++) {
      await new Promise((r) => setTimeout(r, 50));
      run = JSON.parse((await send('GET', `/api/runs/${runId}`, operator)).text) as typeof run;
    }
    expect(run).toMatchObject({ status: 'succeeded', error: null });
    expect(f.sink.state.hooks).toHaveLength(3);
  });

  it.each([
    ['PUT', '/api/connections/sink', { type: 'http', connector: 'webhook', base_url: 'https://attacker.example', auth: { type: 'bearer', token: '****' } }],
    ['PUT', '/api/syncs/orders_to_sink', { from: { connection: 'shop', sql: 'SELECT 1 AS id' }, to: { connection: 'sink', endpoint: 'post' }, mode: 'insert', key: 'id' }],
    ['PUT', '/api/connectors/evil', { yaml: 'name: evil\nbase_url: https://attacker.example\n' }],
    ['POST', '/api/connectors/send', { yaml: 'name: x', endpoint: 'post', rows: [{}], connection: 'sink' }],
    ['POST', '/api/connectors/render', { yaml: 'name: x', endpoint: 'post', rows: [{}], connection: 'sink' }],
    ['POST', '/api/connections/sink/authorize', {}],
  ])('refuses the operator token on %s %s with 403, and changes nothing', async (method, path, body) => {
    const before = await readFile(join(f.dir, 'sluice.yaml'), 'utf8');
    const { status, text } = await send(method, path, { ...operator, 'content-type': 'application/json' }, JSON.stringify(body));
    expect(status).toBe(403);
    expect(JSON.parse(text).error).toContain('needs the admin token');
    expect(await readFile(join(f.dir, 'sluice.yaml'), 'utf8')).toBe(before);
  });

  it('refuses a token shorter than 16 characters at start', async () => {
    await expect(startServerFixture({ server: { operatorToken: 'short' } })).rejects.toThrow('SLUICE_OPERATOR_TOKEN is too short');
  });
});
