// What a mirror does with a record gone from the source (`on_delete`, DESIGN §7), through the built CLI against the
// Salesforce simulator: the Leads it holds after each run, and the requests it answered.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../sandbox/salesforce/salesforce-sandbox.js';
import { runCommand } from '../examples/run-command.js';
import { sluiceYaml } from '../support/sluice-yaml.js';
import { writeSqlite } from '../support/sqlite-file.js';

const TOKEN = 'sandbox-session-token';

/**
 * leads → Salesforce Leads, created then updated by the id kept (update_created_lead); LastName and Company are
 * required by Salesforce, so they are written on create only and a clear leaves them as they are.
 */
const project = (onDelete: string, endpoints = '{ create: create_lead, update: update_created_lead }') =>
  sluiceYaml({
    connections: {
      model: '{ type: sqlite, path: model.db }',
      salesforce: ['type: http', 'connector: salesforce', 'base_url: "${env:SALESFORCE_URL}"', 'auth: { type: bearer, token: "${env:SALESFORCE_TOKEN}" }'],
    },
    syncs: {
      leads: {
        from: '{ connection: model, table: leads }',
        to: `{ connection: salesforce, endpoints: ${endpoints} }`,
        mode: 'mirror',
        key: 'External_Id__c',
        more: [`on_delete: ${onDelete}`, 'fields: { LastName: { on: create }, Company: { on: create } }'],
      },
    },
  });

interface Preview {
  counts: { removed: number };
  operations: Record<string, number>;
  requests: { operation: string; keys: string[]; text: string }[];
}

describe('on_delete in a mirror to Salesforce', () => {
  let dir: string;
  let salesforce: SalesforceSandbox;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-on-delete-'));
    salesforce = await startSalesforceSandbox();
    writeSqlite(join(dir, 'model.db'), 'CREATE TABLE leads (External_Id__c TEXT PRIMARY KEY, LastName TEXT, Company TEXT, Email TEXT, LeadScore__c REAL)', {
      insert: 'INSERT INTO leads VALUES (?, ?, ?, ?, ?)',
      values: [
        ['L1', 'One', 'Acme', 'one@acme.test', 10],
        ['L2', 'Two', 'Acme', 'two@acme.test', 20],
      ],
    });
  });
  afterEach(async () => {
    await salesforce.close();
    await rm(dir, { recursive: true, force: true });
  });

  const sluice = (args: string) =>
    runCommand(`sluice --project ${dir} ${args}`, { cwd: dir, env: { ...process.env, SALESFORCE_URL: salesforce.url, SALESFORCE_TOKEN: TOKEN, SLUICE_SECRET_KEY: '' } });
  const run = async () => {
    const out = await sluice('sync run leads');
    expect(out.stdout + out.stderr).not.toContain(TOKEN);
    expect(out.code, out.stdout + out.stderr).toBe(0);
    return out.stdout + out.stderr;
  };
  const lead = (id: string) => {
    const found = salesforce.state.objects.Lead!.find((l) => l.External_Id__c === id);
    if (!found) return undefined;
    const { LastName, Company, Email, LeadScore__c } = found;
    return { LastName, Company, Email, LeadScore__c };
  };
  const writes = () => salesforce.requests().filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path.replace(/Lead\/\w+$/, 'Lead/<id>')}`);

  /** Creates L1 and L2, then takes L2 out of the source. */
  async function deliverThenRemoveL2(): Promise<void> {
    await run();
    expect(writes()).toEqual(['POST /services/data/v59.0/sobjects/Lead', 'POST /services/data/v59.0/sobjects/Lead']);
    writeSqlite(join(dir, 'model.db'), "DELETE FROM leads WHERE External_Id__c = 'L2'");
  }

  it('clear: the removed Lead stays, with its mapped fields null (the create-only ones kept); the next run sends nothing', async () => {
    await writeFile(join(dir, 'sluice.yaml'), project('clear'));
    // Mirror needs no delete endpoint when removals are cleared.
    expect((await sluice('validate')).stdout).toContain('ok: 2 connections, 1 sync');
    await deliverThenRemoveL2();

    const preview = JSON.parse((await sluice('sync preview leads --json')).stdout) as Preview;
    expect(preview.counts.removed).toBe(1);
    expect(preview.operations).toEqual({ update: 1 });
    expect(preview.requests.map((r) => [r.operation, r.keys])).toEqual([['update', ['L2']]]);
    expect(preview.requests[0]!.text).toContain(`--data-raw '{"External_Id__c":"L2","Email":null,"LeadScore__c":null}'`);

    expect(await run()).toContain('1 removed');
    expect(lead('L2')).toEqual({ LastName: 'Two', Company: 'Acme', Email: null, LeadScore__c: null });
    expect(lead('L1')).toEqual({ LastName: 'One', Company: 'Acme', Email: 'one@acme.test', LeadScore__c: 10 });
    expect(writes().slice(2)).toEqual(['PATCH /services/data/v59.0/sobjects/Lead/<id>']);

    // The key left the ledger with the clear: nothing more is sent for it.
    await run();
    expect(writes()).toHaveLength(3);
    expect((await sluice('sync records leads --json')).stdout).not.toContain('L2');
  }, 60_000);

  it('ignore: the removed Lead is left untouched, and neither this run nor the next sends anything for it', async () => {
    await writeFile(join(dir, 'sluice.yaml'), project('ignore'));
    await deliverThenRemoveL2();
    const preview = JSON.parse((await sluice('sync preview leads --json')).stdout) as Preview;
    expect(preview.counts.removed).toBe(1);
    expect(preview.operations).toEqual({});
    expect(preview.requests).toEqual([]);

    expect(await run()).toContain('1 removed');
    expect(lead('L2')).toEqual({ LastName: 'Two', Company: 'Acme', Email: 'two@acme.test', LeadScore__c: 20 });
    expect(writes()).toHaveLength(2);
    expect(await run()).toContain('0 removed');
    expect(writes()).toHaveLength(2);
    expect(lead('L2')).toEqual({ LastName: 'Two', Company: 'Acme', Email: 'two@acme.test', LeadScore__c: 20 });
  }, 60_000);

  it('validate: clear without an update endpoint, delete without a delete endpoint, and on_delete outside mirror are errors naming the sync', async () => {
    await writeFile(join(dir, 'sluice.yaml'), project('clear', '{ create: create_lead }'));
    const clear = await sluice('validate');
    expect(clear.code).toBe(2);
    expect(clear.stdout).toContain(
      'sluice.yaml:12:35: syncs.leads.to.endpoints: sync leads: on_delete: clear sends the update endpoint with the fields null; mode mirror with it needs endpoints that create and update: { create: ..., update: ... } or { upsert: ..., update: ... }',
    );

    await writeFile(join(dir, 'sluice.yaml'), project('delete'));
    expect((await sluice('validate')).stdout).toContain('syncs.leads.to.endpoints: mode mirror needs endpoints that create, update and delete');

    await writeFile(join(dir, 'sluice.yaml'), project('ignore').replace('mode: mirror', 'mode: upsert'));
    expect((await sluice('validate')).stdout).toContain(
      'sluice.yaml:15:16: syncs.leads.on_delete: sync leads: on_delete says what mode mirror does with a record gone from the source; mode upsert never removes records (remove on_delete, or use mode: mirror)',
    );
  }, 60_000);
});
