// Mailchimp batch operations through the CLI: 1,200 members upserted by the built-in's upsert_members_batch, three
// batches of 500, 500 and 200 PUT operations, each polled until finished and its results read from the .tar.gz archive
// Mailchimp leaves on S3 (here a second loopback server, another origin). Two members refused with Mailchimp's words.
// Security: the archive is fetched with no Authorization (nor any connector header), and a results URL not marked
// external that points off the connection's origin is refused.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startMailchimpSandbox, subscriberHash, type MailchimpSandbox } from '../../sandbox/mailchimp/mailchimp-sandbox.js';
import { runSluiceInProcess } from '../support/capture.js';
import { sluiceYaml } from '../support/sluice-yaml.js';
import { writeSqlite } from '../support/sqlite-file.js';

const KEY = 'sandbox-key-us6';

describe('sluice sync run to Mailchimp batch operations', () => {
  let dir: string;
  let mailchimp: MailchimpSandbox;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-mailchimp-batch-'));
    mailchimp = await startMailchimpSandbox({
      mergeFields: { FNAME: {}, LNAME: {}, AGE: { type: 'number' } },
      seed: { members: [{ email_address: 'ada@example.com', status: 'unsubscribed', merge_fields: { FNAME: 'Ada (in Mailchimp)' } }] },
    });
    process.env.MAILCHIMP_BATCH_URL = mailchimp.url;
    process.env.MAILCHIMP_BATCH_KEY = KEY;
    const rows = Array.from({ length: 1200 }, (_, i) => [`sub${i}@example.com`, `First${i}`, `Last "${i}"`, String(20 + (i % 60))]);
    rows[0] = ['ada@example.com', 'Ada', 'Lovelace', '36'];
    rows[700] = ['bad@nowhere', 'Bad', 'Address', '30'];
    rows[1100] = ['old@example.com', 'Old', 'Timer', 'forty'];
    writeSqlite(join(dir, 'model.db'), 'CREATE TABLE subscribers (email_address TEXT PRIMARY KEY, FNAME TEXT, LNAME TEXT, AGE TEXT)', { insert: 'INSERT INTO subscribers VALUES (?, ?, ?, ?)', values: rows });
  });
  afterEach(async () => {
    delete process.env.MAILCHIMP_BATCH_URL;
    delete process.env.MAILCHIMP_BATCH_KEY;
    await mailchimp.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function project(connector: string): Promise<void> {
    await writeFile(
      join(dir, 'sluice.yaml'),
      sluiceYaml({
        connections: {
          model: '{ type: sqlite, path: model.db }',
          mailchimp: ['type: http', `connector: ${connector}`, 'base_url: "${env:MAILCHIMP_BATCH_URL}"', 'config: { dc: us6, list_id: sandbox-list }', 'auth: { type: basic, username: sluice, password: "${env:MAILCHIMP_BATCH_KEY}" }'],
        },
        syncs: {
          subscribers: { from: '{ connection: model, table: subscribers }', to: '{ connection: mailchimp, endpoint: upsert_members_batch }', mode: 'upsert', key: 'email_address', more: ['on_error: { max_failed_rows: 2 }'] },
        },
      }),
    );
  }
  const sluice = (...args: string[]) => runSluiceInProcess(['--project', dir, ...args]);

  it('upserts 1,200 members through three batches, results read from the archive, two refused with Mailchimp\'s words', async () => {
    await project('mailchimp');
    const run = await sluice('sync', 'run', 'subscribers');
    expect(run.code, run.out + run.err).toBe(0);
    expect(run.out + run.err).toContain('delivered 1198, failed 2');
    expect(run.out + run.err).not.toContain(KEY);
    expect(mailchimp.requests().filter((r) => r.method === 'POST' && r.path === '/3.0/batches')).toHaveLength(3);
    expect([...mailchimp.state.batches.values()].map((b) => b.operations.length).sort()).toEqual([200, 500, 500]);
    expect(mailchimp.state.members).toHaveLength(1198);
    const ada = mailchimp.state.members.find((m) => m.email_address === 'ada@example.com');
    expect(ada).toMatchObject({ status: 'unsubscribed', full_name: 'Ada Lovelace', merge_fields: { AGE: 36 } });
    expect(mailchimp.state.members.find((m) => m.email_address === 'sub5@example.com')).toMatchObject({ status: 'subscribed', merge_fields: { LNAME: 'Last "5"', AGE: 25 } });

    const rejected = await sluice('--json', 'sync', 'rejected', 'subscribers');
    const rows = (JSON.parse(rejected.out) as { rejected: { key: string; error: string }[] }).rejected;
    expect(rows.map((r) => [r.key, r.error]).sort()).toEqual([
      ['bad@nowhere', 'Invalid Resource: bad@nowhere looks fake or invalid, please enter a real email address.'],
      ['old@example.com', 'Invalid Resource: Your merge fields were invalid. Please enter a number for AGE.'],
    ]);

    // The archive was fetched from the object store once per batch, with none of the connection's credentials.
    const fetched = mailchimp.objectStore.requests();
    expect(fetched).toHaveLength(3);
    for (const r of fetched) {
      expect(r.status).toBe(200);
      expect(r.headers.authorization).toBeUndefined();
      expect(r.headers.cookie).toBeUndefined();
      expect(JSON.stringify(r.headers)).not.toContain(Buffer.from(`sluice:${KEY}`).toString('base64'));
    }
    // The remote id kept is the subscriber hash Mailchimp answered in each operation's response.
    const records = await sluice('--json', 'sync', 'records', 'subscribers', '--limit', '2000');
    expect(records.code, records.err).toBe(0);
    expect(records.out).toContain(subscriberHash('sub5@example.com'));

    // A second run sends only what changed, as one batch of one operation.
    writeSqlite(join(dir, 'model.db'), "UPDATE subscribers SET FNAME = 'Renamed' WHERE email_address = 'sub9@example.com'");
    const second = await sluice('sync', 'run', 'subscribers');
    expect(second.code, second.out + second.err).toBe(0);
    const batches = [...mailchimp.state.batches.values()];
    expect(batches.at(-1)!.operations.map((o) => o.operation_id).sort()).toEqual(['bad@nowhere', 'old@example.com', 'sub9@example.com']);
  }, 120_000);

  it('refuses a results URL off the connection\'s origin when the connector does not mark it external, and fetches nothing', async () => {
    const spec = (await readFile(join(process.cwd(), 'connectors', 'mailchimp.yaml'), 'utf8')).replace('          external: true               # S3, another host: fetched with no credential\n          archive: tar.gz', '          format: json');
    expect(spec).not.toContain('external: true');
    await writeFile(join(dir, 'mailchimp-local.yaml'), spec.replace('name: mailchimp', 'name: mailchimp-local'));
    await project('./mailchimp-local.yaml');
    await writeFile(join(dir, 'model.db'), '');
    writeSqlite(join(dir, 'model.db'), 'CREATE TABLE subscribers (email_address TEXT PRIMARY KEY, FNAME TEXT, LNAME TEXT, AGE TEXT); INSERT INTO subscribers VALUES (\'one@example.com\', \'One\', \'X\', \'1\')');
    const run = await sluice('sync', 'run', 'subscribers');
    expect(run.out + run.err).toContain(`the results URL is on ${mailchimp.objectStore.url}, not on the connection's origin ${mailchimp.url}; refused`);
    expect(run.out + run.err).not.toContain('X-Amz-Signature');
    expect(mailchimp.objectStore.requests()).toEqual([]);
  }, 60_000);
});
