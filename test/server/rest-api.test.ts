import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectYaml, SECRETS, startServerFixture, type ServerFixture } from './server-project.js';

let f: ServerFixture;

beforeAll(async () => {
  f = await startServerFixture();
});

afterAll(async () => {
  await f?.close();
});

/** Every JSON body the tests received, to check that no secret ever left the server. */
const bodies: string[] = [];

async function api(method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) {
  const response = await f.server.app.inject({ method, url, headers: f.auth, ...(payload === undefined ? {} : { payload: payload as object }) });
  bodies.push(response.body);
  return { status: response.statusCode, json: response.json() as any, body: response.body };
}

describe('the API token', () => {
  it('refuses every /api route but health without a valid token, with a JSON 401', async () => {
    const apiRoutes = f.server.routes.filter((r) => r.url.startsWith('/api/'));
    expect(apiRoutes.length).toBeGreaterThan(20);
    for (const route of apiRoutes) {
      const url = route.url.replace(':name', 'orders_to_sink').replace(':id', 'run_x');
      for (const headers of [{}, { authorization: 'Bearer wrong-token' }, { authorization: SECRETS.apiToken }]) {
        const response = await f.server.app.inject({ method: route.method as 'GET', url, headers });
        if (route.url === '/api/health') {
          expect(response.statusCode, url).toBe(200);
          expect(response.json()).toEqual({ ok: true, version: expect.any(String) });
        } else {
          expect(response.statusCode, `${route.method} ${url}`).toBe(401);
          expect(response.json()).toEqual({ error: 'missing or invalid API token', code: 'unauthorized' });
        }
      }
    }
  });

  it('lets the OAuth callback through without a token (the provider redirects the browser there)', async () => {
    const response = await f.server.app.inject({ method: 'GET', url: '/oauth/callback?state=unknown&code=x' });
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('This authorization is unknown or has expired');
  });
});

describe('the OpenAPI description', () => {
  it('describes every route the server registers, and nothing else', async () => {
    const { json: doc } = await api('GET', '/api/openapi.json');
    const described = Object.entries(doc.paths as Record<string, object>).flatMap(([path, methods]) =>
      Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`),
    );
    const registered = f.server.routes
      .filter((r) => r.url.startsWith('/api/') || r.url.startsWith('/oauth/'))
      .map((r) => `${r.method} ${r.url.replace(/:(\w+)/g, '{$1}')}`);
    expect([...described].sort()).toEqual([...new Set(registered)].sort());
  });
});

describe('reading the project', () => {
  it('lists connections without credentials, and tells whether OAuth ones are authorized', async () => {
    const { json } = await api('GET', '/api/connections');
    expect(json).toEqual([
      { name: 'shop', type: 'sqlite' },
      { name: 'sink', type: 'http', connector: 'webhook', authType: 'bearer' },
      { name: 'crm', type: 'postgres' },
    ]);
    const sink = await api('GET', '/api/connections/sink');
    // The webhook connector's URL is a secret (base_url_secret): only its scheme and host show.
    expect(sink.json.config).toEqual({ type: 'http', connector: 'webhook', base_url: `${f.sink.url}/****`, auth: { type: 'bearer', token: '****' } });
    const crm = await api('GET', '/api/connections/crm');
    expect(crm.json.config.url).toBe('postgres://postgres:****@127.0.0.1:5432/test');
  });

  it('answers 404 with the known names for an unknown sync', async () => {
    const { status, json } = await api('GET', '/api/syncs/order_to_sink');
    expect(status).toBe(404);
    expect(json.error).toBe('no sync named "order_to_sink" (did you mean "orders_to_sink"?) (syncs: orders_to_sink)');
  });

  it('lists syncs, samples the source, previews without sending', async () => {
    const { json: syncs } = await api('GET', '/api/syncs');
    expect(syncs).toEqual([
      expect.objectContaining({ name: 'orders_to_sink', mode: 'insert', key: 'id', schedule: null, nextRunAt: null, lastRun: null, runningRunId: null }),
    ]);
    const sample = await api('GET', '/api/syncs/orders_to_sink/sample?limit=2');
    expect(sample.json.rows).toEqual([{ id: 1, note: 'order 1' }, { id: 2, note: 'order 2' }]);
    expect(sample.json.columns.map((c: { name: string }) => c.name)).toEqual(['id', 'note']);
    const preview = await api('POST', '/api/syncs/orders_to_sink/preview', { limit: 1 });
    expect(preview.json.counts).toMatchObject({ added: 3, planned: 3 });
    expect(preview.json.requests).toHaveLength(1);
    expect(preview.json.requests[0].text).toContain('Authorization: Bearer ****');
    expect(f.sink.state.hooks).toHaveLength(0);
  });

  it('tests connections: a database answers, an HTTP API is reached with its credentials', async () => {
    const crm = await api('POST', '/api/connections/crm/test');
    expect(crm.json).toMatchObject({ ok: true, verified: true, message: expect.stringMatching(/PostgreSQL/i), ms: expect.any(Number) });
    // The webhook connector declares no test: the answer says what was not checked.
    const sink = await api('POST', '/api/connections/sink/test');
    expect(sink.json).toMatchObject({
      ok: true,
      verified: false,
      message: expect.stringMatching(/^reachable; credentials not verified: connector webhook declares no test: request \(.* answered HTTP 200 with bearer credentials\)$/),
    });
  });

  it('lists built-in connectors and renders a request from the builder without sending', async () => {
    const { json: connectors } = await api('GET', '/api/connectors');
    const webhook = connectors.find((c: { name: string }) => c.name === 'webhook');
    expect(webhook).toMatchObject({ builtin: true, file: 'connectors/webhook.yaml', auth: ['none', 'bearer', 'basic', 'api_key'] });
    expect(webhook.endpoints).toContainEqual({ name: 'post', operation: 'create', method: 'POST', request: 'single' });
    const { json: detail } = await api('GET', '/api/connectors/webhook');
    const rendered = await api('POST', '/api/connectors/render', { yaml: detail.yaml, endpoint: 'post', rows: [{ id: 7, note: 'say "hi"' }], connection: 'sink' });
    expect(rendered.json.requests).toEqual([
      {
        keys: ['1'],
        curl: expect.stringContaining("-H 'Authorization: Bearer ****'"),
        method: 'POST',
        url: `${f.sink.url}/****`,
        headers: { 'Content-Type': 'application/json' },
        body: '{"id":7,"note":"say \\"hi\\""}',
      },
    ]);
    const broken = await api('POST', '/api/connectors/render', { yaml: detail.yaml.replace('operation: create', 'operation: creat'), endpoint: 'post', rows: [{ id: 1 }] });
    expect(broken.status).toBe(422);
    expect(broken.json.issues[0]).toMatchObject({ path: 'endpoints.post.operation', line: expect.any(Number) });
    expect(f.sink.state.hooks).toHaveLength(0);
  });

  it('sends the first request of the builder with the connection\'s credentials', async () => {
    const { json: detail } = await api('GET', '/api/connectors/webhook');
    const sent = await api('POST', '/api/connectors/send', { yaml: detail.yaml, endpoint: 'post', rows: [{ id: 9, note: 'builder' }, { id: 10 }], connection: 'sink' });
    expect(sent.json).toMatchObject({ status: 200, body: { id: '1' }, results: [{ key: '1', ok: true }] });
    expect(f.sink.state.hooks.map((h) => h.body)).toEqual([{ id: 9, note: 'builder' }]);
    f.sink.reset();
  });
});

describe('configuration errors', () => {
  it('come back from /api/validate and read routes as 422 with file, line and column', async () => {
    const file = join(f.dir, 'sluice.yaml');
    const good = await readFile(file, 'utf8');
    await writeFile(file, good.replace('    mode: insert', '    mode: insret'));
    try {
      const validate = await api('POST', '/api/validate');
      expect(validate.status).toBe(422);
      expect(validate.json.ok).toBe(false);
      expect(validate.json.issues).toEqual([
        { file: 'sluice.yaml', line: 16, column: 11, path: 'syncs.orders_to_sink.mode', message: expect.stringContaining('"insret"') },
      ]);
      const read = await api('GET', '/api/syncs');
      expect(read.status).toBe(422);
      expect(read.json.issues[0]).toMatchObject({ file: 'sluice.yaml', line: 16, path: 'syncs.orders_to_sink.mode' });
    } finally {
      await writeFile(file, good);
    }
    expect((await api('POST', '/api/validate')).json).toEqual({ ok: true, issues: [] });
  });

  it('checks unsaved text given to /api/validate without writing it', async () => {
    const text = projectYaml(f.sink.url).replace('connection: sink, endpoint: post', 'connection: sink, endpoint: posts');
    const { status, json } = await api('POST', '/api/validate', { yaml: text });
    expect(status).toBe(422);
    expect(json.issues[0]).toMatchObject({ file: 'sluice.yaml', path: 'syncs.orders_to_sink.to.endpoint', line: 15 });
    expect(await readFile(join(f.dir, 'sluice.yaml'), 'utf8')).toBe(projectYaml(f.sink.url));
  });
});

describe('writing the project back', () => {
  it('PUT of a sync writes sluice.yaml keeping comments and key order; an invalid one writes nothing', async () => {
    const file = join(f.dir, 'sluice.yaml');
    const before = await readFile(file, 'utf8');
    const { json: sync } = await api('GET', '/api/syncs/orders_to_sink');
    const put = await api('PUT', '/api/syncs/orders_to_sink', { ...sync.config, mode: 'append', schedule: '0 9 * * *' });
    expect(put.status).toBe(200);
    expect(put.json).toMatchObject({ mode: 'append', schedule: '0 9 * * *', config: { mode: 'append', schedule: '0 9 * * *' } });
    const after = await readFile(file, 'utf8');
    expect(after).toBe(before.replace('    mode: insert\n    key: id\n', '    mode: append\n    key: id\n    schedule: 0 9 * * *\n'));
    expect(after).toContain('    # keep this comment\n');

    const invalid = await api('PUT', '/api/syncs/orders_to_sink', { ...sync.config, mode: 'sideways' });
    expect(invalid.status).toBe(422);
    expect(invalid.json.issues[0]).toMatchObject({ file: 'sluice.yaml', path: 'syncs.orders_to_sink.mode' });
    expect(await readFile(file, 'utf8')).toBe(after);
    await writeFile(file, before);
  });

  it('PUT of a connection keeps a secret sent back as ****', async () => {
    const file = join(f.dir, 'sluice.yaml');
    const before = await readFile(file, 'utf8');
    const { json } = await api('GET', '/api/connections/sink');
    const put = await api('PUT', '/api/connections/sink', { ...json.config, config: { url: 'unused' } });
    expect(put.status).toBe(200);
    const after = await readFile(file, 'utf8');
    // Inside the edited entry, the yaml library writes one space before a comment.
    expect(after).toContain(`auth: { type: bearer, token: "${SECRETS.sinkToken}" } # a literal secret, on purpose`);
    expect(after.replace('\n    config:\n      url: unused\n', '\n').replace(' # a literal', '   # a literal')).toBe(before);
    expect(after).toContain('    config:\n      url: unused\n  crm:');
    await writeFile(file, before);
  });
});

describe('secrets', () => {
  it('never appear in any answer', async () => {
    // A few more answers that could carry them: run records and rejected rows included.
    await api('GET', '/api/connections/crm');
    await api('GET', '/api/syncs/orders_to_sink/rejected');
    await api('GET', '/api/schemas');
    expect(bodies.length).toBeGreaterThan(20);
    for (const body of bodies) {
      for (const secret of Object.values(SECRETS)) expect(body).not.toContain(secret);
    }
  });
});

describe('project connectors', () => {
  const SPEC = (name: string) => `name: ${name}\ntitle: Orders API\nbase_url: "{{ config.url }}"\nconfig:\n  url: { type: string, required: true }\nendpoints:\n  add:\n    operation: create\n    path: /orders\n    headers: { Content-Type: application/json }\n    body: "{{ row | json }}"\n`;

  it('saves a new spec under connectors/, lists it, and refuses a broken one or a built-in', async () => {
    const saved = await api('PUT', '/api/connectors/orders_api', { yaml: SPEC('orders_api') });
    expect(saved.status).toBe(200);
    expect(saved.json).toMatchObject({ name: 'orders_api', file: 'connectors/orders_api.yaml', builtin: false, yaml: SPEC('orders_api') });
    expect(await readFile(join(f.dir, 'connectors', 'orders_api.yaml'), 'utf8')).toBe(SPEC('orders_api'));
    const { json: list } = await api('GET', '/api/connectors');
    expect(list.find((c: { name: string }) => c.name === 'orders_api')).toMatchObject({ title: 'Orders API', endpoints: [{ name: 'add', operation: 'create' }] });

    const misnamed = await api('PUT', '/api/connectors/orders_api', { yaml: SPEC('other') });
    expect(misnamed.status).toBe(422);
    expect(misnamed.json.issues).toEqual([{ file: 'connectors/orders_api.yaml', path: 'name', message: 'the spec is named "other" but is saved as "orders_api": make them the same' }]);
    const broken = await api('PUT', '/api/connectors/orders_api', { yaml: SPEC('orders_api').replace('path: /orders', 'path: "/orders/{{ row.id"') });
    expect(broken.status).toBe(422);
    expect(broken.json.issues[0]).toMatchObject({ file: 'connectors/orders_api.yaml', path: 'endpoints.add.path', line: 9 });
    expect(await readFile(join(f.dir, 'connectors', 'orders_api.yaml'), 'utf8')).toBe(SPEC('orders_api'));

    const builtin = await api('PUT', '/api/connectors/webhook', { yaml: SPEC('webhook') });
    expect(builtin.status).toBe(403);
  });
});

describe('the web UI', () => {
  it('serves web/dist at / with an SPA fallback outside /api/, and says how to build it when missing', async () => {
    const { mkdtemp, mkdir, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { createServer } = await import('../../src/server/create-server.js');
    const web = await mkdtemp(join(tmpdir(), 'sluice-web-dist-'));
    await mkdir(join(web, 'assets'));
    await writeFile(join(web, 'index.html'), '<!doctype html><div id="root"></div>');
    await writeFile(join(web, 'assets', 'app.js'), 'console.log(1)');
    const built = await createServer({ project: f.dir, token: SECRETS.apiToken, webDir: web });
    const missing = await createServer({ project: f.dir, token: SECRETS.apiToken, webDir: join(web, 'nope') });
    try {
      const get = (s: typeof built, url: string) => s.app.inject({ method: 'GET', url });
      expect((await get(built, '/')).body).toBe('<!doctype html><div id="root"></div>');
      expect((await get(built, '/assets/app.js')).body).toBe('console.log(1)');
      const deep = await get(built, '/syncs/orders_to_sink');
      expect([deep.statusCode, deep.body]).toEqual([200, '<!doctype html><div id="root"></div>']);
      const api404 = await built.app.inject({ method: 'GET', url: '/api/nothing', headers: f.auth });
      expect([api404.statusCode, api404.json()]).toEqual([404, { error: 'no route GET /api/nothing', code: 'not_found' }]);
      const hint = await get(missing, '/');
      expect(hint.statusCode).toBe(200);
      expect(hint.body).toContain('the web UI is not built');
    } finally {
      await built.close();
      await missing.close();
      await rm(web, { recursive: true, force: true });
    }
  });
});
