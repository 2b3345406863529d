// Per-field write rules (`fields:`, DESIGN §7) through the built CLI against the HubSpot simulator: what the
// contacts hold after each run, not what Sluice says it sent.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHubSpotSandbox, type HubSpotSandbox } from '../../sandbox/hubspot/hubspot-sandbox.js';
import { runCommand } from '../examples/run-command.js';
import { sluiceYaml } from '../support/sluice-yaml.js';
import { writeSqlite } from '../support/sqlite-file.js';

const TOKEN = 'sandbox-private-app-token';

/** contacts → HubSpot by email, with the three kinds of rule. */
const project = (to: string) =>
  sluiceYaml({
    connections: {
      model: '{ type: sqlite, path: model.db }',
      hubspot: ['type: http', 'connector: hubspot', 'base_url: "${env:HUBSPOT_URL}"', 'auth: { type: bearer, token: "${env:HUBSPOT_TOKEN}" }'],
    },
    syncs: {
      contacts: {
        from: '{ connection: model, table: contacts }',
        to,
        mode: 'upsert',
        key: 'email',
        more: ['fields:', '  phone: { skip_null: true }', '  lead_source: { on: create }', '  owner: { value: sluice }'],
      },
    },
  });

interface Preview {
  operations: Record<string, number>;
  requests: { operation: string; keys: string[]; text: string }[];
}

describe('field rules in a sync to HubSpot', () => {
  let dir: string;
  let hubspot: HubSpotSandbox;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-field-rules-'));
    // Ann was entered in HubSpot by hand, with a phone and where she came from.
    hubspot = await startHubSpotSandbox({
      properties: ['lead_source', 'owner'],
      seed: { contacts: [{ email: 'ann@example.com', firstname: 'Ann', phone: '555-0100', lead_source: 'trade show' }] },
    });
    writeSqlite(join(dir, 'model.db'), 'CREATE TABLE contacts (email TEXT PRIMARY KEY, firstname TEXT, phone TEXT, lead_source TEXT)', {
      insert: 'INSERT INTO contacts VALUES (?, ?, ?, ?)',
      values: [
        ['ann@example.com', 'Ann B.', null, 'webinar'],
        ['bob@example.com', 'Bob', '555-0199', 'webinar'],
      ],
    });
  });
  afterEach(async () => {
    await hubspot.close();
    await rm(dir, { recursive: true, force: true });
  });

  const sluice = (args: string) =>
    runCommand(`sluice --project ${dir} ${args}`, { cwd: dir, env: { ...process.env, HUBSPOT_URL: hubspot.url, HUBSPOT_TOKEN: TOKEN, SLUICE_SECRET_KEY: '' } });
  const contact = (email: string) => {
    const found = hubspot.state.contacts.find((c) => c.properties.email === email);
    if (!found) throw new Error(`no contact ${email} in the sandbox`);
    const { firstname, phone, lead_source, owner } = found.properties;
    return { firstname, phone, lead_source, owner };
  };
  const run = async () => {
    const out = await sluice('sync run contacts');
    expect(out.stdout + out.stderr).not.toContain(TOKEN);
    expect(out.code, out.stdout + out.stderr).toBe(0);
    return out;
  };
  const setSource = (sql: string) => writeSqlite(join(dir, 'model.db'), sql);

  it('through the native upsert: a null phone keeps HubSpot\'s, a constant arrives, a create-only field is not sent again once delivered', async () => {
    await writeFile(join(dir, 'sluice.yaml'), project('{ connection: hubspot, endpoint: upsert_contacts }'));
    expect((await sluice('validate')).stdout).toContain('ok: 2 connections, 1 sync');
    await run();
    // The upsert cannot tell a new contact from one HubSpot already has: a key Sluice never delivered gets its
    // create-only field (Ann's lead_source is overwritten: the sync's description of on: create says so).
    expect(contact('ann@example.com')).toEqual({ firstname: 'Ann B.', phone: '555-0100', lead_source: 'webinar', owner: 'sluice' });
    expect(contact('bob@example.com')).toEqual({ firstname: 'Bob', phone: '555-0199', lead_source: 'webinar', owner: 'sluice' });

    // Bob is renamed and his lead_source changes: the update leaves lead_source out, HubSpot keeps the first one.
    setSource("UPDATE contacts SET firstname = 'Bobby', lead_source = 'ads' WHERE email = 'bob@example.com'");
    const preview = JSON.parse((await sluice('sync preview contacts --json')).stdout) as Preview;
    expect(preview.operations).toEqual({ upsert: 1 });
    expect(preview.requests[0]!.text).toContain('"properties": {"email":"bob@example.com","firstname":"Bobby","phone":"555-0199","owner":"sluice"}');
    await run();
    expect(contact('bob@example.com')).toEqual({ firstname: 'Bobby', phone: '555-0199', lead_source: 'webinar', owner: 'sluice' });
    expect(contact('ann@example.com')).toEqual({ firstname: 'Ann B.', phone: '555-0100', lead_source: 'webinar', owner: 'sluice' });

    // Bob's phone goes null: the update omits it, and HubSpot keeps the number.
    setSource("UPDATE contacts SET phone = NULL, firstname = 'Robert' WHERE email = 'bob@example.com'");
    await run();
    expect(contact('bob@example.com')).toEqual({ firstname: 'Robert', phone: '555-0199', lead_source: 'webinar', owner: 'sluice' });
  }, 60_000);

  it('through create and update endpoints: a contact made outside Sluice is looked up and updated without its create-only field', async () => {
    await writeFile(join(dir, 'sluice.yaml'), project('{ connection: hubspot, endpoints: { create: create_contacts, update: update_contacts } }'));
    await run();
    expect(contact('ann@example.com')).toEqual({ firstname: 'Ann B.', phone: '555-0100', lead_source: 'trade show', owner: 'sluice' });
    expect(contact('bob@example.com')).toEqual({ firstname: 'Bob', phone: '555-0199', lead_source: 'webinar', owner: 'sluice' });
    const writes = hubspot.requests().filter((r) => r.method === 'POST').map((r) => r.path);
    expect(writes.sort()).toEqual(['/crm/v3/objects/contacts/batch/create', '/crm/v3/objects/contacts/batch/update']);

    setSource("UPDATE contacts SET firstname = 'Bobby', lead_source = 'ads'");
    await run();
    expect(contact('bob@example.com')).toEqual({ firstname: 'Bobby', phone: '555-0199', lead_source: 'webinar', owner: 'sluice' });
    expect(contact('ann@example.com').lead_source).toBe('trade show');
  }, 60_000);

  it('a change in a create-only field alone sends nothing: it is not part of the fingerprint', async () => {
    await writeFile(join(dir, 'sluice.yaml'), project('{ connection: hubspot, endpoint: upsert_contacts }'));
    await run();
    const sent = hubspot.requests().length;
    setSource("UPDATE contacts SET lead_source = 'ads'");
    expect(await run()).toMatchObject({ stdout: expect.stringContaining('0 changed') });
    expect(hubspot.requests()).toHaveLength(sent);
    expect(contact('bob@example.com').lead_source).toBe('webinar');
  }, 60_000);
});
