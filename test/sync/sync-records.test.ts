// End to end: after a run against the webhook sandbox with one row rejected, `sluice sync records` (the built CLI)
// and `GET /api/syncs/:name/records` show what Sluice keeps per key: the remote ids the API gave back, the failure.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookSandbox, type WebhookSandbox } from '../../sandbox/webhook/webhook-sandbox.js';
import { createServer, type SluiceServer } from '../../src/server/create-server.js';
import { runCommand } from '../examples/run-command.js';
import { writeSqlite } from '../support/sqlite-file.js';
import { crmConnector, crmProject, CUSTOMERS_SYNC } from './crm-project.js';

const CONNECTOR = crmConnector({ retry: '{ max_attempts: 1 }' });
const PROJECT = crmProject({ customers: CUSTOMERS_SYNC, customers_log: { from: CUSTOMERS_SYNC.from, to: CUSTOMERS_SYNC.to, mode: 'append' } });

const TOKEN = 'crm-secret-token-5d1e0b';
const API_TOKEN = 'records-api-token-77e2a9';
const LONG_ERROR = 'score out of range for customer 2: the allowed range is 0 to 100, and this value is far beyond it';
const ISO = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g;

describe('sluice sync records', () => {
  let dir: string;
  let sink: WebhookSandbox;
  let server: SluiceServer;
  /** The id the sandbox gave each delivered customer. */
  let idOf: (customer: number) => string;
  let run: Awaited<ReturnType<typeof runCommand>>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-records-'));
    sink = await startWebhookSandbox({ auth: { bearer: TOKEN } });
    await writeFile(join(dir, 'crm.yaml'), CONNECTOR);
    await writeFile(join(dir, 'sluice.yaml'), PROJECT);
    writeSqlite(join(dir, 'model.db'), "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers VALUES (1, 'Ada'), (2, 'Grace'), (3, 'Linus')");
    sink.faults({ status: 422, count: 100, path: '/hooks/customers/2', body: { error: LONG_ERROR } });
    run = await sluice('sync run customers');
    idOf = (customer) => sink.state.hooks.find((h) => h.path === `/hooks/customers/${customer}`)!.id;
    server = await createServer({ project: dir, token: API_TOKEN, env: { ...process.env, CRM_URL: sink.url, CRM_TOKEN: TOKEN, SLUICE_SECRET_KEY: '' } });
  });
  afterAll(async () => {
    await server?.close();
    await sink.close();
    await rm(dir, { recursive: true, force: true });
  });

  const sluice = (line: string) =>
    runCommand(`sluice --project ${dir} ${line}`, { cwd: dir, env: { ...process.env, CRM_URL: sink.url, CRM_TOKEN: TOKEN, SLUICE_SECRET_KEY: '' } });
  const api = async (url: string, token = API_TOKEN) => {
    const response = await server.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
    return { status: response.statusCode, json: response.json() as unknown, body: response.body };
  };
  const expected = () => [
    { key: '1', remoteId: idOf(1), status: 'delivered', lastDeliveredAt: expect.stringMatching(ISO), lastError: null, runId: expect.any(String), updatedAt: expect.stringMatching(ISO) },
    { key: '2', remoteId: null, status: 'failed', lastDeliveredAt: null, lastError: `422 Unprocessable Entity: ${LONG_ERROR}`, runId: expect.any(String), updatedAt: expect.stringMatching(ISO) },
    { key: '3', remoteId: idOf(3), status: 'delivered', lastDeliveredAt: expect.stringMatching(ISO), lastError: null, runId: expect.any(String), updatedAt: expect.stringMatching(ISO) },
  ];

  it('lists every key in aligned columns, with the remote ids the API returned and the rejected row cut to one line', async () => {
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(sink.state.hooks.map((h) => h.path).sort()).toEqual(['/hooks/customers/1', '/hooks/customers/3']);
    const out = await sluice('sync records customers');
    expect(out.code, out.stderr).toBe(0);
    const [id1, id3] = [idOf(1), idOf(3)];
    const t = 'YYYY-MM-DDTHH:MM:SS.mmmZ';
    const pad = (s: string) => s.padEnd(9);
    expect(out.stdout.replace(ISO, t)).toBe(
      [
        `KEY  ${pad('REMOTE ID')}  STATUS     LAST DELIVERED            LAST ERROR`,
        `1    ${pad(id1)}  delivered  ${t}`,
        `2    ${pad('-')}  failed     -                         ${`422 Unprocessable Entity: ${LONG_ERROR}`.slice(0, 79)}…`,
        `3    ${pad(id3)}  delivered  ${t}`,
        '3 records',
        '',
      ].join('\n'),
    );
    expect(out.stdout + out.stderr).not.toContain(TOKEN);
  });

  it('--json is an array of objects; --status failed shows the rejected one with its whole error; --key finds one', async () => {
    const json = await sluice('sync records customers --json');
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual(expected());

    const failed = await sluice('sync records customers --status failed --json');
    expect(JSON.parse(failed.stdout)).toEqual([expected()[1]]);
    const failedTable = await sluice('sync records customers --status failed');
    expect(failedTable.stdout.split('\n')).toEqual([
      'KEY  REMOTE ID  STATUS  LAST DELIVERED  LAST ERROR',
      `2    -          failed  -               ${`422 Unprocessable Entity: ${LONG_ERROR}`.slice(0, 79)}…`,
      '1 record',
      '',
    ]);

    const one = await sluice('sync records customers --key 3');
    expect(one.code).toBe(0);
    expect(one.stdout.split('\n').slice(1)).toEqual([expect.stringMatching(new RegExp(`^3 +${idOf(3)} +delivered +`)), '1 record', '']);
    expect(await sluice('sync records customers --key 42')).toMatchObject({ code: 0, stdout: 'no records of customers with key 42\n' });
    expect(await sluice('sync records customers_log')).toMatchObject({ code: 0, stdout: 'no records of customers_log: mode append keeps none\n' });

    const limited = await sluice('sync records customers --limit 2');
    expect(limited.stdout).toContain('2 records shown; more are kept (raise --limit, or narrow with --key or --status)\n');
  });

  it('exits 2 for an unknown sync, suggesting the nearest name, and for an unknown status', async () => {
    const unknown = await sluice('sync records custmers');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown sync "custmers" (did you mean "customers"?)');
    const status = await sluice('sync records customers --status rejected');
    expect(status.code).toBe(2);
    expect(status.stderr).toContain('error: --status expects failed or delivered, got "rejected"');
  });

  it('GET /api/syncs/:name/records answers the same, filters and pages by key, for an operator token too', async () => {
    expect(await api('/api/syncs/customers/records')).toMatchObject({ status: 200, json: expected() });
    expect((await api('/api/syncs/customers/records?status=failed')).json).toEqual([expected()[1]]);
    expect((await api('/api/syncs/customers/records?key=3')).json).toEqual([expected()[2]]);
    expect((await api('/api/syncs/customers/records?limit=1')).json).toEqual([expected()[0]]);
    expect((await api('/api/syncs/customers/records?limit=1&after=1')).json).toEqual([expected()[1]]);
    expect((await api('/api/syncs/customers/records?after=3')).json).toEqual([]);
    expect((await api('/api/syncs/customers/records', server.operatorToken.token)).status).toBe(200);

    expect(await api('/api/syncs/custmers/records')).toMatchObject({ status: 404, json: { error: expect.stringContaining('no sync named "custmers" (did you mean "customers"?)') } });
    expect(await api('/api/syncs/customers/records?status=rejected')).toMatchObject({ status: 400, json: { error: expect.stringMatching(/^query\.status: /) } });
    expect(await api('/api/syncs/customers/records?limit=0')).toMatchObject({ status: 400 });
    expect((await api('/api/syncs/customers/records')).body).not.toContain(TOKEN);
  });
});
