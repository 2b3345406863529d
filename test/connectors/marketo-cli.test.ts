// The Marketo built-in, as shipped, through the CLI: leads from SQLite upserted into the Marketo simulator 300 a
// request with a token from its identity endpoint, a skipped lead failed with Marketo's reason, an expired token
// (602, answered with HTTP 200) renewed mid-run; a static list's leads read back over nextPageToken pages.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startMarketoSandbox, type MarketoSandbox } from '../../sandbox/marketo/marketo-sandbox.js';
import { runSluiceInProcess } from '../support/capture.js';
import { sluiceYaml } from '../support/sluice-yaml.js';
import { querySqlite, writeSqlite } from '../support/sqlite-file.js';

const SECRET = 'sandbox-secret-9f2c';

describe('sluice sync run to and from Marketo', () => {
  let dir: string;
  let marketo: MarketoSandbox;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-marketo-'));
    const listed = Array.from({ length: 450 }, (_, i) => ({ email: `listed${i}@example.com`, firstName: `L${i}` }));
    marketo = await startMarketoSandbox({
      clientSecret: SECRET,
      // A token serves one call, then answers 602 (HTTP 200): the run must renew it and send the call again.
      callsPerToken: 1,
      seed: { leads: [{ email: 'ada@example.com', firstName: 'Ada (in Marketo)' }, ...listed], lists: { '1001': listed.map((l) => l.email) } },
    });
    process.env.MARKETO_CLI_URL = marketo.url;
    process.env.MARKETO_CLI_SECRET = SECRET;
    const leads = Array.from({ length: 350 }, (_, i) => [`lead${i}@example.com`, `First${i}`, i === 123 ? 'high' : String(i % 100)]);
    leads[0] = ['ada@example.com', 'Ada', '99'];
    writeSqlite(join(dir, 'model.db'), 'CREATE TABLE leads (email TEXT PRIMARY KEY, firstName TEXT, leadScore TEXT)', { insert: 'INSERT INTO leads VALUES (?, ?, ?)', values: leads });
    await writeFile(
      join(dir, 'sluice.yaml'),
      sluiceYaml({
        connections: {
          model: '{ type: sqlite, path: model.db }',
          marketo: [
            'type: http',
            'connector: marketo',
            'config: { instance_url: "${env:MARKETO_CLI_URL}", list_id: 1001, fields: "email,firstName" }',
            'auth: { type: oauth2_client_credentials, client_id: sandbox-client, client_secret: "${env:MARKETO_CLI_SECRET}" }',
          ],
        },
        syncs: {
          leads: { from: '{ connection: model, table: leads }', to: '{ connection: marketo, endpoint: upsert_leads }', mode: 'upsert', key: 'email', more: ['on_error: { max_failed_rows: 1 }'] },
          listed: { from: '{ connection: marketo, stream: list_leads }', to: '{ connection: model, table: listed_leads }', mode: 'upsert', key: 'id' },
        },
      }),
    );
  });
  afterEach(async () => {
    delete process.env.MARKETO_CLI_URL;
    delete process.env.MARKETO_CLI_SECRET;
    await marketo.close();
    await rm(dir, { recursive: true, force: true });
  });

  const sluice = (...args: string[]) => runSluiceInProcess(['--project', dir, ...args]);

  it('pushes 350 leads in two calls, fails the skipped one with its reason, and renews a token that expires mid-run (602)', async () => {
    const first = await sluice('sync', 'run', 'leads');
    expect(first.code, first.out + first.err).toBe(0);
    expect(first.out + first.err).toContain('delivered 349, failed 1');
    expect(first.out + first.err).not.toContain(SECRET);
    // 300, then 50 answered 602 (the token served its one call), a new token, and the 50 again: the skipped lead fails
    // alone, its batch is not split.
    expect(marketo.requests().map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /identity/oauth/token',
      'POST /rest/v1/leads.json',
      'POST /rest/v1/leads.json',
      'POST /identity/oauth/token',
      'POST /rest/v1/leads.json',
    ]);
    const ada = marketo.state.leads.find((l) => l.fields.email === 'ada@example.com')!;
    expect([ada.id, ada.fields.firstName, ada.fields.leadScore]).toEqual([1001, 'Ada', 99]);
    expect(marketo.state.leads.some((l) => l.fields.email === 'lead123@example.com')).toBe(false);
    const rejected = JSON.parse((await sluice('--json', 'sync', 'rejected', 'leads')).out) as { rejected: { key: string; error: string }[] };
    expect(rejected.rejected.map((r) => [r.key, r.error])).toEqual([['lead123@example.com', "1003: Invalid value 'high'. Required of type 'integer' for field 'leadScore'"]]);

    writeSqlite(join(dir, 'model.db'), "UPDATE leads SET firstName = 'Renamed', leadScore = '5' WHERE email IN ('lead7@example.com', 'lead123@example.com')");
    const second = await sluice('sync', 'run', 'leads');
    expect(second.code, second.out + second.err).toBe(0);
    expect(second.out + second.err).toContain('delivered 2');
    expect(marketo.state.leads.find((l) => l.fields.email === 'lead7@example.com')!.fields.firstName).toBe('Renamed');
    expect(marketo.state.leads.find((l) => l.fields.email === 'lead123@example.com')!.fields.leadScore).toBe(5);
  });

  it('reads a static list of 450 leads over two pages into a table, renewing the token between them', async () => {
    const run = await sluice('sync', 'run', 'listed');
    expect(run.code, run.out + run.err).toBe(0);
    const rows = querySqlite<{ id: number; email: string; firstName: string }>(join(dir, 'model.db'), 'SELECT id, email, firstName FROM listed_leads ORDER BY id');
    expect(rows).toHaveLength(450);
    expect(rows[0]).toEqual({ id: 1002, email: 'listed0@example.com', firstName: 'L0' });
    // Page 2 is answered 602 (the token served its one call) and asked again with a new token and the same paging token.
    expect(marketo.requests().map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /identity/oauth/token',
      'GET /rest/v1/lists/1001/leads.json',
      'GET /rest/v1/lists/1001/leads.json',
      'POST /identity/oauth/token',
      'GET /rest/v1/lists/1001/leads.json',
    ]);
  });
});
