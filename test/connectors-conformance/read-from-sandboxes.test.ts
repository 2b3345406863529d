import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectorSpec } from '../../src/config/connector-schema.js';
import { builtinConnectorsDir, readConnectorSpec } from '../../src/config/load-connector-spec.js';
import { openHttpConnection, type HttpConnectionConfig } from '../../src/connectors/open-http-connection.js';
import { Redactor } from '../../src/log/redactor.js';
import { createHttpStreamSource } from '../../src/sources/http-stream-source.js';
import type { Row } from '../../src/rows/row.js';
import { SqliteStateStore } from '../../src/state/sqlite-state-store.js';
import { SecretBox } from '../../src/state/secret-box.js';
import { startBacklogSandbox } from '../../sandbox/backlog/backlog-sandbox.js';
import { startBigCommerceSandbox } from '../../sandbox/bigcommerce/bigcommerce-sandbox.js';
import { startHubSpotSandbox } from '../../sandbox/hubspot/hubspot-sandbox.js';
import { startSalesforceSandbox } from '../../sandbox/salesforce/salesforce-sandbox.js';
import type { SandboxHandle } from '../../sandbox/sandbox-server.js';

// Each built-in stream, as shipped, reads every record of its sandbox across several pages.

let dir: string;
let store: SqliteStateStore;
const open: { close(): Promise<void> }[] = [];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-streams-'));
  store = new SqliteStateStore({ dir, secretBox: async () => new SecretBox(Buffer.alloc(32, 7)) });
  await store.migrate();
});
afterAll(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

async function readStream(
  name: string,
  streamName: string,
  sandbox: SandboxHandle,
  connection: Omit<HttpConnectionConfig, 'type' | 'connector'>,
  adjust: (spec: ConnectorSpec) => ConnectorSpec = (s) => s,
): Promise<Row[]> {
  open.push(sandbox);
  const { connector } = await readConnectorSpec(join(builtinConnectorsDir(), `${name}.yaml`));
  const spec = adjust({ ...connector!.spec, rate_limit: { ...connector!.spec.rate_limit, requests_per_second: undefined } });
  const http = await openHttpConnection({ name, connection: { type: 'http', connector: name, ...connection }, spec, redactor: new Redactor() });
  open.push(http);
  const source = createHttpStreamSource({ http, stream: spec.streams[streamName]!, streamName, store, cursorName: `cursor:test:${name}.${streamName}:${Math.random()}` });
  const rows: Row[] = [];
  for await (const page of source.read()) rows.push(...page);
  return rows;
}

/** The same stream with a smaller page, so a handful of records spans several pages. */
const pageSize = (stream: string, patch: (p: any) => any) => (spec: ConnectorSpec): ConnectorSpec => ({
  ...spec,
  streams: { ...spec.streams, [stream]: { ...spec.streams[stream]!, paginate: patch(spec.streams[stream]!.paginate) } },
});

describe('built-in streams against their sandboxes', () => {
  it('salesforce leads: SOQL pages followed through nextRecordsUrl', async () => {
    const leads = Array.from({ length: 5 }, (_, i) => ({ LastName: `L${i}`, Company: 'C', Email: `l${i}@example.com` }));
    const sf = await startSalesforceSandbox({ seed: { Lead: leads }, queryBatchSize: 2 });
    const rows = await readStream('salesforce', 'leads', sf, { config: {}, auth: { type: 'bearer', token: 'sandbox-session-token' }, base_url: sf.url });
    expect(rows.map((r) => r.Email)).toEqual(leads.map((l) => l.Email));
    expect(sf.requests().filter((r) => r.path.includes('/query')).length).toBe(3);
  });

  it('hubspot contacts: cursor paging through paging.next.after', async () => {
    const contacts = Array.from({ length: 5 }, (_, i) => ({ email: `c${i}@example.com`, firstname: `C${i}` }));
    const hs = await startHubSpotSandbox({ seed: { contacts } });
    const rows = await readStream('hubspot', 'contacts', hs, { config: {}, auth: { type: 'bearer', token: 'sandbox-private-app-token' }, base_url: hs.url }, (spec) => ({
      ...spec,
      streams: { contacts: { ...spec.streams.contacts!, query: { ...spec.streams.contacts!.query, limit: 2 } } },
    }));
    expect(rows.map((r) => (r.properties as Record<string, string>).email)).toEqual(contacts.map((c) => c.email));
    expect(hs.requests().length).toBe(3);
  });

  it('bigcommerce customers: page paging until meta.pagination.total_pages', async () => {
    const customers = Array.from({ length: 5 }, (_, i) => ({ email: `b${i}@example.com`, first_name: 'B', last_name: String(i) }));
    const bc = await startBigCommerceSandbox({ seed: { customers } });
    const rows = await readStream('bigcommerce', 'customers', bc, { config: { store_hash: 'sandbox' }, auth: { type: 'api_key', key: 'sandbox-access-token' }, base_url: bc.url }, pageSize('customers', (p) => ({ ...p, size: 2 })));
    expect(rows.map((r) => r.email)).toEqual(customers.map((c) => c.email));
    expect(bc.requests().length).toBe(3);
  });

  it('backlog issues: offset paging with count, oldest first', async () => {
    const issues = Array.from({ length: 5 }, (_, i) => ({ projectId: 1, summary: `I${i}`, issueTypeId: 2, priorityId: 3, created: `2024-01-0${i + 1}T00:00:00Z` }));
    const backlog = await startBacklogSandbox({ seed: { issues } });
    const rows = await readStream('backlog', 'issues', backlog, { config: { space_key: 'x' }, auth: { type: 'api_key', key: 'sandbox-api-key' }, base_url: backlog.url }, pageSize('issues', (p) => ({ ...p, limit: 2 })));
    expect(rows.map((r) => r.issueKey)).toEqual(['PROJ-1', 'PROJ-2', 'PROJ-3', 'PROJ-4', 'PROJ-5']);
    expect(backlog.requests().length).toBe(3);
  });
});
