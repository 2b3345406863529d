// The Zendesk built-in, as shipped, through the CLI against the Zendesk simulator: 250 users written by three
// create_or_update_many jobs, each polled at job_statuses until completed and read user by user (a user made in Zendesk
// updated, an invalid email failed with Zendesk's details), then every user read back over cursor pages.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startZendeskSandbox, type ZendeskSandbox } from '../../sandbox/zendesk/zendesk-sandbox.js';
import { runSluiceInProcess } from '../support/capture.js';
import { sluiceYaml } from '../support/sluice-yaml.js';
import { querySqlite, writeSqlite } from '../support/sqlite-file.js';

const TOKEN = 'sandbox-zendesk-token';

describe('sluice sync run to and from Zendesk', () => {
  let dir: string;
  let zendesk: ZendeskSandbox;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-zendesk-'));
    zendesk = await startZendeskSandbox({ seed: { users: [{ name: 'Ada (in Zendesk)', email: 'ada@example.com' }] } });
    process.env.ZENDESK_CLI_URL = zendesk.url;
    process.env.ZENDESK_CLI_TOKEN = TOKEN;
    const rows = Array.from({ length: 250 }, (_, i) => [`user${i}@example.com`, `User ${i}`, i % 3 === 0 ? 'pro' : 'free']);
    rows[0] = ['ada@example.com', 'Ada Lovelace', 'pro'];
    rows[150] = ['not-an-email', 'Nobody', 'free'];
    writeSqlite(join(dir, 'model.db'), 'CREATE TABLE customers (email TEXT PRIMARY KEY, name TEXT, plan TEXT)', { insert: 'INSERT INTO customers VALUES (?, ?, ?)', values: rows });
    await writeFile(
      join(dir, 'sluice.yaml'),
      sluiceYaml({
        connections: {
          model: '{ type: sqlite, path: model.db }',
          zendesk: ['type: http', 'connector: zendesk', 'base_url: "${env:ZENDESK_CLI_URL}"', 'config: { subdomain: sandbox }', 'auth: { type: basic, username: agent@sandbox.example/token, password: "${env:ZENDESK_CLI_TOKEN}" }'],
        },
        syncs: {
          customers: { from: '{ connection: model, table: customers }', to: '{ connection: zendesk, endpoint: upsert_users }', mode: 'upsert', key: 'email', more: ['on_error: { max_failed_rows: 1 }'] },
          users: { from: '{ connection: zendesk, stream: users }', to: '{ connection: model, table: zendesk_users }', mode: 'upsert', key: 'id' },
        },
      }),
    );
  });
  afterEach(async () => {
    delete process.env.ZENDESK_CLI_URL;
    delete process.env.ZENDESK_CLI_TOKEN;
    await zendesk.close();
    await rm(dir, { recursive: true, force: true });
  });

  const sluice = (...args: string[]) => runSluiceInProcess(['--project', dir, ...args]);

  it('writes 250 users through three jobs, each user with its own result', async () => {
    const run = await sluice('sync', 'run', 'customers');
    expect(run.code, run.out + run.err).toBe(0);
    expect(run.out + run.err).toContain('delivered 249, failed 1');
    expect(run.out + run.err).not.toContain(TOKEN);
    expect(zendesk.state.jobs.map((j) => j.users.length).sort((a, b) => a - b)).toEqual([50, 100, 100]);
    expect(zendesk.state.jobs.every((j) => j.polls === 2)).toBe(true);
    expect(zendesk.state.users).toHaveLength(249);
    expect(zendesk.state.users[0]).toMatchObject({ email: 'ada@example.com', name: 'Ada Lovelace', user_fields: { plan: 'pro' } });
    const rejected = JSON.parse((await sluice('--json', 'sync', 'rejected', 'customers')).out) as { rejected: { key: string; error: string }[] };
    expect(rejected.rejected.map((r) => [r.key, r.error])).toEqual([['not-an-email', 'InvalidFormat: Email: not-an-email is not properly formatted']]);
    const kept = JSON.parse((await sluice('--json', 'sync', 'records', 'customers', '--key', 'user7@example.com')).out) as { remoteId: string }[];
    expect(kept[0]!.remoteId).toBe(String(zendesk.state.users.find((u) => u.email === 'user7@example.com')!.id));
  });

  it('reads every user over cursor pages of 100 into a table', async () => {
    await sluice('sync', 'run', 'customers');
    const run = await sluice('sync', 'run', 'users');
    expect(run.code, run.out + run.err).toBe(0);
    const rows = querySqlite<{ id: number; email: string }>(join(dir, 'model.db'), 'SELECT id, email FROM zendesk_users ORDER BY id');
    expect(rows).toHaveLength(249);
    expect(rows[0]!.email).toBe('ada@example.com');
    expect(zendesk.requests().filter((r) => r.path === '/api/v2/users.json')).toHaveLength(3);
  });
});
