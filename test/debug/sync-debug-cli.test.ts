// End to end, as a user runs it: a sync into the webhook sandbox with one row refused, then `sluice sync debug --key`
// and GET /api/syncs/:name/debug show the exact request each row was sent with and the sandbox's answer, with the API
// key (sent in the query string) and a partner key (in a header, the query and, base64, the body) kept nowhere.
import { readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookSandbox, type WebhookSandbox } from '../../sandbox/webhook/webhook-sandbox.js';
import type { SyncDebug } from '../../src/api/debug.js';
import { secretEncodings } from '../../src/log/secret-encodings.js';
import { createServer, type SluiceServer } from '../../src/server/create-server.js';
import { newExchangeIds } from '../../src/state/exchange-id.js';
import { openStateStore } from '../../src/state/open-state-store.js';
import { runSluiceInProcess } from '../support/capture.js';
import { writeSqlite } from '../support/sqlite-file.js';

const API_KEY = 'debug-api-key-5f1c9e7a2b';
const PARTNER_KEY = 'partner-key-8d3e6b0a41';
const API_TOKEN = 'debug-server-token-2c8f4a';
const BIG_NAME = 'x'.repeat(20_000);
const HOSTILE_KEY = `it's "7"\u001b[31m`;

const CONNECTOR = `name: crm
base_url: http://127.0.0.1:1
config:
  partner_key: { type: string, secret: true }
auth: [{ type: api_key, in: query, name: api_key }]
retry: { max_attempts: 1 }
error_message: "{{ response.body.error }}"
endpoints:
  create_customer:
    operation: create
    method: POST
    path: "/hooks/customers/{{ row.id }}"
    query: { partner: "{{ config.partner_key }}", source: sluice }
    headers: { X-Partner: "{{ config.partner_key }}" }
    body: '{ "id": {{ row.id | json }}, "name": {{ row.name | json }}, "sig": "{{ config.partner_key | base64 }}" }'
    response: { record_id: "{{ response.body.id }}" }
`;

const project = (debug: string) => `version: 1
connections:
  model: { type: sqlite, path: model.db }
  crm:
    type: http
    connector: ./crm.yaml
    base_url: "\${env:DEBUG_CRM_URL}"
    config: { partner_key: "\${env:DEBUG_PARTNER_KEY}" }
    auth: { type: api_key, key: "\${env:DEBUG_API_KEY}" }
syncs:
  customers:
    from: { connection: model, table: customers }
    to: { connection: crm, endpoint: create_customer }
    mode: insert
    key: id
    on_error: { max_failed_rows: 1 }
${debug}`;

const body = (id: string, name: string) => `{ "id": ${JSON.stringify(id)}, "name": ${JSON.stringify(name)}, "sig": "****" }`;

describe('sluice sync debug: the requests and responses behind a record', () => {
  let dir: string;
  let sink: WebhookSandbox;
  let first: { code: number; out: string; err: string };
  const sluice = (...args: string[]) => runSluiceInProcess(['--project', dir, ...args]);
  const debugJson = async (...args: string[]) => {
    const result = await sluice('--json', 'sync', 'debug', 'customers', ...args);
    return { ...result, debug: JSON.parse(result.out) as SyncDebug };
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-debug-'));
    sink = await startWebhookSandbox();
    process.env.DEBUG_CRM_URL = sink.url;
    process.env.DEBUG_API_KEY = API_KEY;
    process.env.DEBUG_PARTNER_KEY = PARTNER_KEY;
    process.env.SLUICE_SECRET_KEY = '';
    await writeFile(join(dir, 'crm.yaml'), CONNECTOR);
    await writeFile(join(dir, 'sluice.yaml'), project(''));
    writeSqlite(join(dir, 'model.db'), 'CREATE TABLE customers (id TEXT, name TEXT)', {
      insert: 'INSERT INTO customers VALUES (?, ?)',
      values: [['1', 'Ada'], ['2', 'Grace'], ['3', 'Linus'], ['4', BIG_NAME], [HOSTILE_KEY, 'Mallory']],
    });
    // The API refuses customer 2, and its answer echoes the partner key.
    sink.faults({ status: 422, count: 100, path: '/hooks/customers/2', body: { error: 'name is taken', echo: PARTNER_KEY } });
    first = await sluice('sync', 'run', 'customers');
  });
  afterAll(async () => {
    await sink?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs: four rows delivered, one refused, the API key sent in the query string', () => {
    expect(first.code, first.out + first.err).toBe(0);
    expect(first.out).toContain('delivered 4, failed 1');
    expect(sink.state.hooks.map((h) => h.query.api_key)).toEqual([API_KEY, API_KEY, API_KEY, API_KEY]);
  });

  it('shows the refused row: the exact request body and the sandbox error body', async () => {
    const { code, debug } = await debugJson('--key', '2');
    expect(code).toBe(0);
    expect(debug.exchanges).toHaveLength(1);
    const [e] = debug.exchanges;
    expect(e).toMatchObject({
      outcome: 'rejected',
      error: '422 Unprocessable Entity: name is taken',
      attempt: 1,
      operation: 'create',
      endpoint: 'create_customer',
      records: 1,
      method: 'POST',
      url: `${sink.url}/hooks/customers/2?partner=****&source=sluice`,
      requestBody: body('2', 'Grace'),
      auth: 'api_key',
      status: 422,
      responseBody: '{"error":"name is taken","echo":"****"}',
    });
    expect(e!.requestHeaders['X-Partner']).toBe('****');
    expect(e!.responseHeaders['content-type']).toMatch(/^application\/json/);

    const text = await sluice('sync', 'debug', 'customers', '--key', '2');
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/^run run_\S+ {2}\S+ {2}attempt 1 {2}rejected {2}\(create via create_customer\)$/m);
    expect(text.out).toContain('  error: 422 Unprocessable Entity: name is taken\n');
    expect(text.out).toContain(`  > POST ${sink.url}/hooks/customers/2?partner=****&source=sluice\n`);
    expect(text.out).toContain('  > X-Partner: ****\n');
    expect(text.out).toContain('  > (the api_key credential was added when sent, and is not kept)\n');
    expect(text.out).toContain(`  >\n  > ${body('2', 'Grace')}\n`);
    expect(text.out).toMatch(/^ {2}< 422 {2}\(\d+ ms\)$/m);
    expect(text.out).toContain('  <\n  < {"error":"name is taken","echo":"****"}\n');
    expect(text.out).toMatch(/1 exchange of key 2\n$/);
  });

  it('shows a delivered row with the answer it got', async () => {
    const { debug } = await debugJson('--key', '1');
    expect(debug.exchanges).toHaveLength(1);
    expect(debug.exchanges[0]).toMatchObject({ outcome: 'delivered', error: null, status: 200, requestBody: body('1', 'Ada') });
    expect(JSON.parse(debug.exchanges[0]!.responseBody!)).toMatchObject({ id: expect.any(String) });
  });

  it('cuts a body past 8 KiB and says so', async () => {
    const { debug } = await debugJson('--key', '4');
    const kept = debug.exchanges[0]!.requestBody!;
    const total = Buffer.byteLength(body('4', BIG_NAME));
    expect(kept).toBe(`${body('4', BIG_NAME).slice(0, 8192)}\n[cut by Sluice: 8192 of ${total} bytes kept]`);
  });

  it('keeps the API key and the partner key nowhere: not in the state files, not in any output', async () => {
    const debug = await sluice('--json', 'sync', 'debug', 'customers', '--key', '2');
    const text = await sluice('sync', 'debug', 'customers', '--key', '1');
    const state = readdirSync(join(dir, '.sluice')).filter((f) => f.startsWith('state.db')).map((f) => readFileSync(join(dir, '.sluice', f)).toString('latin1'));
    expect(state.join('')).toContain('name is taken');
    for (const secret of [API_KEY, PARTNER_KEY]) {
      for (const form of secretEncodings(secret)) {
        for (const where of [...state, debug.out, text.out, first.out, first.err]) expect(where).not.toContain(form);
      }
    }
  });

  it('handles a hostile key: a sent one is shown with its control characters escaped, a 10 KB one is refused cleanly', async () => {
    const { debug } = await debugJson('--key', HOSTILE_KEY);
    expect(debug.exchanges).toHaveLength(1);
    expect(debug.exchanges[0]!.outcome).toBe('delivered');
    const text = await sluice('sync', 'debug', 'customers', '--key', HOSTILE_KEY);
    expect(text.out).not.toContain('\u001b');
    expect(text.out).toContain(`of key it's "7"\\u001b[31m\n`);

    const long = `'"; DROP TABLE debug_pages; --${'q'.repeat(10_240)}`;
    const none = await sluice('sync', 'debug', 'customers', '--key', long);
    expect(none.code).toBe(1);
    expect(none.out).toBe('');
    expect(none.err).toBe(`sluice sync debug: sync customers has sent nothing for key ${long.slice(0, 100)}… (${long.length} characters): no run has planned it (see sluice sync records customers)\n`);
    const tooLong = await sluice('sync', 'debug', 'customers', '--key', 'k'.repeat(70_000));
    expect(tooLong.code).toBe(2);
    expect(tooLong.err).toBe('sluice sync debug: --key is longer than 65536 characters\n');
  });

  it('says clearly when the sync is unknown (exit 2) or the run has no exchange of the key (exit 1)', async () => {
    const unknown = await sluice('sync', 'debug', 'customerz', '--key', '1');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('unknown sync "customerz"');
    const otherRun = await sluice('sync', 'debug', 'customers', '--key', '1', '--run', 'run_19700101T000000.000Z_aaaaaa');
    expect(otherRun.code).toBe(1);
    expect(otherRun.err).toBe('sluice sync debug: no request for key 1 in run run_19700101T000000.000Z_aaaaaa is kept: requests are kept 7 days (debug.retention_days)\n');
    const badRun = await sluice('sync', 'debug', 'customers', '--key', '1', '--run', "x' OR 1=1");
    expect(badRun.code).toBe(2);
  });

  it('answers GET /api/syncs/:name/debug with the same exchanges, behind the token, and refuses hostile queries', async () => {
    const server: SluiceServer = await createServer({ project: dir, token: API_TOKEN, env: process.env });
    try {
      const get = (url: string, token = API_TOKEN) => server.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
      const ok = await get('/api/syncs/customers/debug?key=2');
      expect(ok.statusCode).toBe(200);
      const debug = ok.json() as SyncDebug;
      expect(debug).toMatchObject({ sync: 'customers', key: '2', retentionDays: 7, more: false, note: null });
      expect(debug.exchanges[0]).toMatchObject({ outcome: 'rejected', requestBody: body('2', 'Grace'), responseBody: '{"error":"name is taken","echo":"****"}' });
      expect(ok.body).not.toContain(PARTNER_KEY);
      expect(ok.body).not.toContain(API_KEY);
      expect((await get('/api/syncs/customers/debug?key=2', 'wrong-token')).statusCode).toBe(401);
      const hostile = await get(`/api/syncs/customers/debug?key=${encodeURIComponent(HOSTILE_KEY)}`);
      expect((hostile.json() as SyncDebug).exchanges).toHaveLength(1);
      const none = await get('/api/syncs/customers/debug?key=99');
      expect(none.json()).toMatchObject({ exchanges: [], note: 'sync customers has sent nothing for key 99: no run has planned it (see sluice sync records customers)' });
      expect((await get('/api/syncs/customers/debug')).statusCode).toBe(400);
      const tooLong = await get(`/api/syncs/customers/debug?key=${'k'.repeat(70_000)}`);
      expect(tooLong.statusCode).toBe(400);
      expect(tooLong.body.length).toBeLessThan(500);
      expect((await get("/api/syncs/customers/debug?key=1&run=x'%20OR%201=1")).statusCode).toBe(400);
      expect((await get('/api/syncs/nope/debug?key=1')).statusCode).toBe(404);
    } finally {
      await server.close();
    }
  });

  it('prunes exchanges past retention_days when a run starts, and forgets them all with 0', async () => {
    const store = await openStateStore({ state: join(dir, '.sluice'), projectDir: dir, env: {} });
    try {
      // An exchange of ten days ago, as an earlier run would have kept it.
      const tenDaysAgo = Date.now() - 10 * 86_400_000;
      const [kept] = (await store.listExchanges('customers', '1')).exchanges;
      await store.putExchanges('customers', [{ ...kept!, id: newExchangeIds(() => tenDaysAgo)(), runId: 'run_old', keys: [{ key: '1', outcome: 'delivered', error: null }] }]);
      expect((await store.listExchanges('customers', '1')).exchanges.map((e) => e.runId)).toContain('run_old');
    } finally {
      await store.close();
    }
    sink.clearFaults();
    const second = await sluice('sync', 'run', 'customers');
    expect(second.code, second.out + second.err).toBe(0);
    const after = (await debugJson('--key', '1')).debug.exchanges.map((e) => e.runId);
    expect(after).toHaveLength(1);
    expect(after).not.toContain('run_old');
    // Customer 2, refused the first time, is sent again and delivered: both exchanges kept, newest first.
    expect((await debugJson('--key', '2')).debug.exchanges.map((e) => e.outcome)).toEqual(['delivered', 'rejected']);

    await writeFile(join(dir, 'sluice.yaml'), project('    debug: { retention_days: 0 }\n'));
    const third = await sluice('sync', 'run', 'customers');
    expect(third.code, third.out + third.err).toBe(0);
    const off = await sluice('sync', 'debug', 'customers', '--key', '2');
    expect(off.code).toBe(1);
    expect(off.err).toBe('sluice sync debug: the debugger is off for sync customers (debug.retention_days: 0)\n');
  });
});
