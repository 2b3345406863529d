// `sluice validate` on a sync's `fields:` rules: each mistake with its file, line and key, as the user reads it.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubSpotSandbox, type HubSpotSandbox } from '../../sandbox/hubspot/hubspot-sandbox.js';
import { runCommand } from '../examples/run-command.js';
import { sluiceYaml } from '../support/sluice-yaml.js';
import { writeSqlite } from '../support/sqlite-file.js';

/** contacts (email, phone, lead_source) → HubSpot contacts by email, with `fields` on line 20 and its rules after it. */
const project = (fields: string[], to = '{ connection: hubspot, endpoint: upsert_contacts }') =>
  sluiceYaml({
    connections: {
      model: '{ type: sqlite, path: model.db }',
      hubspot: ['type: http', 'connector: hubspot', 'base_url: "${env:HUBSPOT_URL}"', 'auth: { type: bearer, token: sandbox-private-app-token }'],
      people: ['type: http', 'connector: ./people.yaml', 'base_url: "${env:HUBSPOT_URL}"', 'auth: { type: bearer, token: sandbox-private-app-token }'],
    },
    syncs: { contacts: { from: '{ connection: model, table: contacts }', to, mode: 'upsert', key: 'email', more: ['fields:', ...fields.map((f) => `  ${f}`)] } },
  });

/** A connector whose update body names row.phone, and whose create body names row.lead_source. */
const PEOPLE = `name: people
base_url: http://127.0.0.1:1
auth: [{ type: bearer }]
test: { path: /account-info/v3/details }
endpoints:
  add_person: { operation: create, method: POST, path: /people, body: '{ "email": {{ row.email | json }}, "source": {{ row.lead_source | json }} }' }
  edit_person: { operation: update, method: PATCH, path: "/people/{{ record.id }}", body: '{ "phone": {{ row.phone | json }} }' }
`;

describe('sluice validate on field rules', () => {
  let dir: string;
  let hubspot: HubSpotSandbox;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-field-rules-validate-'));
    hubspot = await startHubSpotSandbox();
    writeSqlite(join(dir, 'model.db'), 'CREATE TABLE contacts (email TEXT PRIMARY KEY, phone TEXT, lead_source TEXT)');
    await writeFile(join(dir, 'people.yaml'), PEOPLE);
  });
  afterAll(async () => {
    await hubspot.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** What `sluice validate [--deep]` prints for this sluice.yaml, exit code first. */
  async function validate(yaml: string, deep = false): Promise<string[]> {
    await writeFile(join(dir, 'sluice.yaml'), yaml);
    const out = await runCommand(`sluice --project ${dir} validate${deep ? ' --deep' : ''}`, { cwd: dir, env: { ...process.env, HUBSPOT_URL: hubspot.url, SLUICE_SECRET_KEY: '' } });
    return [String(out.code), ...out.stdout.trim().split('\n')];
  }

  it('refuses an unknown rule key, a value with skip_null, a rule on the key, __proto__, a long name and an object value, each at its line', async () => {
    expect(await validate(project(['phone: { skipnull: true }']))).toEqual(['2', 'sluice.yaml:21:16: syncs.contacts.fields.phone.skipnull: unknown key "skipnull" (did you mean "skip_null"?)']);
    expect(await validate(project(['phone: { value: null, skip_null: true }']))).toEqual(['2', 'sluice.yaml:21:7: syncs.contacts.fields.phone: give value or skip_null, not both (a constant is never null)']);
    expect(await validate(project(['email: { on: create }']))).toEqual([
      '2',
      'sluice.yaml:21:7: syncs.contacts.fields.email: sync contacts: "email" is the sync\'s key, which every write carries as it is: it cannot have on: create',
    ]);
    expect(await validate(project(['__proto__: { value: x }', 'phone: { skip_null: true }']))).toEqual([
      '2',
      'sluice.yaml:21:7: syncs.contacts.fields.__proto__: sync contacts: "__proto__" cannot be a field name',
    ]);
    // (YAML itself refuses a plain key past 1,024 characters: the 10,000-character name is in src/rows/field-rules.test.ts.)
    expect(await validate(project([`${'f'.repeat(300)}: { skip_null: true }`]))).toEqual([
      '2',
      `sluice.yaml:21:7: syncs.contacts.fields.${'f'.repeat(300)}: invalid key: too big: expected string to have <=255 characters`,
    ]);
    expect(await validate(project(['owner: { value: { $ne: 1 } }']))).toEqual(['2', 'sluice.yaml:21:23: syncs.contacts.fields.owner.value: expected a string, a number, a boolean or an empty value, got a mapping']);
  }, 60_000);

  it('refuses skip_null and on: create on a table, which sets every column', async () => {
    const yaml = project(['phone: { skip_null: true }', 'owner: { value: sluice }'], '{ connection: model, table: contacts_copy }');
    expect(await validate(yaml)).toEqual([
      '2',
      'sluice.yaml:21:7: syncs.contacts.fields.phone: sync contacts: skip_null and on: create leave a field out of what an endpoint is sent; a table write sets every column (use them with an endpoint, or value)',
    ]);
  }, 60_000);

  it('--deep: a rule naming no field of the rows, with the nearest name, and a template naming a field a rule leaves out', async () => {
    expect(await validate(project(['phnoe: { skip_null: true }', 'owner: { value: sluice }']), true)).toEqual([
      '2',
      'sluice.yaml:21:7: syncs.contacts.fields.phnoe: sync contacts: a rule for "phnoe", which is not a field of its rows (did you mean "phone"?) (the rows have email, phone, lead_source; a rule names a field after mapping, or sets one with value)',
    ]);
    const people = project(['phone: { skip_null: true }', 'lead_source: { on: create }'], '{ connection: people, endpoints: { create: add_person, update: edit_person } }');
    const found = await validate(people, true);
    expect(found[0]).toBe('2');
    expect(found.slice(1)).toEqual([
      expect.stringMatching(/people\.yaml:7:\d+: endpoints\.edit_person\.body: sync contacts: row\.phone names "phone", which fields\.phone\.skip_null \(skip_null\) leaves out of some rows/),
    ]);
    expect(await validate(project(['phone: { value: "n/a" }', 'lead_source: { on: create }'], '{ connection: people, endpoints: { create: add_person, update: edit_person } }'), true)).toEqual([
      '0',
      'ok: 3 connections, 1 sync, 0 pipelines; reached 3 connections, checked the columns of 1 sync',
    ]);
  }, 60_000);
});
