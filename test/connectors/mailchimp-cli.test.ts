// The Mailchimp built-in, as shipped, through the CLI against the Mailchimp simulator: 1,200 subscribers upserted 500 a
// request (a member made in Mailchimp updated, an invalid email failed with Mailchimp's words), a few upserted one by
// one at their subscriber hash, and the audience read back incrementally.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startMailchimpSandbox, subscriberHash, type MailchimpSandbox } from '../../sandbox/mailchimp/mailchimp-sandbox.js';
import { runSluiceInProcess } from '../support/capture.js';
import { sluiceYaml } from '../support/sluice-yaml.js';
import { querySqlite, writeSqlite } from '../support/sqlite-file.js';

const KEY = 'sandbox-key-us6';

describe('sluice sync run to and from Mailchimp', () => {
  let dir: string;
  let mailchimp: MailchimpSandbox;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-mailchimp-'));
    mailchimp = await startMailchimpSandbox({ seed: { members: [{ email_address: 'ada@example.com', status: 'unsubscribed', merge_fields: { FNAME: 'Ada (in Mailchimp)' } }] } });
    process.env.MAILCHIMP_CLI_URL = mailchimp.url;
    process.env.MAILCHIMP_CLI_KEY = KEY;
    const rows = Array.from({ length: 1200 }, (_, i) => [`sub${i}@example.com`, `First${i}`, `Last${i}`]);
    rows[0] = ['ada@example.com', 'Ada', 'Lovelace'];
    rows[700] = ['bad@nowhere', 'Bad', 'Address'];
    writeSqlite(join(dir, 'model.db'), 'CREATE TABLE subscribers (email_address TEXT PRIMARY KEY, FNAME TEXT, LNAME TEXT)', { insert: 'INSERT INTO subscribers VALUES (?, ?, ?)', values: rows });
    await writeFile(
      join(dir, 'sluice.yaml'),
      sluiceYaml({
        connections: {
          model: '{ type: sqlite, path: model.db }',
          mailchimp: ['type: http', 'connector: mailchimp', 'base_url: "${env:MAILCHIMP_CLI_URL}"', 'config: { dc: us6, list_id: sandbox-list }', 'auth: { type: basic, username: sluice, password: "${env:MAILCHIMP_CLI_KEY}" }'],
        },
        syncs: {
          subscribers: { from: '{ connection: model, table: subscribers }', to: '{ connection: mailchimp, endpoint: upsert_members }', mode: 'upsert', key: 'email_address', more: ['on_error: { max_failed_rows: 1 }'] },
          vips: { from: '{ connection: model, sql: "SELECT email_address, FNAME FROM subscribers WHERE email_address IN (\'ada@example.com\', \'sub1@example.com\')" }', to: '{ connection: mailchimp, endpoint: upsert_member }', mode: 'upsert', key: 'email_address' },
          audience: { from: '{ connection: mailchimp, stream: members }', to: '{ connection: model, table: audience }', mode: 'upsert', key: 'id' },
        },
      }),
    );
  });
  afterEach(async () => {
    delete process.env.MAILCHIMP_CLI_URL;
    delete process.env.MAILCHIMP_CLI_KEY;
    await mailchimp.close();
    await rm(dir, { recursive: true, force: true });
  });

  const sluice = (...args: string[]) => runSluiceInProcess(['--project', dir, ...args]);

  it('upserts 1,200 members 500 a request, matching results by email, and fails the invalid address alone', async () => {
    const run = await sluice('sync', 'run', 'subscribers');
    expect(run.code, run.out + run.err).toBe(0);
    expect(run.out + run.err).toContain('delivered 1199, failed 1');
    expect(run.out + run.err).not.toContain(KEY);
    expect(mailchimp.requests().filter((r) => r.path === '/3.0/lists/sandbox-list')).toHaveLength(3);
    expect(mailchimp.state.members).toHaveLength(1199);
    // The member made in Mailchimp keeps its status (status_if_new applies to new members only) and gets the new names.
    expect(mailchimp.state.members[0]).toMatchObject({ email_address: 'ada@example.com', status: 'unsubscribed', full_name: 'Ada Lovelace' });
    const rejected = JSON.parse((await sluice('--json', 'sync', 'rejected', 'subscribers')).out) as { rejected: { key: string; error: string }[] };
    expect(rejected.rejected.map((r) => [r.key, r.error])).toEqual([['bad@nowhere', 'ERROR_GENERIC: bad@nowhere looks fake or invalid, please enter a real email address.']]);
    const records = JSON.parse((await sluice('--json', 'sync', 'records', 'subscribers', '--key', 'sub5@example.com')).out) as { remoteId: string }[];
    expect(records[0]!.remoteId).toBe(subscriberHash('sub5@example.com'));
  });

  it('upserts members one by one at their subscriber hash', async () => {
    const run = await sluice('sync', 'run', 'vips');
    expect(run.code, run.out + run.err).toBe(0);
    expect(mailchimp.requests().filter((r) => r.method === 'PUT').map((r) => r.path).sort()).toEqual(
      [`/3.0/lists/sandbox-list/members/${subscriberHash('ada@example.com')}`, `/3.0/lists/sandbox-list/members/${subscriberHash('sub1@example.com')}`].sort(),
    );
    expect(mailchimp.state.members.map((m) => [m.email_address, m.merge_fields.FNAME])).toEqual([['ada@example.com', 'Ada'], ['sub1@example.com', 'First1']]);
  });

  it('reads the audience 1,000 members a page, then only the members changed since', async () => {
    await sluice('sync', 'run', 'subscribers');
    const first = await sluice('sync', 'run', 'audience');
    expect(first.code, first.out + first.err).toBe(0);
    const count = () => querySqlite<{ n: number }>(join(dir, 'model.db'), 'SELECT count(*) AS n FROM audience')[0]!.n;
    expect(count()).toBe(1199);
    expect(mailchimp.requests().filter((r) => r.path === '/3.0/lists/sandbox-list/members')).toHaveLength(2);
    const second = await sluice('sync', 'run', 'audience');
    expect(second.code, second.out + second.err).toBe(0);
    expect(count()).toBe(1199);
  });
});
