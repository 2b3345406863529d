// Salesforce Bulk API 2.0 through the built-in connector and the Salesforce simulator on loopback: a query job of
// 100,000 Leads read page by page (Sforce-Locator), ingest jobs upserting thousands of Leads with per-row results
// (sf__Error as Salesforce words it), a job failed as a whole split until its bad row stands alone, and poll timeouts.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../sandbox/salesforce/salesforce-sandbox.js';
import type { ConnectorSpec } from '../../src/config/connector-schema.js';
import { readConnectorSpec } from '../../src/config/load-connector-spec.js';
import { packageRoot } from '../../src/config/package-root.js';
import { connectionSchema } from '../../src/config/project-schema.js';
import { openHttpConnection, type HttpConnection, type HttpConnectionConfig } from '../../src/connectors/open-http-connection.js';
import { createHttpDestination } from '../../src/destinations/http-destination.js';
import { Redactor } from '../../src/log/redactor.js';
import type { DeliveryItem } from '../../src/rows/delivery-item.js';
import type { Row } from '../../src/rows/row.js';
import { createHttpStreamSource } from '../../src/sources/http-stream-source.js';
import type { StateStore } from '../../src/state/state-store.js';
import { deliverItems } from '../../src/sync/deliver-items.js';

const TOKEN = 'sandbox-session-token';
const v = '/services/data/v59.0';

/** The built-in spec, its poll interval (5 s) shortened to keep the test quick; `tweak` changes more. */
async function salesforceSpec(tweak: (spec: ConnectorSpec) => void = () => {}): Promise<ConnectorSpec> {
  const { connector, issues } = await readConnectorSpec(join(packageRoot(), 'connectors', 'salesforce.yaml'));
  expect(issues).toEqual([]);
  const spec = structuredClone(connector!.spec);
  spec.streams.leads_bulk!.job!.poll.interval_ms = 20;
  spec.endpoints.bulk_upsert_leads!.job!.poll.interval_ms = 20;
  tweak(spec);
  return spec;
}

async function connect(sf: SalesforceSandbox, spec: ConnectorSpec, config: Record<string, string | number> = {}): Promise<HttpConnection> {
  const connection = connectionSchema.parse({ type: 'http', connector: 'salesforce', base_url: sf.url, config, auth: { type: 'bearer', token: TOKEN } }) as HttpConnectionConfig;
  return openHttpConnection({ name: 'salesforce', connection, spec, redactor: new Redactor() });
}

/** A state store for a read that keeps no cursor (leads_bulk is not incremental). */
const noState = { getValue: () => Promise.resolve(null), setValue: () => Promise.resolve() } as unknown as StateStore;

async function readStream(http: HttpConnection, spec: ConnectorSpec): Promise<Row[]> {
  const source = createHttpStreamSource({ http, stream: spec.streams.leads_bulk!, streamName: 'leads_bulk', store: noState, cursorName: 'cursor' });
  const rows: Row[] = [];
  for await (const page of source.read()) rows.push(...page);
  return rows;
}

const upsert = (row: Row): DeliveryItem => ({ key: String(row.External_Id__c), operation: 'upsert', row, remoteId: null });

describe('Salesforce Bulk API 2.0', () => {
  let sf: SalesforceSandbox;
  let http: HttpConnection | undefined;
  afterEach(async () => {
    await http?.close();
    http = undefined;
    await sf.close();
  });

  it('reads 100,000 Leads by a query job: polled while InProgress, then the CSV results in pages of 25,000 followed by Sforce-Locator', async () => {
    const leads = Array.from({ length: 100_000 }, (_, i) => ({ LastName: `Last, "${i}"`, Company: `Co ${i % 97}`, Email: `l${i}@example.com`, LeadScore__c: i % 100 }));
    sf = await startSalesforceSandbox({ seed: { Lead: leads }, bulkPolls: 2 });
    const spec = await salesforceSpec();
    http = await connect(sf, spec, { bulk_page_size: 25_000 });
    const rows = await readStream(http, spec);

    expect(rows.length).toBe(100_000);
    expect(new Set(rows.map((r) => r.Id)).size).toBe(100_000);
    const stored = sf.state.objects.Lead!;
    expect(rows[0]).toEqual({
      Id: stored[0]!.Id, FirstName: '', LastName: 'Last, "0"', Company: 'Co 0', Email: 'l0@example.com', Status: 'Open - Not Contacted', LeadScore__c: '0',
      CreatedDate: stored[0]!.CreatedDate, LastModifiedDate: stored[0]!.LastModifiedDate,
    });
    expect(rows[99_999]!.LastName).toBe('Last, "99999"');
    const asked = sf.requests().map((r) => `${r.method} ${r.path.replace(/7505g\w+/, '<job>')}`);
    expect(asked).toEqual([
      `POST ${v}/jobs/query`,
      `GET ${v}/jobs/query/<job>`, `GET ${v}/jobs/query/<job>`, `GET ${v}/jobs/query/<job>`,
      ...Array(4).fill(`GET ${v}/jobs/query/<job>/results`),
    ]);
  }, 120_000);

  it('upserts 3,000 Leads in ingest jobs of 1,000: each failed row carries its sf__Error, the others are delivered with their Lead ids', async () => {
    sf = await startSalesforceSandbox({ bulkPolls: 1, seed: { Lead: [{ LastName: 'Old', Company: 'Old Co', External_Id__c: 'E7' }] } });
    const spec = await salesforceSpec((s) => {
      s.endpoints.bulk_upsert_leads!.batch!.size = 1000;
    });
    http = await connect(sf, spec);
    const rows: Row[] = Array.from({ length: 3000 }, (_, i) => ({
      External_Id__c: `E${i}`,
      LastName: `Name ${i}`,
      Company: i % 100 === 50 ? null : `Company ${i}`,
      Email: i % 250 === 125 ? 'not-an-email' : `p${i}@example.com`,
    }));
    const results = await deliverItems(createHttpDestination({ connection: http, endpoints: { upsert: 'bulk_upsert_leads' } }), rows.map(upsert));

    expect(results.length).toBe(3000);
    const failed = results.filter((r) => !r.ok);
    expect(failed.map((r) => r.key)).toEqual([
      ...rows.filter((_, i) => i % 100 === 50 || i % 250 === 125).map((r) => String(r.External_Id__c)),
    ]);
    expect(results[50]).toMatchObject({ key: 'E50', ok: false, error: 'REQUIRED_FIELD_MISSING:Required fields are missing: [Company]:Company --' });
    expect(results[125]).toMatchObject({ key: 'E125', ok: false, error: 'INVALID_EMAIL_ADDRESS:Email: invalid email address: not-an-email:Email --' });
    // A failed row shows the job's batch request, its body cut (a job carries up to 150 MB of CSV).
    expect(results[50]!.request).toContain(`PUT`);
    expect(results[50]!.request!.length).toBeLessThan(4000);

    const byExternalId = new Map(sf.state.objects.Lead!.map((l) => [l.External_Id__c, l]));
    expect(byExternalId.size).toBe(3000 - failed.length);
    for (const r of results.filter((x) => x.ok)) expect(r.remoteId).toBe(byExternalId.get(r.key)!.Id);
    // E7 existed: it was updated in place, not created again.
    expect(byExternalId.get('E7')).toMatchObject({ LastName: 'Name 7', Company: 'Company 7' });
    const jobs = sf.requests().filter((r) => r.method === 'POST' && r.path === `${v}/jobs/ingest`);
    expect(jobs.length).toBe(3);
    // Each job was polled while InProgress, then read once done.
    expect(sf.requests().filter((r) => r.method === 'GET' && /\/jobs\/ingest\/\w+$/.test(r.path)).length).toBe(6);
  }, 60_000);

  it('fails every row of a job that fails as a whole (a column Lead lacks) with its errorMessage, in one job (split: false)', async () => {
    sf = await startSalesforceSandbox({ bulkPolls: 0 });
    const spec = await salesforceSpec();
    http = await connect(sf, spec);
    const rows: Row[] = Array.from({ length: 8 }, (_, i) => ({ External_Id__c: `X${i}`, LastName: `N${i}`, Company: 'C', Colour__c: 'red' }));
    const results = await deliverItems(createHttpDestination({ connection: http, endpoints: { upsert: 'bulk_upsert_leads' } }), rows.map(upsert));

    expect(results.every((r) => !r.ok && /^job 7505g\w+ failed: InvalidBatch : Field name not found : Colour__c$/.test(r.error!))).toBe(true);
    expect(results[0]!.request).toContain('External_Id__c,LastName,Company,Colour__c');
    expect(sf.state.objects.Lead ?? []).toEqual([]);
    expect(sf.requests().filter((r) => r.method === 'POST' && r.path === `${v}/jobs/ingest`).length).toBe(1);
  }, 60_000);

  it('with split: true, splits a job failed as a whole until the row carrying the bad column stands alone', async () => {
    sf = await startSalesforceSandbox({ bulkPolls: 0 });
    const spec = await salesforceSpec((s) => {
      s.endpoints.bulk_upsert_leads!.job!.split = true;
    });
    http = await connect(sf, spec);
    const rows: Row[] = Array.from({ length: 8 }, (_, i) => ({ External_Id__c: `X${i}`, LastName: `N${i}`, Company: 'C', ...(i === 5 ? { Colour__c: 'red' } : {}) }));
    const results = await deliverItems(createHttpDestination({ connection: http, endpoints: { upsert: 'bulk_upsert_leads' } }), rows.map(upsert));

    expect(results.filter((r) => r.ok).map((r) => r.key)).toEqual(['X0', 'X1', 'X2', 'X3', 'X4', 'X6', 'X7']);
    expect(results[5]!.ok).toBe(false);
    expect(results[5]!.error).toMatch(/^job 7505g\w+ failed: InvalidBatch : Field name not found : Colour__c$/);
    expect(sf.state.objects.Lead!.map((l) => l.External_Id__c).sort()).toEqual(['X0', 'X1', 'X2', 'X3', 'X4', 'X6', 'X7']);
    // 8 rows, then 4 + 4, then the failing half as 2 + 2, then 1 + 1.
    expect(sf.requests().filter((r) => r.method === 'POST' && r.path === `${v}/jobs/ingest`).length).toBe(7);
  }, 60_000);

  it('stops a read whose job is not done within timeout_ms, naming the stream, the job and its last state', async () => {
    sf = await startSalesforceSandbox({ bulkPolls: 1_000_000 });
    const spec = await salesforceSpec((s) => {
      s.streams.leads_bulk!.job!.poll.timeout_ms = 300;
      s.streams.leads_bulk!.job!.poll.interval_ms = 50;
    });
    http = await connect(sf, spec);
    const error = await readStream(http, spec).then(() => null, (e: Error) => e.message);
    expect(error).toMatch(/^stream leads_bulk: job (7505g\w+) is not done after 300 ms \(job\.poll\.timeout_ms\); its last answer: \{"id":"\1","operation":"query","object":"Lead",.*"state":"InProgress"/);
    expect(error).toMatch(/ \(the job was aborted\)$/);
    const polls = sf.requests().filter((r) => r.method === 'GET').length;
    expect(polls).toBeGreaterThanOrEqual(4);
    expect(polls).toBeLessThanOrEqual(8);
    // The job given up is Aborted at Salesforce: it will not run on.
    const [, id] = /job (7505g\w+)/.exec(error!)!;
    const state = await fetch(`${sf.url}${v}/jobs/query/${id!}`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(((await state.json()) as { state: string }).state).toBe('Aborted');
  }, 30_000);

  it('stops a write whose job is not done within timeout_ms: the run fails naming the endpoint and the job', async () => {
    sf = await startSalesforceSandbox({ bulkPolls: 1_000_000 });
    const spec = await salesforceSpec((s) => {
      s.endpoints.bulk_upsert_leads!.job!.poll.timeout_ms = 200;
    });
    http = await connect(sf, spec);
    const destination = createHttpDestination({ connection: http, endpoints: { upsert: 'bulk_upsert_leads' } });
    await expect(deliverItems(destination, [upsert({ External_Id__c: 'T1', LastName: 'T', Company: 'C' })])).rejects.toThrow(
      /^endpoint bulk_upsert_leads: job 7505g\w+ is not done after 200 ms \(job\.poll\.timeout_ms\); its last answer: \{.*"state":"InProgress".* \(the job was aborted\)$/,
    );
    expect(sf.requests().filter((r) => r.method === 'PATCH').map((r) => r.path.replace(/7505g\w+/, '<job>'))).toEqual([`${v}/jobs/ingest/<job>`, `${v}/jobs/ingest/<job>`]);
    expect(sf.state.objects.Lead ?? []).toEqual([]);
  }, 30_000);

  it('reads incrementally: the next query job asks from the kept LastModifiedDate, and Leads read at it before are left out', async () => {
    const at = (s: string) => `2026-01-0${s}T00:00:00.000+0000`;
    sf = await startSalesforceSandbox({ bulkPolls: 0, seed: { Lead: [
      { LastName: 'A', Company: 'C', LastModifiedDate: at('1') },
      { LastName: 'B', Company: 'C', LastModifiedDate: at('2') },
      { LastName: 'C', Company: 'C', LastModifiedDate: at('2') },
    ] } });
    const spec = await salesforceSpec();
    http = await connect(sf, spec);
    const values = new Map<string, string>();
    const store = { getValue: (n: string) => Promise.resolve(values.get(n) ?? null), setValue: (n: string, v: string) => Promise.resolve(void values.set(n, v)) } as unknown as StateStore;
    const readOnce = async () => {
      const source = createHttpStreamSource({ http: http!, stream: spec.streams.leads_bulk!, streamName: 'leads_bulk', store, cursorName: 'cursor' });
      const rows: Row[] = [];
      for await (const page of source.read()) rows.push(...page);
      await source.commit();
      return rows.map((r) => r.LastName).sort();
    };
    expect(await readOnce()).toEqual(['A', 'B', 'C']);
    expect(values.get('cursor')).toBe(at('2'));
    // D is written in the checkpoint's second after the read; A changes later.
    sf.state.objects.Lead!.push({ ...sf.state.objects.Lead![2]!, Id: '00Q5g00000ZZZZZAAA', LastName: 'D' });
    Object.assign(sf.state.objects.Lead![0]!, { LastName: 'A2', LastModifiedDate: at('3') });
    expect(await readOnce()).toEqual(['A2', 'D']);
    const queries = sf.requests().filter((r) => r.method === 'POST' && r.path.endsWith('/jobs/query'));
    expect(queries.length).toBe(2);
    expect(values.get('cursor')).toBe(at('3'));
  });

  it('gives up (aborts) an ingest job whose upload Salesforce refuses, the row failing with its message', async () => {
    sf = await startSalesforceSandbox({ bulkPolls: 0 });
    const spec = await salesforceSpec((s) => {
      s.endpoints.bulk_upsert_leads!.job!.create!.body = '{ "object": "Lead", "operation": "upsert", "externalIdFieldName": "External_Id__c", "lineEnding": "CRLF" }';
    });
    http = await connect(sf, spec);
    const results = await deliverItems(createHttpDestination({ connection: http, endpoints: { upsert: 'bulk_upsert_leads' } }), [upsert({ External_Id__c: 'U1', LastName: 'U', Company: 'C' })]);
    expect(results).toEqual([expect.objectContaining({ key: 'U1', ok: false, error: '400 Bad Request: LineEnding is invalid on user data. Current LineEnding setting is CRLF' })]);
    const id = /jobs\/ingest\/(\w+)\/batches/.exec(sf.requests().find((r) => r.method === 'PUT')!.path)![1]!;
    const state = await fetch(`${sf.url}${v}/jobs/ingest/${id}`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(((await state.json()) as { state: string }).state).toBe('Aborted');
  });

  it('refuses a query Salesforce cannot run when the job is created, with its message', async () => {
    sf = await startSalesforceSandbox();
    const spec = await salesforceSpec((s) => {
      s.streams.leads_bulk!.job!.create.body = '{ "operation": "query", "query": "SELECT Colour__c FROM Lead" }';
    });
    http = await connect(sf, spec);
    await expect(readStream(http, spec)).rejects.toThrow(
      "stream leads_bulk: job.create failed: 400 Bad Request: No such column 'Colour__c' on entity 'Lead'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.",
    );
  });
});
