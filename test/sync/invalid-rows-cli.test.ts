// End to end, as a user runs it: the built CLI against the webhook sandbox. Rows caught before sending (a NULL key, a
// body that is not JSON once rendered) are counted as invalid, apart from the row the API refused, in the summary,
// --json, the run record, GET /api/runs/:id and `sluice sync rejected`; on_error.max_invalid_rows bounds them.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookSandbox, type WebhookSandbox } from '../../sandbox/webhook/webhook-sandbox.js';
import { createServer, type SluiceServer } from '../../src/server/create-server.js';
import type { RejectedRow, RunRecord } from '../../src/state/state-store.js';
import { runCommand } from '../examples/run-command.js';
import { writeSqlite } from '../support/sqlite-file.js';
import { crmConnector, crmProject, CUSTOMERS_SYNC } from './crm-project.js';

const TOKEN = 'crm-secret-token-3b7c1f';
const API_TOKEN = 'invalid-rows-api-token-9a4e2d';
// The body places each score bare, as a number: customer 3's is text, so its body is not JSON once rendered.
const BODY = `'{ "id": {{ row.id | json }}, "name": "{{ row.name }}", "score": {{ row.score }} }'`;
// Customer 2 is refused by the API; customer 3's body is not JSON; the fourth row has no key.
const ROWS = `CREATE TABLE customers (id INTEGER, name TEXT, score);
  INSERT INTO customers VALUES (1, 'Ada', 10), (2, 'Grace', 20), (3, 'Linus', 'high'), (NULL, 'Nobody', 40), (5, 'Edsger', 50)`;
const PROJECT = crmProject({
  customers: { ...CUSTOMERS_SYNC, more: ['on_error: { max_failed_rows: 1, max_invalid_rows: 2 }'] },
  customers_strict: { ...CUSTOMERS_SYNC, more: ['on_error: { max_failed_rows: 1, max_invalid_rows: 1 }'] },
});

describe('invalid rows, counted apart from rejected ones', () => {
  let dir: string;
  let sink: WebhookSandbox;
  let server: SluiceServer;
  let run: Awaited<ReturnType<typeof runCommand>>;

  const env = () => ({ ...process.env, CRM_URL: sink.url, CRM_TOKEN: TOKEN, SLUICE_SECRET_KEY: '' });
  const sluice = (line: string) => runCommand(`sluice --project ${dir} ${line}`, { cwd: dir, env: env() });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-invalid-'));
    sink = await startWebhookSandbox({ auth: { bearer: TOKEN } });
    await writeFile(join(dir, 'crm.yaml'), crmConnector({ retry: '{ max_attempts: 1 }', body: BODY }));
    await writeFile(join(dir, 'sluice.yaml'), PROJECT);
    writeSqlite(join(dir, 'model.db'), ROWS);
    sink.faults({ status: 422, count: 100, path: '/hooks/customers/2', body: { error: 'name is taken' } });
    run = await sluice('sync run customers --json');
    server = await createServer({ project: dir, token: API_TOKEN, env: env() });
  });
  afterAll(async () => {
    await server?.close();
    await sink?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('delivers the good rows, and the summary says 1 failed and 2 invalid', async () => {
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(sink.state.hooks.map((h) => h.path).sort()).toEqual(['/hooks/customers/1', '/hooks/customers/5']);
    expect(sink.state.hooks.some((h) => h.path === '/hooks/customers/3')).toBe(false);
    // The same rows through a sync that allows 1 invalid row: delivered as well, and the run fails naming the bound.
    const text = await sluice('sync run customers_strict');
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('  delivered 2, failed 1, invalid 2\n');
    expect(text.stdout).toContain('  error: 2 of 5 rows invalid (on_error.max_invalid_rows: 1)\n');
  });

  it('keeps the same counts in --json, the run record and GET /api/runs/:id', async () => {
    const json = JSON.parse(run.stdout) as { ok: boolean; run: RunRecord };
    expect(json.ok).toBe(true);
    expect(json.run.counts).toMatchObject({ planned: 5, delivered: 2, failed: 1, invalid: 2 });
    const runs = JSON.parse((await sluice('sync runs customers --json')).stdout) as { runs: RunRecord[] } | RunRecord[];
    const records = Array.isArray(runs) ? runs : runs.runs;
    expect(records.find((r) => r.id === json.run.id)?.counts).toEqual(json.run.counts);
    // The text listing gains an INVALID column once a run has invalid rows.
    const table = (await sluice('sync runs customers')).stdout.split('\n');
    expect(table[0]).toMatch(/^RUN +KIND +STATUS +STARTED +TOOK +PLANNED +DELIVERED +FAILED +INVALID +ERROR$/);
    expect(table.find((l) => l.startsWith(json.run.id))).toMatch(/ 5 +2 +1 +2( {2}|$)/);
    const response = await server.app.inject({ method: 'GET', url: `/api/runs/${json.run.id}`, headers: { authorization: `Bearer ${API_TOKEN}` } });
    expect(response.statusCode).toBe(200);
    expect((response.json() as RunRecord).counts).toEqual({ planned: 5, added: 4, changed: 0, removed: 0, unchanged: 0, delivered: 2, failed: 1, invalid: 2 });
  });

  it('fails the next run past on_error.max_invalid_rows too, in --json', async () => {
    // (Customers 1 and 5 were delivered by the run before: 3 rows are planned again, 2 of them invalid.)
    const strict = await sluice('sync run customers_strict --json');
    expect(strict.code).toBe(1);
    const json = JSON.parse(strict.stdout) as { ok: boolean; run: RunRecord };
    expect(json.run).toMatchObject({ status: 'failed', error: '2 of 3 rows invalid (on_error.max_invalid_rows: 1)' });
    expect(json.run.counts).toMatchObject({ failed: 1, invalid: 2 });
  });

  it('lists each rejected row with its kind, in text and --json', async () => {
    const listed = JSON.parse((await sluice('sync rejected customers --json')).stdout) as { rejected: RejectedRow[] };
    const kinds = listed.rejected.map((r) => [r.row.name, r.kind, r.operation]).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    expect(kinds).toEqual([
      ['Grace', 'rejected', 'create'],
      ['Linus', 'invalid', 'create'],
      ['Nobody', 'invalid', 'plan'],
    ]);
    expect(listed.rejected.find((r) => r.row.name === 'Grace')!.error).toBe('422 Unprocessable Entity: name is taken');
    const text = (await sluice('sync rejected customers')).stdout;
    expect(text).toMatch(/^2 {2}rejected {2}create {2}run /m);
    expect(text).toMatch(/^3 {2}invalid {2}create {2}run /m);
    expect(text).toContain('3 rejected row(s)');
  });
});
