import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECRETS, startServerFixture, type ServerFixture } from './server-project.js';

let f: ServerFixture;
const OPERATOR = 'operator-token-errcodes-1';

beforeAll(async () => {
  f = await startServerFixture({ server: { operatorToken: OPERATOR } });
});

afterAll(async () => {
  await f?.close();
});

async function api(method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown, token = SECRETS.apiToken) {
  const response = await f.server.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload === undefined ? {} : { payload: payload as object }) });
  return { status: response.statusCode, json: response.json() as any, body: response.body };
}

describe("the server's error answers carry a stable code and params beside the English message", () => {
  it('names an unknown sync, connection and connector by what and name', async () => {
    expect(await api('GET', '/api/syncs/orders_to_snk')).toMatchObject({ status: 404, json: { code: 'unknown_name', params: { what: 'sync', name: 'orders_to_snk' } } });
    expect((await api('GET', '/api/syncs/orders_to_snk')).json.error).toContain('no sync named "orders_to_snk"');
    expect(await api('GET', '/api/connections/nope')).toMatchObject({ status: 404, json: { code: 'unknown_name', params: { what: 'connection', name: 'nope' } } });
    expect(await api('GET', '/api/connectors/nope')).toMatchObject({ status: 404, json: { code: 'unknown_name', params: { what: 'connector', name: 'nope' } } });
  });

  it('gives a hostile name back as a plain param, never interpreted', async () => {
    const name = '<img src=x onerror=alert(1)>{{7*7}}';
    const answer = await api('GET', `/api/syncs/${encodeURIComponent(name)}`);
    expect(answer.status).toBe(404);
    expect(answer.json.params).toEqual({ what: 'sync', name });
  });

  it('says which input is wrong, and what the tokens may do', async () => {
    expect(await api('GET', '/api/runs?limit=0')).toMatchObject({ status: 400, json: { code: 'invalid_input', params: { where: expect.stringContaining('limit') } } });
    expect(await api('GET', '/api/syncs', undefined, 'wrong')).toMatchObject({ status: 401, json: { code: 'unauthorized' } });
    expect(await api('PUT', '/api/project', { yaml: 'version: 1\n' }, OPERATOR)).toMatchObject({ status: 403, json: { code: 'admin_only' } });
    expect(await api('GET', '/api/project', undefined, OPERATOR)).toMatchObject({ status: 403, json: { code: 'admin_only' } });
  });
});

describe('sluice.yaml as text (GET and PUT /api/project)', () => {
  it('shows the file with its credentials masked, and a broken file with its issue; every list then answers invalid_project', async () => {
    const file = join(f.dir, 'sluice.yaml');
    const good = await readFile(file, 'utf8');
    const shown = await api('GET', '/api/project');
    expect(shown.status).toBe(200);
    expect(shown.json).toMatchObject({ file: 'sluice.yaml', issues: [] });
    for (const secret of [SECRETS.sinkToken, SECRETS.pgPassword]) expect(shown.body).not.toContain(secret);
    expect(shown.json.text).toContain('# keep this comment');

    await writeFile(file, good.replace('    mode: insert\n', '    mode: insrt\n'));
    const broken = await api('GET', '/api/project');
    expect(broken.json.issues).toEqual([expect.objectContaining({ file: 'sluice.yaml', line: expect.any(Number), path: 'syncs.orders_to_sink.mode' })]);
    const list = await api('GET', '/api/syncs');
    expect(list).toMatchObject({ status: 422, json: { code: 'invalid_project', params: { count: 1, file: 'sluice.yaml' } } });

    // The fix saved from the editor's (masked) text: the credentials are the file's own again.
    const fixed = await api('PUT', '/api/project', { yaml: broken.json.text.replace('mode: insrt', 'mode: insert') });
    expect(fixed.status).toBe(200);
    expect(fixed.json.issues).toEqual([]);
    expect(await readFile(file, 'utf8')).toBe(good);
    expect((await api('GET', '/api/syncs')).status).toBe(200);
  });

  it('writes nothing when the text is invalid, and refuses a mask moved to a connection that holds no credential', async () => {
    const file = join(f.dir, 'sluice.yaml');
    const good = await readFile(file, 'utf8');
    const { json } = await api('GET', '/api/project');
    const invalid = await api('PUT', '/api/project', { yaml: json.text.replace('mode: insert', 'mode: sideways') });
    expect(invalid).toMatchObject({ status: 422, json: { code: 'invalid_config', issues: [expect.objectContaining({ path: 'syncs.orders_to_sink.mode' })] } });
    const moved = json.text.replace('connections:\n', 'connections:\n  thief:\n    type: http\n    connector: webhook\n    base_url: https://evil.example\n    auth: { type: bearer, token: "****" }\n');
    const refused = await api('PUT', '/api/project', { yaml: moved });
    // A text past 1 MiB is refused before anything reads it.
    const huge = await api('PUT', '/api/project', { yaml: `${json.text}#${'x'.repeat(1024 * 1024)}\n` });
    expect(huge).toMatchObject({ status: 400, json: { code: 'invalid_input', params: { where: 'body.yaml' } } });
    expect(refused).toMatchObject({ status: 400, json: { code: 'invalid_input', params: { where: 'connections.thief.auth.token' } } });
    expect(await readFile(file, 'utf8')).toBe(good);
  });
});
