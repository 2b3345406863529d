// `sluice sync run NAME --baseline` (issue #19 point 5) through the CLI against the HubSpot simulator: a destination
// that already holds the records is adopted — remote ids found by the connector's lookup, every row recorded as
// delivered — with no write sent; afterwards a run sends only what changes, to the record the lookup found.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHubSpotSandbox, type HubSpotSandbox } from '../../sandbox/hubspot/hubspot-sandbox.js';
import { runSluiceInProcess } from '../support/capture.js';
import { sluiceYaml } from '../support/sluice-yaml.js';
import { writeSqlite } from '../support/sqlite-file.js';

const TOKEN = 'sandbox-private-app-token';
const CONTACTS = 1000;
const email = (i: number) => `person${String(i).padStart(4, '0')}@example.com`;

/**
 * The built-in HubSpot connector with a rate limit a loopback test can use (the shipped one keeps to a Free account's
 * 100 requests per 10 s), and an update by the kept remote id (PATCH /contacts/{id}) so a run shows which id it uses.
 */
async function hubspotById(dir: string): Promise<void> {
  const spec = await readFile(resolve(__dirname, '../../connectors/hubspot.yaml'), 'utf8');
  const limit = 'rate_limit: { requests_per_second: 9, concurrency: 4 }';
  expect(spec).toContain(limit);
  const byId = [
    '  update_contact:',
    '    operation: update',
    '    method: PATCH',
    '    path: "/crm/v3/objects/contacts/{{ record.id }}"',
    '    headers: { Content-Type: application/json }',
    "    body: '{ \"properties\": {{ row | json }} }'",
    'streams:',
  ].join('\n');
  await writeFile(join(dir, 'hubspot.yaml'), spec.replace(limit, 'rate_limit: { requests_per_second: 5000, concurrency: 8 }').replace(/^streams:$/m, byId));
}

const project = (more: string[] = []) =>
  sluiceYaml({
    connections: {
      model: '{ type: sqlite, path: model.db }',
      hubspot: ['type: http', 'connector: ./hubspot.yaml', 'base_url: "${env:BASELINE_HUBSPOT_URL}"', 'auth: { type: bearer, token: "${env:BASELINE_HUBSPOT_TOKEN}" }'],
    },
    syncs: {
      // No lookup named: the connector marks find_contact default, so an upsert asks it.
      contacts: { from: '{ connection: model, table: contacts }', to: '{ connection: hubspot, endpoints: { create: create_contacts, update: update_contact } }', mode: 'upsert', key: 'email', more },
    },
  });

interface Records {
  key: string;
  remoteId: string | null;
  status: string;
}

describe('sluice sync run --baseline against HubSpot', () => {
  let dir: string;
  let hubspot: HubSpotSandbox;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-baseline-'));
    await hubspotById(dir);
    await writeFile(join(dir, 'sluice.yaml'), project());
  });
  afterEach(async () => {
    delete process.env.BASELINE_HUBSPOT_URL;
    delete process.env.BASELINE_HUBSPOT_TOKEN;
    await hubspot.close();
    await rm(dir, { recursive: true, force: true });
  });

  const start = async (seeded: number) => {
    hubspot = await startHubSpotSandbox({
      rateLimit: { tenSecondly: 1_000_000 },
      seed: { contacts: Array.from({ length: seeded }, (_, i) => ({ email: email(i), firstname: `First ${i}`, lastname: `Last ${i}` })) },
    });
    process.env.BASELINE_HUBSPOT_URL = hubspot.url;
    process.env.BASELINE_HUBSPOT_TOKEN = TOKEN;
  };
  const source = (rows: unknown[][]) =>
    writeSqlite(join(dir, 'model.db'), 'CREATE TABLE contacts (email TEXT PRIMARY KEY, firstname TEXT, lastname TEXT)', { insert: 'INSERT INTO contacts VALUES (?, ?, ?)', values: rows });
  const sluice = async (...args: string[]) => {
    const out = await runSluiceInProcess(['--project', dir, ...args]);
    expect(out.out + out.err).not.toContain(TOKEN);
    return out;
  };
  const writes = () => hubspot.requests().filter((r) => r.method !== 'GET');
  const lookups = () => hubspot.requests().filter((r) => r.method === 'GET');
  const idOf = (address: string) => hubspot.state.contacts.find((c) => c.properties.email === address)!.id;
  const records = async () => JSON.parse((await sluice('--json', 'sync', 'records', 'contacts', '--limit', '5000')).out) as Records[];

  it(`adopts ${CONTACTS} existing contacts with their ids and no write; then one changed row is one update of its id`, async () => {
    await start(CONTACTS);
    source(Array.from({ length: CONTACTS }, (_, i) => [email(i), `First ${i}`, `Last ${i}`]));

    const preview = await sluice('--json', 'sync', 'preview', 'contacts', '--baseline', '--limit', '2');
    expect(preview.code, preview.err).toBe(0);
    const p = JSON.parse(preview.out) as { operations: Record<string, number>; baseline: { adopt: number; lookUp: number; lookup: string; keys: string[] }; requests: { operation: string; text: string }[] };
    expect(p.baseline).toEqual({ adopt: CONTACTS, lookUp: CONTACTS, lookup: 'find_contact', keys: [email(0), email(1)] });
    expect(p.operations).toEqual({ lookup: CONTACTS });
    expect(p.requests.map((r) => r.operation)).toEqual(['lookup', 'lookup']);
    expect(p.requests[0]!.text).toContain(`/crm/v3/objects/contacts/${encodeURIComponent(email(0))}?idProperty=email`);
    expect(hubspot.requests(), 'a preview sends nothing').toEqual([]);

    const baseline = await sluice('sync', 'run', 'contacts', '--baseline');
    expect(baseline.code, baseline.out + baseline.err).toBe(0);
    expect(baseline.out).toContain(`baseline contacts succeeded in `);
    expect(baseline.out).toContain(`read ${CONTACTS}: ${CONTACTS} to adopt, 0 already delivered`);
    expect(baseline.out).toContain(`adopted ${CONTACTS} as delivered, ${CONTACTS} remote ids found by find_contact`);
    expect(baseline.out).not.toContain('not found');
    expect(writes(), 'a baseline writes nothing').toEqual([]);
    expect(lookups()).toHaveLength(CONTACTS);
    expect(hubspot.state.contacts).toHaveLength(CONTACTS);

    // Every key is recorded as delivered with the id HubSpot gave that contact.
    const kept = await records();
    expect(kept).toHaveLength(CONTACTS);
    expect(kept.every((r) => r.status === 'delivered' && r.remoteId === idOf(r.key))).toBe(true);
    const runs = JSON.parse((await sluice('--json', 'sync', 'runs', 'contacts')).out) as { runs: { trigger: string; kind: string; counts: { planned: number; delivered: number; failed: number } }[] };
    expect(runs.runs[0]).toMatchObject({ kind: 'sync', trigger: 'cli:baseline', counts: { planned: CONTACTS, delivered: CONTACTS, failed: 0 } });
    expect((await sluice('sync', 'runs', 'contacts')).out.split('\n')[1]).toMatch(/^run_\S+\s+sync baseline\s+succeeded\s/);

    // Nothing changed: a run sends nothing, and asks nothing.
    const quiet = await sluice('sync', 'run', 'contacts');
    expect(quiet.code, quiet.out + quiet.err).toBe(0);
    expect(quiet.out).toContain(`planned 0: 0 added, 0 changed, 0 removed, ${CONTACTS} unchanged`);
    expect(hubspot.requests()).toHaveLength(CONTACTS);

    // One contact renamed in the model: one PATCH, to the id the baseline found, and no lookup.
    writeSqlite(join(dir, 'model.db'), `UPDATE contacts SET firstname = 'Renamed' WHERE email = '${email(500)}'`);
    const changed = await sluice('sync', 'run', 'contacts');
    expect(changed.code, changed.out + changed.err).toBe(0);
    expect(changed.out).toContain('delivered 1, failed 0');
    expect(hubspot.requests().slice(CONTACTS).map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([`PATCH /crm/v3/objects/contacts/${idOf(email(500))} 200`]);
    expect(hubspot.state.contacts.find((c) => c.id === idOf(email(500)))!.properties.firstname).toBe('Renamed');
    expect(hubspot.state.contacts).toHaveLength(CONTACTS);
  }, 120_000);

  it('leaves a row the lookup does not find for the next run to create, and keeps what was delivered before', async () => {
    await start(3);
    // person0003 and person0004 are not in HubSpot; a name made of a newline and an escape prints on one line.
    const hostile = 'x\n\u001b[31m@example.com';
    source([[email(0), 'First 0', 'Last 0'], [email(1), 'First 1', 'Last 1'], [email(2), 'First 2', 'Last 2'], [email(3), 'New', 'One'], [hostile, 'Odd', 'Key']]);

    const preview = await sluice('sync', 'preview', 'contacts', '--baseline');
    expect(preview.code, preview.err).toBe(0);
    expect(preview.out).toContain('baseline of sync contacts (mode upsert): 5 rows read');
    expect(preview.out).toContain('would adopt 5 as delivered, 0 already delivered; would send no write');
    expect(preview.out).toContain('would look up 5 remote ids with find_contact');
    expect(preview.out).toContain('x\\n\\u001b[31m@example.com');
    expect(preview.out, 'the key in a request heading too').not.toContain('\u001b');

    const baseline = await sluice('sync', 'run', 'contacts', '--baseline');
    expect(baseline.code, baseline.out + baseline.err).toBe(0);
    expect(baseline.out).toContain('adopted 3 as delivered, 3 remote ids found by find_contact');
    expect(baseline.out).toContain('not found 2, left for the next run to create: ');
    expect(baseline.out).toContain(email(3));
    expect(baseline.out).toContain('x\\n\\u001b[31m@example.com');
    expect(baseline.out).not.toContain('\u001b');
    expect(writes()).toEqual([]);
    expect((await records()).map((r) => r.key).sort()).toEqual([email(0), email(1), email(2)]);

    // The odd key leaves the model; the next run looks person0003 up again (still missing) and creates it, and leaves
    // the adopted three alone.
    writeSqlite(join(dir, 'model.db'), `DELETE FROM contacts WHERE firstname = 'Odd'`);
    const before = hubspot.requests().length;
    const next = await sluice('sync', 'run', 'contacts');
    expect(next.code, next.out + next.err).toBe(0);
    expect(next.out).toContain('planned 1: 1 added, 0 changed, 0 removed, 3 unchanged');
    expect(hubspot.requests().slice(before).map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      `GET /crm/v3/objects/contacts/${encodeURIComponent(email(3))} 404`,
      'POST /crm/v3/objects/contacts/batch/create 201',
    ]);
    expect(hubspot.state.contacts.map((c) => c.properties.email)).toEqual([email(0), email(1), email(2), email(3)]);

    // A second baseline has nothing left to adopt: every row is delivered in its current version.
    const again = await sluice('sync', 'run', 'contacts', '--baseline');
    expect(again.code, again.out + again.err).toBe(0);
    expect(again.out).toContain('read 4: 0 to adopt, 4 already delivered');
    expect(again.out).toContain('adopted 0 as delivered, 0 remote ids found by find_contact');
  }, 60_000);

  it('fails when a lookup is refused (not a 404), adopting nothing of that batch; a baseline again adopts all', async () => {
    await start(3);
    source([[email(0), 'First 0', 'Last 0'], [email(1), 'First 1', 'Last 1'], [email(2), 'First 2', 'Last 2']]);
    hubspot.faults({ status: 403, count: 1, path: `/crm/v3/objects/contacts/${encodeURIComponent(email(1))}` });
    const refused = await sluice('sync', 'run', 'contacts', '--baseline');
    expect(refused.code, refused.out + refused.err).toBe(1);
    expect(refused.out).toContain('baseline contacts failed');
    expect(refused.out).toContain('adopted 0 as delivered');
    expect(refused.out).toMatch(/error: .*403/);
    expect(await records()).toEqual([]);
    expect(writes()).toEqual([]);

    const again = await sluice('sync', 'run', 'contacts', '--baseline');
    expect(again.code, again.out + again.err).toBe(0);
    expect(again.out).toContain('adopted 3 as delivered, 3 remote ids found by find_contact');
  }, 60_000);

  it('refuses a baseline of an append sync, and --baseline with --full, before recording a run', async () => {
    await start(0);
    source([[email(0), 'First 0', 'Last 0']]);
    await writeFile(join(dir, 'sluice.yaml'), project().replace('mode: upsert', 'mode: append'));
    const append = await sluice('sync', 'run', 'contacts', '--baseline');
    expect(append.code).toBe(2);
    expect(append.err).toMatch(/sluice\.yaml:\d+:\d+: syncs\.contacts\.mode: sync "contacts" appends every row on every run and keeps no ledger: a baseline has nothing to adopt/);
    expect((await sluice('sync', 'preview', 'contacts', '--baseline')).code).toBe(2);
    const both = await sluice('sync', 'run', 'contacts', '--baseline', '--full');
    expect(both.code).toBe(2);
    expect(both.err).toContain('--baseline records what the destination already holds and --full sends every row again: give one of them');
    expect((await sluice('sync', 'runs', 'contacts')).out).toContain('no runs of contacts yet');
    expect(hubspot.requests()).toEqual([]);
  }, 60_000);
});
