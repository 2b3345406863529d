// The CLI end to end through Salesforce Bulk API 2.0 (the built-in connector against the simulator): a table of
// 2,500 Leads upserted by an ingest job, its three bad rows rejected with Salesforce's words, then every Lead read
// back by a query job into a table.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../sandbox/salesforce/salesforce-sandbox.js';
import { runSluiceInProcess } from '../support/capture.js';
import { sluiceYaml } from '../support/sluice-yaml.js';
import { querySqlite, writeSqlite } from '../support/sqlite-file.js';

const TOKEN = 'sandbox-session-token';

describe('sluice sync through Salesforce Bulk API 2.0', () => {
  let dir: string;
  let sf: SalesforceSandbox;
  const saved = { url: process.env.SALESFORCE_URL, token: process.env.SALESFORCE_TOKEN };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-sf-bulk-'));
    // Jobs are done at their first state read: the connector's 5 s poll interval is never waited for.
    sf = await startSalesforceSandbox({ bulkPolls: 0 });
    process.env.SALESFORCE_URL = sf.url;
    process.env.SALESFORCE_TOKEN = TOKEN;
    const bad = new Set([10, 1200, 2499]);
    writeSqlite(join(dir, 'model.db'), 'CREATE TABLE leads (External_Id__c TEXT PRIMARY KEY, LastName TEXT, Company TEXT, Email TEXT)', {
      insert: 'INSERT INTO leads VALUES (?, ?, ?, ?)',
      values: Array.from({ length: 2500 }, (_, i) => [`B${i}`, `Last ${i}`, bad.has(i) ? null : `Co ${i}`, `b${i}@example.com`]),
    });
    await writeFile(join(dir, 'sluice.yaml'), sluiceYaml({
      connections: {
        model: '{ type: sqlite, path: model.db }',
        salesforce: ['type: http', 'connector: salesforce', 'base_url: "${env:SALESFORCE_URL}"', 'auth: { type: bearer, token: "${env:SALESFORCE_TOKEN}" }'],
      },
      syncs: {
        leads_to_salesforce: {
          from: '{ connection: model, table: leads }',
          to: '{ connection: salesforce, endpoint: bulk_upsert_leads }',
          mode: 'upsert',
          key: 'External_Id__c',
          more: ['on_error: { max_failed_rows: 5 }'],
        },
        salesforce_to_model: {
          from: '{ connection: salesforce, stream: leads_bulk }',
          to: '{ connection: model, table: sf_leads }',
          mode: 'upsert',
          key: 'Id',
        },
      },
    }));
  });
  afterEach(async () => {
    process.env.SALESFORCE_URL = saved.url;
    process.env.SALESFORCE_TOKEN = saved.token;
    await sf.close();
    await rm(dir, { recursive: true, force: true });
  });

  const sluice = async (...args: string[]) => {
    const result = await runSluiceInProcess(['--project', dir, ...args]);
    expect(result.out + result.err).not.toContain(TOKEN);
    return result;
  };

  it('upserts 2,500 Leads in one ingest job, rejects the three without Company with sf__Error, and reads them all back by a query job', async () => {
    const run = await sluice('sync', 'run', 'leads_to_salesforce');
    expect(run.code, run.out + run.err).toBe(0);
    expect(run.out + run.err).toMatch(/delivered 2497, failed 3/);
    expect(sf.state.objects.Lead!.length).toBe(2497);
    const ingest = sf.requests().filter((r) => r.path.includes('/jobs/ingest')).map((r) => `${r.method} ${r.path.replace(/7505g\w+/, '<job>')}`);
    expect(ingest).toEqual([
      'POST /services/data/v59.0/jobs/ingest',
      'PUT /services/data/v59.0/jobs/ingest/<job>/batches',
      'PATCH /services/data/v59.0/jobs/ingest/<job>',
      'GET /services/data/v59.0/jobs/ingest/<job>',
      'GET /services/data/v59.0/jobs/ingest/<job>/successfulResults/',
      'GET /services/data/v59.0/jobs/ingest/<job>/failedResults/',
    ]);

    const rejected = await sluice('sync', 'rejected', 'leads_to_salesforce', '--format', 'json');
    expect(rejected.code, rejected.err).toBe(0);
    const rows = JSON.parse(rejected.out) as { key: string; error: string }[];
    expect(rows.map((r) => [r.key, r.error]).sort()).toEqual([
      ['B10', 'REQUIRED_FIELD_MISSING:Required fields are missing: [Company]:Company --'],
      ['B1200', 'REQUIRED_FIELD_MISSING:Required fields are missing: [Company]:Company --'],
      ['B2499', 'REQUIRED_FIELD_MISSING:Required fields are missing: [Company]:Company --'],
    ]);

    const read = await sluice('sync', 'run', 'salesforce_to_model');
    expect(read.code, read.out + read.err).toBe(0);
    const stored = querySqlite<{ Id: string; LastName: string }>(join(dir, 'model.db'), 'SELECT Id, LastName FROM sf_leads ORDER BY LastName');
    expect(stored.length).toBe(2497);
    const byId = new Map(sf.state.objects.Lead!.map((l) => [l.Id, l.LastName]));
    for (const s of stored) expect(byId.get(s.Id)).toBe(s.LastName);
  }, 120_000);
});
