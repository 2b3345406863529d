// Secrets, in every form they travel in, never reach what a user or an attacker can read: CLI output, the server's
// answers and SSE stream, run records, rejected rows, and the bytes of every file under .sluice/. Real runs: the
// built CLI and the server, a SQLite source, and an API on 127.0.0.1 that refuses even rows and echoes back what
// it received (URL, Authorization header, body), as careless APIs do.
import Database from 'better-sqlite3';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type SluiceServer } from '../../src/server/create-server.js';
import { startTestApi, type ReceivedRequest } from '../connectors/start-test-api.js';
import { runCommand, type CommandResult } from '../examples/run-command.js';
import { readSse } from '../server/server-project.js';
import { describeLeaks, filesUnder, findLeaks } from './find-secret-forms.js';

const API_TOKEN = 'server-api-token-5d81c0e2';
const USERINFO_PASSWORD = 'p@ss+w0rd! ü';
const USERINFO_PASSWORD_WRITTEN = encodeURIComponent(USERINFO_PASSWORD).replace(/%2B/g, '+').replace(/%21/g, '!');

/** Every secret of the project, by name; each is searched in every form (find-secret-forms.ts). */
const SECRETS = {
  apiKey: 'qk7 p+Zr/x=Y9 "é\\n',
  basicPassword: 'pä55 w:rd+"1"',
  basicPair: 'ann-user:pä55 w:rd+"1"',
  bearerToken: 'tok+en/with=chars 42 "ß"',
  // The webhook URL is the secret; its host is public, what follows is the credential.
  webhookPath: 'hooks/T0123/B0456/xyz+SECRET abc',
  urlPassword: USERINFO_PASSWORD,
  urlPasswordAsWritten: USERINFO_PASSWORD_WRITTEN,
  urlUserPassword: `svc-user:${USERINFO_PASSWORD}`,
  serverToken: API_TOKEN,
};

const CONNECTOR = `name: echo
base_url: http://127.0.0.1:1
auth:
  - { type: api_key, in: query, name: api_key }
  - { type: basic }
  - { type: bearer }
  - { type: none }
retry: { max_attempts: 1 }
# The whole answer as JSON text: what the API echoed shows JSON-escaped.
error_message: "{{ response.body | json }}"
endpoints:
  create:
    operation: create
    method: POST
    path: "/items/{{ row.id }}"
    headers: { Content-Type: application/json }
    body: '{ "id": {{ row.id | json }}, "note": {{ row.note | json }} }'
    response: { record_id: "{{ response.body.id }}" }
`;

const PROJECT = `version: 1
connections:
  model: { type: sqlite, path: model.db }
  by_query_key:
    type: http
    connector: ./echo.yaml
    base_url: "\${env:API_URL}"
    auth: { type: api_key, key: "\${env:API_KEY}" }
  by_basic:
    type: http
    connector: ./echo.yaml
    base_url: "\${env:API_URL}"
    auth: { type: basic, username: ann-user, password: "\${env:BASIC_PASSWORD}" }
  by_bearer:
    type: http
    connector: ./echo.yaml
    base_url: "\${env:API_URL}"
    auth: { type: bearer, token: "\${env:BEARER_TOKEN}" }
  by_user_info:
    type: http
    connector: ./echo.yaml
    base_url: "\${env:USERINFO_URL}"
    auth: { type: none }
  hook:
    type: http
    connector: webhook
    base_url: "\${env:WEBHOOK_URL}"
    auth: { type: none }
syncs:
${['by_query_key', 'by_basic', 'by_bearer', 'by_user_info']
  .map((c) => `  to_${c}:\n    from: { connection: model, table: notes }\n    to: { connection: ${c}, endpoint: create }\n    mode: insert\n    key: id\n`)
  .join('')}  to_hook:
    from: { connection: model, table: notes }
    to: { connection: hook, endpoint: post }
    mode: insert
    key: id
`;

const SYNCS = ['to_by_query_key', 'to_by_basic', 'to_by_bearer', 'to_by_user_info', 'to_hook'];

/** Refuses even rows with 422, echoing what it received; answers an id for the others. */
function echoApi(request: ReceivedRequest) {
  const id = Number((request.json as { id?: number } | undefined)?.id);
  if (id % 2 === 1) return { status: 201, body: { id: `r${id}` } };
  return {
    status: 422,
    body: {
      error: `row ${id} refused: ${request.method} ${request.url} authorization=${request.headers.authorization ?? '-'} body=${request.text}`,
      received: { url: request.url, authorization: request.headers.authorization ?? null, body: request.text },
    },
  };
}

let dir: string;
let api: Awaited<ReturnType<typeof startTestApi>>;
let env: NodeJS.ProcessEnv;
/** Everything a user or an attacker could read, by where it came from. */
const readable: Record<string, string | Uint8Array> = {};

async function sluice(args: string): Promise<CommandResult> {
  const result = await runCommand(`sluice --project ${dir} ${args}`, { cwd: dir, env });
  readable[`stdout of sluice ${args}`] = result.stdout;
  readable[`stderr of sluice ${args}`] = result.stderr;
  return result;
}

beforeAll(async () => {
  api = await startTestApi(echoApi);
  dir = await mkdtemp(join(tmpdir(), 'sluice-masking-'));
  const host = new URL(api.url).host;
  env = {
    ...process.env,
    SLUICE_SECRET_KEY: '',
    API_URL: api.url,
    API_KEY: SECRETS.apiKey,
    BASIC_PASSWORD: SECRETS.basicPassword,
    BEARER_TOKEN: SECRETS.bearerToken,
    USERINFO_URL: `http://svc-user:${USERINFO_PASSWORD_WRITTEN}@${host}`,
    WEBHOOK_URL: `${api.url}/${SECRETS.webhookPath.replace(/ /g, '%20')}`,
  };
  await writeFile(join(dir, 'echo.yaml'), CONNECTOR);
  await writeFile(join(dir, 'sluice.yaml'), PROJECT);
  const db = new Database(join(dir, 'model.db'));
  db.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, note TEXT)');
  for (let id = 1; id <= 4; id++) db.prepare('INSERT INTO notes VALUES (?, ?)').run(id, `note ${id}`);
  db.close();
});

afterAll(async () => {
  await api?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('no secret, in any form, reaches any output or file', () => {
  it('CLI: preview, run, run --json, runs --json, rejected (text and --json)', { timeout: 400_000 }, async () => {
    for (const sync of SYNCS) {
      await sluice(`sync preview ${sync} --json`);
      const run = await sluice(`sync run ${sync}`);
      expect(run.code, `${sync}: ${run.stderr}`).toBe(1); // the refused rows fail the run (max_failed_rows: 0)
      const again = await sluice(`sync run ${sync} --full --json`);
      expect(again.code).toBe(1);
      const runs = JSON.parse((await sluice(`sync runs ${sync} --json`)).stdout) as { runs: { status: string }[] };
      expect(runs.runs.map((r) => r.status)).toEqual(['failed', 'failed']);
      const rejected = JSON.parse((await sluice(`sync rejected ${sync} --json`)).stdout) as { rejected: { error: string }[] };
      expect(rejected.rejected.length).toBeGreaterThan(0);
      expect(rejected.rejected[0]!.error).toContain('refused');
      await sluice(`sync rejected ${sync}`);
    }
  });

  it('server: run records, rejected rows, the SSE stream of a run, connections and previews', async () => {
    // Server mode refuses loopback addresses unless the operator allows them (SSRF guard).
    const server: SluiceServer = await createServer({ project: dir, token: API_TOKEN, env: { ...env, SLUICE_ALLOWED_HOSTS: '127.0.0.1' } });
    try {
      await server.app.listen({ port: 0, host: '127.0.0.1' });
      const base = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
      const call = async (method: string, path: string, body?: unknown) => {
        const response = await fetch(base + path, {
          method,
          headers: { authorization: `Bearer ${API_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await response.text();
        readable[`${method} ${path}`] = text;
        return { status: response.status, json: JSON.parse(text) as any };
      };
      for (const sync of SYNCS) {
        await call('POST', `/api/syncs/${sync}/preview`, { limit: 4 });
        const started = await call('POST', `/api/syncs/${sync}/runs`, { full: true });
        expect(started.status).toBe(202);
        const runId = started.json.runId as string;
        const stream = await fetch(`${base}/api/runs/${runId}/events`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
        const events = await readSse(stream);
        readable[`SSE of ${sync}`] = JSON.stringify(events);
        expect(events.at(-1)!.event).toBe('done');
        const record = await call('GET', `/api/runs/${runId}`);
        expect(record.json.status).toBe('failed');
        const rejected = await call('GET', `/api/runs/${runId}/rejected`);
        expect(rejected.json.length).toBeGreaterThan(0);
        await call('GET', `/api/syncs/${sync}/rejected`);
        await call('GET', `/api/syncs/${sync}/runs`);
      }
      for (const connection of ['by_query_key', 'by_basic', 'by_bearer', 'by_user_info', 'hook']) await call('GET', `/api/connections/${connection}`);
    } finally {
      await server.close();
    }
  });

  it('the secrets really travelled: each credential reached the API as it should', () => {
    const received = api.requests;
    const query = received.map((r) => new URL(r.url, api.url).searchParams.get('api_key')).filter((k) => k !== null);
    expect(query.length).toBeGreaterThan(0);
    expect(new Set(query)).toEqual(new Set([SECRETS.apiKey]));
    const authorizations = new Set(received.map((r) => r.headers.authorization));
    expect(authorizations).toContain(`Basic ${Buffer.from(SECRETS.basicPair).toString('base64')}`);
    expect(authorizations).toContain(`Bearer ${SECRETS.bearerToken}`);
    expect(received.some((r) => decodeURIComponent(r.url) === `/${SECRETS.webhookPath}`)).toBe(true);
  });

  it('finds none of them in any output, answer, stream or file under .sluice/', async () => {
    const files = await filesUnder(join(dir, '.sluice'), dir);
    expect(Object.keys(files).length).toBeGreaterThan(0);
    const leaks = findLeaks({ ...readable, ...files }, SECRETS);
    expect(describeLeaks(leaks)).toEqual([]);
    // What the user sees instead: masks, and the webhook's scheme and host.
    const all = Object.values(readable).filter((t) => typeof t === 'string').join('\n');
    expect(all).toContain(`/items/2?api_key=****'`);
    expect(all).toContain("-H 'Authorization: Basic ****'");
    expect(all).toContain(`http://svc-user:****@${new URL(api.url).host}/items/2`);
    expect(all).toContain(`${api.url}/****`);
  });
});
