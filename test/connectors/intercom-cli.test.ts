// The Intercom built-in, as shipped, through the CLI: users from SQLite upserted into the Intercom simulator (a contact
// made in Intercom is found by email and updated, not duplicated; the rest created), then every contact read back
// into SQLite through the contacts stream's cursor pages.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startIntercomSandbox, type IntercomSandbox } from '../../sandbox/intercom/intercom-sandbox.js';
import { runSluiceInProcess } from '../support/capture.js';
import { sluiceYaml } from '../support/sluice-yaml.js';
import { querySqlite, writeSqlite } from '../support/sqlite-file.js';

const TOKEN = 'sandbox-intercom-token';

describe('sluice sync run to and from Intercom', () => {
  let dir: string;
  let intercom: IntercomSandbox;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-intercom-'));
    const earlier = Array.from({ length: 200 }, (_, i) => ({ email: `earlier${i}@example.com`, role: 'lead' }));
    intercom = await startIntercomSandbox({ seed: { contacts: [{ email: 'ada@example.com', name: 'Ada (made in Intercom)' }, ...earlier] } });
    process.env.INTERCOM_CLI_URL = intercom.url;
    process.env.INTERCOM_CLI_TOKEN = TOKEN;
    writeSqlite(join(dir, 'model.db'), 'CREATE TABLE users (email TEXT PRIMARY KEY, name TEXT, plan TEXT)', {
      insert: 'INSERT INTO users VALUES (?, ?, ?)',
      values: [
        ['ada@example.com', 'Ada Lovelace', 'pro'],
        ['alan@example.com', 'Alan Turing', 'free'],
        ['not-an-email', 'Nobody', 'free'],
      ],
    });
    await writeFile(
      join(dir, 'sluice.yaml'),
      sluiceYaml({
        connections: {
          model: '{ type: sqlite, path: model.db }',
          intercom: ['type: http', 'connector: intercom', 'base_url: "${env:INTERCOM_CLI_URL}"', 'auth: { type: bearer, token: "${env:INTERCOM_CLI_TOKEN}" }'],
        },
        syncs: {
          users: {
            from: '{ connection: model, table: users }',
            to: '{ connection: intercom, endpoints: { create: create_contact, update: update_contact, lookup: find_contact_by_email } }',
            mode: 'upsert',
            key: 'email',
            more: ['on_error: { max_failed_rows: 1 }'],
          },
          contacts: { from: '{ connection: intercom, stream: contacts }', to: '{ connection: model, table: intercom_contacts }', mode: 'upsert', key: 'id' },
        },
      }),
    );
  });
  afterEach(async () => {
    delete process.env.INTERCOM_CLI_URL;
    delete process.env.INTERCOM_CLI_TOKEN;
    await intercom.close();
    await rm(dir, { recursive: true, force: true });
  });

  const sluice = (...args: string[]) => runSluiceInProcess(['--project', dir, ...args]);

  it('updates the contact found by email, creates the new one, fails the invalid one with Intercom\'s message', async () => {
    const run = await sluice('sync', 'run', 'users');
    expect(run.code, run.out + run.err).toBe(0);
    expect(run.out + run.err).toContain('delivered 2, failed 1');
    expect(run.out + run.err).not.toContain(TOKEN);
    const users = intercom.state.contacts.filter((c) => c.role === 'user');
    expect(users.map((c) => [c.email, c.name, c.custom_attributes.plan])).toEqual([
      ['ada@example.com', 'Ada Lovelace', 'pro'],
      ['alan@example.com', 'Alan Turing', 'free'],
    ]);
    expect(intercom.state.versions.every((v) => v === '2.11')).toBe(true);
    const rejected = JSON.parse((await sluice('--json', 'sync', 'rejected', 'users')).out) as { rejected: { key: string; error: string }[] };
    expect(rejected.rejected.map((r) => [r.key, r.error])).toEqual([['not-an-email', '400 Bad Request: parameter_invalid: Email address is invalid']]);
  });

  it('reads every contact over two cursor pages of 150 into a table', async () => {
    const run = await sluice('sync', 'run', 'contacts');
    expect(run.code, run.out + run.err).toBe(0);
    const rows = querySqlite<{ id: string; email: string }>(join(dir, 'model.db'), 'SELECT id, email FROM intercom_contacts');
    expect(rows).toHaveLength(201);
    expect(new Set(rows.map((r) => r.id))).toEqual(new Set(intercom.state.contacts.map((c) => c.id)));
    expect(intercom.requests().filter((r) => r.path === '/contacts' && r.method === 'GET')).toHaveLength(2);
  });
});
