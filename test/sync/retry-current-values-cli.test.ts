// `sluice sync rejected NAME --retry` (issue #19 point 7) through the CLI against the HubSpot simulator: rows HubSpot
// refused, fixed in the model, are retried with their current values; a key gone from the model leaves the rejected
// list with a line naming it; `--as-rejected` replays the stored payload (and HubSpot refuses it again).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHubSpotSandbox, type HubSpotSandbox } from '../../sandbox/hubspot/hubspot-sandbox.js';
import { runSluiceInProcess } from '../support/capture.js';
import { sluiceYaml } from '../support/sluice-yaml.js';
import { writeSqlite } from '../support/sqlite-file.js';

const TOKEN = 'sandbox-private-app-token';

describe('sluice sync rejected --retry against HubSpot', () => {
  let dir: string;
  let hubspot: HubSpotSandbox;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-retry-current-'));
    hubspot = await startHubSpotSandbox();
    process.env.RETRY_HUBSPOT_URL = hubspot.url;
    process.env.RETRY_HUBSPOT_TOKEN = TOKEN;
    await writeFile(
      join(dir, 'sluice.yaml'),
      sluiceYaml({
        connections: {
          model: '{ type: sqlite, path: model.db }',
          hubspot: ['type: http', 'connector: hubspot', 'base_url: "${env:RETRY_HUBSPOT_URL}"', 'auth: { type: bearer, token: "${env:RETRY_HUBSPOT_TOKEN}" }'],
        },
        syncs: {
          contacts: { from: '{ connection: model, table: contacts }', to: '{ connection: hubspot, endpoint: upsert_contacts }', mode: 'upsert', key: 'email', more: ['on_error: { max_failed_rows: 10 }'] },
        },
      }),
    );
    // HubSpot refuses a lifecycle stage that is not one of its options: bob's, cat's and dan's.
    writeSqlite(join(dir, 'model.db'), 'CREATE TABLE contacts (email TEXT PRIMARY KEY, firstname TEXT, lifecyclestage TEXT)', {
      insert: 'INSERT INTO contacts VALUES (?, ?, ?)',
      values: [
        ['ann@example.com', 'Ann', 'lead'],
        ['bob@example.com', 'Bob', 'hot'],
        ['cat@example.com', 'Cat', 'warm'],
        ['dan@example.com', 'Dan', 'hot'],
      ],
    });
  });
  afterEach(async () => {
    delete process.env.RETRY_HUBSPOT_URL;
    delete process.env.RETRY_HUBSPOT_TOKEN;
    await hubspot.close();
    await rm(dir, { recursive: true, force: true });
  });

  const sluice = async (...args: string[]) => {
    const out = await runSluiceInProcess(['--project', dir, ...args]);
    expect(out.out + out.err).not.toContain(TOKEN);
    return out;
  };
  const stage = (email: string) => hubspot.state.contacts.find((c) => c.properties.email === email)?.properties.lifecyclestage;
  const rejectedKeys = async () =>
    ((JSON.parse((await sluice('--json', 'sync', 'rejected', 'contacts')).out) as { rejected: { key: string }[] }).rejected).map((r) => r.key).sort();

  it('sends the fixed values, drops the key gone from the model with a line naming it, and replays the old payload with --as-rejected', async () => {
    const first = await sluice('sync', 'run', 'contacts');
    expect(first.out).toContain('delivered 1, failed 3');
    expect(await rejectedKeys()).toEqual(['bob@example.com', 'cat@example.com', 'dan@example.com']);

    // Bob and Dan are fixed in the model; Cat is deleted from it.
    writeSqlite(join(dir, 'model.db'), `UPDATE contacts SET lifecyclestage = 'customer' WHERE email IN ('bob@example.com', 'dan@example.com'); DELETE FROM contacts WHERE email = 'cat@example.com'`);

    // --as-rejected sends what was refused, as it was: HubSpot refuses it again, and the model's fix is not sent.
    // (Within on_error.max_failed_rows, a retry that fails rows again still succeeds.)
    const replay = await sluice('sync', 'rejected', 'contacts', '--retry', '--as-rejected');
    expect(replay.code, replay.out + replay.err).toBe(0);
    expect(replay.out).toContain('delivered 0, failed 3');
    expect(replay.out).toContain('hot was not one of the allowed options');
    expect(stage('bob@example.com')).toBeUndefined();

    const retry = await sluice('sync', 'rejected', 'contacts', '--retry');
    expect(retry.code, retry.out + retry.err).toBe(0);
    expect(retry.out).toContain('1 rejected keys are no longer in the source: dropped from the rejected list (cat@example.com)');
    expect(retry.out).toContain('delivered 2, failed 0');
    expect(stage('bob@example.com')).toBe('customer');
    expect(stage('dan@example.com')).toBe('customer');
    expect(hubspot.state.contacts.map((c) => c.properties.email)).not.toContain('cat@example.com');
    expect(await rejectedKeys()).toEqual([]);
    // What was retried is what the ledger keeps: the next run has nothing to send.
    expect((await sluice('sync', 'run', 'contacts')).out).toContain('planned 0: 0 added, 0 changed, 0 removed, 3 unchanged');
  }, 60_000);

  it('names the first ten dropped keys in --json and counts them all', async () => {
    writeSqlite(join(dir, 'model.db'), `DELETE FROM contacts; ${Array.from({ length: 12 }, (_, i) => `INSERT INTO contacts VALUES ('p${String(i).padStart(2, '0')}@example.com', 'P', 'hot');`).join(' ')}`);
    const many = await sluice('sync', 'run', 'contacts');
    // (One batch: the twelve fail together, past on_error.max_failed_rows.)
    expect(many.out, many.out + many.err).toContain('delivered 0, failed 12');
    writeSqlite(join(dir, 'model.db'), 'DELETE FROM contacts');
    const retry = await sluice('--json', 'sync', 'rejected', 'contacts', '--retry');
    const json = JSON.parse(retry.out) as { dropped: number; droppedKeys: string[] };
    expect(retry.code, retry.out + retry.err).toBe(0);
    expect(json.dropped).toBe(12);
    expect(json.droppedKeys).toEqual(Array.from({ length: 10 }, (_, i) => `p${String(i).padStart(2, '0')}@example.com`));
    const text = await sluice('sync', 'rejected', 'contacts', '--retry');
    expect(text.out).not.toContain('no longer in the source');
    expect(await rejectedKeys()).toEqual([]);
  }, 60_000);
});
