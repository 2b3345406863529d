import { readdir, readFile } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SECRETS, startServerFixture, type ServerFixture } from '../server/server-project.js';
import { describeLeaks, filesUnder, findLeaks } from './find-secret-forms.js';

/** A server that records everything sent to it: where a stolen credential would arrive. */
interface Catcher {
  url: string;
  seen: { url: string; headers: IncomingMessage['headers']; body: string }[];
  close(): Promise<void>;
}

async function startCatcher(): Promise<Catcher> {
  const seen: Catcher['seen'] = [];
  const server: Server = createHttpServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      seen.push({ url: req.url ?? '', headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"stolen"}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, close: () => new Promise((r) => server.close(() => r())) };
}

let f: ServerFixture;
let catcher: Catcher;
let original: string;

beforeAll(async () => {
  f = await startServerFixture({ server: { env: { ...process.env, SLUICE_SECRET_KEY: '', SLUICE_ALLOWED_HOSTS: '127.0.0.1' } } });
  catcher = await startCatcher();
  original = await readFile(join(f.dir, 'sluice.yaml'), 'utf8');
});

afterAll(async () => {
  // Nothing leaked: no answer, nothing the catcher received and no file of the state holds a secret in any form.
  const caught = Object.fromEntries(catcher.seen.map((s, i) => [`catcher request ${i}`, JSON.stringify(s)]));
  const leaks = findLeaks({ ...answers, ...caught, ...(await filesUnder(join(f.dir, '.sluice'), f.dir)) }, { sinkToken: SECRETS.sinkToken, pgPassword: SECRETS.pgPassword, apiToken: SECRETS.apiToken });
  await f?.close();
  await catcher?.close();
  expect(describeLeaks(leaks)).toEqual([]);
});

afterEach(() => {
  expect(catcher.seen.map((s) => JSON.stringify(s))).not.toEqual(expect.arrayContaining([expect.stringContaining(SECRETS.sinkToken)]));
});

/** Every answer the tests read: none may hold a secret in any form. */
const answers: Record<string, string> = {};

async function api(method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) {
  const response = await f.server.app.inject({ method, url, headers: f.auth, ...(payload ? { payload } : {}) });
  answers[`${Object.keys(answers).length} ${method} ${url}`] = response.body;
  return { status: response.statusCode, json: response.json() as any, body: response.body };
}

const yamlNow = () => readFile(join(f.dir, 'sluice.yaml'), 'utf8');

describe('"****" keeps a stored secret only while its destination stays', () => {
  it('refuses to re-point a connection at another host while keeping its token, and the test still reaches the real sink', async () => {
    const { json } = await api('GET', '/api/connections/sink');
    expect(json.config.auth.token).toBe('****');
    const put = await api('PUT', '/api/connections/sink', { ...json.config, base_url: `${catcher.url}/steal` });
    expect(put.status).toBe(400);
    expect(put.json.error).toBe('connection "sink": where its credentials go changed (connector, base URL, token URL or host), so auth.token must be entered again ("****" keeps a stored secret only while that stays the same)');
    expect(await yamlNow()).toBe(original);
    await api('POST', '/api/connections/sink/test');
    expect(catcher.seen).toHaveLength(0);
  });

  it('refuses a change of connector while keeping the token', async () => {
    const { json } = await api('GET', '/api/connections/sink');
    const put = await api('PUT', '/api/connections/sink', { ...json.config, connector: 'slack' });
    expect(put.status).toBe(400);
    expect(await yamlNow()).toBe(original);
  });

  it('refuses to re-point a database URL at another host while keeping its password', async () => {
    const { json } = await api('GET', '/api/connections/crm');
    expect(json.config.url).toBe('postgres://postgres:****@127.0.0.1:5432/test');
    const put = await api('PUT', '/api/connections/crm', { ...json.config, url: 'postgres://postgres:****@attacker.example:5432/test' });
    expect(put.status).toBe(400);
    expect(put.json.error).toContain('url must be entered again');
    expect(await yamlNow()).toBe(original);
  });
});

describe('builder requests that name a connection', () => {
  const spec = (baseUrl: string, path = '/hooks/orders') =>
    `name: thief\nbase_url: "${baseUrl}"\nauth:\n  - { type: bearer }\nendpoints:\n  post:\n    operation: create\n    path: "${path}"\n    headers: { Content-Type: application/json }\n    body: "{{ row | json }}"\n`;

  it("send with the connection's own base URL and auth, whatever base_url the edited spec gives", async () => {
    const before = f.sink.state.hooks.length;
    const sent = await api('POST', '/api/connectors/send', { yaml: spec(catcher.url), endpoint: 'post', rows: [{ id: 1 }], connection: 'sink' });
    expect(sent.status).toBe(200);
    expect(catcher.seen).toHaveLength(0);
    expect(f.sink.state.hooks.length).toBe(before + 1);
  });

  it('refuse a request whose path is an absolute URL on another origin', async () => {
    const sent = await api('POST', '/api/connectors/send', { yaml: spec('https://ignored.example', `${catcher.url}/steal`), endpoint: 'post', rows: [{ id: 1 }], connection: 'sink' });
    expect(sent.json.status).toBeNull();
    expect(sent.json.error).toContain(`refused: the request goes to ${catcher.url}, not to the origin of connection "sink"`);
    expect(catcher.seen).toHaveLength(0);
  });
});

describe('secrets typed into the API', () => {
  it('go to the encrypted state store; sluice.yaml holds a ${secret:} reference, and runs use the value', async () => {
    const { json } = await api('GET', '/api/connections/sink');
    const put = await api('PUT', '/api/connections/sink', { ...json.config, auth: { type: 'bearer', token: SECRETS.sinkToken } });
    expect(put.status).toBe(200);
    expect(put.json.config.auth.token).toBe('****');
    const text = await yamlNow();
    expect(text).toContain('token: "${secret:sink_auth_token}"');
    expect(text).not.toContain(SECRETS.sinkToken);
    for (const file of await readdir(join(f.dir, '.sluice'), { recursive: true })) {
      const bytes = await readFile(join(f.dir, '.sluice', file)).catch(() => Buffer.alloc(0));
      expect(bytes.includes(Buffer.from(SECRETS.sinkToken)), file).toBe(false);
    }
    const started = await api('POST', '/api/syncs/orders_to_sink/runs', {});
    expect(started.status).toBe(202);
    let run = { status: 'running', error: null as string | null, counts: { delivered: 0 } };
    for (let i = 0; i < 200 && (run.status === 'running' || run.status === 'queued'); i++) {
      await new Promise((r) => setTimeout(r, 50));
      run = (await api('GET', `/api/runs/${started.json.runId}`)).json;
    }
    expect(run).toMatchObject({ status: 'succeeded', error: null });
    expect(f.sink.state.hooks.filter((h) => h.path === '/hooks/orders')).not.toHaveLength(0);
  });

  it('refuses a ${secret:} reference written through the API (it could name another secret)', async () => {
    const { json } = await api('GET', '/api/connections/sink');
    const put = await api('PUT', '/api/connections/sink', { ...json.config, auth: { type: 'bearer', token: '${secret:api_token}' } });
    expect(put.status).toBe(400);
    expect(put.json.error).toContain('${secret:...} references are written by the server');
  });

  it('refuses a new ${env:} reference unless the operator allowed its prefix', async () => {
    const { json } = await api('GET', '/api/connections/sink');
    const put = await api('PUT', '/api/connections/sink', { ...json.config, base_url: '${env:HOME}' });
    expect(put.status).toBe(400);
    expect(put.json.error).toContain('${env:HOME} cannot be written through the API (the operator may allow names with a prefix: SLUICE_API_ENV_PREFIX=SLUICE_CONN_)');
  });
});

describe('with SLUICE_API_ENV_PREFIX', () => {
  it('accepts ${env:} references with the prefix and refuses others', async () => {
    const g = await startServerFixture({ server: { env: { ...process.env, SLUICE_SECRET_KEY: '', SLUICE_API_ENV_PREFIX: 'SLUICE_CONN_', SLUICE_CONN_SINK_TOKEN: SECRETS.sinkToken } } });
    try {
      const put = (token: string) =>
        g.server.app.inject({ method: 'PUT', url: '/api/connections/sink', headers: g.auth, payload: { type: 'http', connector: 'webhook', base_url: `${g.sink.url}/hooks/orders`, auth: { type: 'bearer', token } } });
      expect((await put('${env:SLUICE_CONN_SINK_TOKEN}')).statusCode).toBe(200);
      expect(await readFile(join(g.dir, 'sluice.yaml'), 'utf8')).toMatch(/token: "?\$\{env:SLUICE_CONN_SINK_TOKEN\}"?/);
      const refused = await put('${env:PATH}');
      expect(refused.statusCode).toBe(400);
      expect(refused.json().error).toContain('only names starting with SLUICE_CONN_');
    } finally {
      await g.close();
    }
  });
});
