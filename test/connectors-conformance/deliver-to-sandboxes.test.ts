import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectorSpec } from '../../src/config/connector-schema.js';
import { builtinConnectorsDir, readConnectorSpec } from '../../src/config/load-connector-spec.js';
import { openHttpConnection, type HttpConnection, type HttpConnectionConfig } from '../../src/connectors/open-http-connection.js';
import type { DeliveryItem, DeliveryResult } from '../../src/rows/delivery-item.js';
import { createHttpDestination, type HttpEndpointNames } from '../../src/destinations/http-destination.js';
import { Redactor } from '../../src/log/redactor.js';
import { writeBatch } from '../../src/sync/write-batch.js';
import { startBacklogSandbox } from '../../sandbox/backlog/backlog-sandbox.js';
import { startBigCommerceSandbox } from '../../sandbox/bigcommerce/bigcommerce-sandbox.js';
import { startHubSpotSandbox } from '../../sandbox/hubspot/hubspot-sandbox.js';
import { startSalesforceSandbox } from '../../sandbox/salesforce/salesforce-sandbox.js';
import type { SandboxHandle } from '../../sandbox/sandbox-server.js';
import { startSlackSandbox } from '../../sandbox/slack/slack-sandbox.js';
import { startWebhookSandbox } from '../../sandbox/webhook/webhook-sandbox.js';

// Each built-in connector, exactly as shipped, delivers rows through its main endpoint to its sandbox;
// the test reads what arrived at the sandbox's /_sandbox/records.

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

async function spec(name: string): Promise<ConnectorSpec> {
  const { connector, issues } = await readConnectorSpec(join(builtinConnectorsDir(), `${name}.yaml`));
  if (!connector) throw new Error(JSON.stringify(issues));
  // Requests per second are the engine's business; lifted here so the test takes milliseconds, not seconds.
  return { ...connector.spec, rate_limit: { ...connector.spec.rate_limit, requests_per_second: undefined } };
}

async function connect(name: string, sandbox: SandboxHandle, connection: Omit<HttpConnectionConfig, 'type' | 'connector'>): Promise<HttpConnection> {
  open.push(sandbox);
  const http = await openHttpConnection({
    name,
    connection: { type: 'http', connector: name, ...connection },
    spec: await spec(name),
    redactor: new Redactor(),
  });
  open.push(http);
  return http;
}

async function deliver(http: HttpConnection, endpoints: HttpEndpointNames, items: DeliveryItem[]): Promise<DeliveryResult[]> {
  const destination = createHttpDestination({ connection: http, endpoints });
  const results: DeliveryResult[] = [];
  for (let i = 0; i < items.length; i += destination.batchSize(items[0]!.operation)) {
    results.push(...(await writeBatch(destination, items.slice(i, i + destination.batchSize(items[0]!.operation)))));
  }
  return results;
}

const item = (key: string, row: Record<string, unknown>, operation: DeliveryItem['operation'] = 'create', remoteId: string | null = null): DeliveryItem => ({
  key,
  operation,
  row,
  remoteId,
});

async function records(sandbox: SandboxHandle): Promise<any> {
  return (await fetch(`${sandbox.url}/_sandbox/records`)).json();
}

describe('built-in connectors against their sandboxes', () => {
  it('webhook: post sends each row as JSON, and any 2xx is delivered whatever the receiver answers', async () => {
    const sink = await startWebhookSandbox({ auth: { bearer: 'hook-token' } });
    const http = await connect('webhook', sink, { config: {}, auth: { type: 'bearer', token: 'hook-token' }, base_url: `${sink.url}/hooks/orders` });
    const results = await deliver(http, { create: 'post' }, [item('1', { id: 1, note: 'say "hi"\nbye' }), item('2', { id: 2, note: null })]);
    expect(results.map((r) => [r.key, r.ok, r.error])).toEqual([
      ['1', true, undefined],
      ['2', true, undefined],
    ]);
    const got = await records(sink);
    expect(got.hooks.map((h: any) => [h.method, h.path, h.body])).toEqual([
      ['POST', '/hooks/orders', { id: 1, note: 'say "hi"\nbye' }],
      ['POST', '/hooks/orders', { id: 2, note: null }],
    ]);
  });

  it('backlog: add_issue posts a form with the API key in the query; update_issue patches by the kept id', async () => {
    const backlog = await startBacklogSandbox({ acceptJson: false });
    const http = await connect('backlog', backlog, { config: { space_key: 'example' }, auth: { type: 'api_key', key: 'sandbox-api-key' }, base_url: backlog.url });
    const row = (summary: string) => ({ project_id: 1, summary, issue_type_id: 2, priority_id: 3, description: 'line 1\nline & 2' });
    const created = await deliver(http, { create: 'add_issue' }, [item('a', row('First')), item('b', row('Second "quoted"')), item('c', { ...row('Bad'), project_id: 42 })]);
    expect(created.map((r) => [r.key, r.ok, r.remoteId ?? null])).toEqual([
      ['a', true, '1'],
      ['b', true, '2'],
      ['c', false, null],
    ]);
    expect(created[2]!.error).toBe('404 Not Found: No project.');
    expect(created[2]!.request).not.toContain('sandbox-api-key');
    const updated = await deliver(http, { update: 'update_issue' }, [item('a', { summary: 'First, renamed', description: '' }, 'update', '1')]);
    expect(updated[0]).toMatchObject({ ok: true, remoteId: '1' });
    const got = await records(backlog);
    expect(got.issues.map((i: any) => [i.issueKey, i.summary, i.description])).toEqual([
      ['PROJ-1', 'First, renamed', ''],
      ['PROJ-2', 'Second "quoted"', 'line 1\nline & 2'],
    ]);
  });

  it('salesforce: create_leads sends one collection, reads per-record results in order; update_lead patches by Id', async () => {
    const sf = await startSalesforceSandbox();
    const http = await connect('salesforce', sf, { config: {}, auth: { type: 'bearer', token: 'sandbox-session-token' }, base_url: sf.url });
    const results = await deliver(http, { create: 'create_leads' }, [
      item('jane@acme.example', { LastName: 'Doe', Company: 'Acme', Email: 'jane@acme.example', LeadScore__c: 10 }),
      item('no-company', { LastName: 'Nobody', Email: 'nobody@example.com', LeadScore__c: 1 }),
    ]);
    expect(results[0]).toMatchObject({ key: 'jane@acme.example', ok: true, remoteId: expect.stringMatching(/^00Q[A-Za-z0-9]{15}$/) });
    expect(results[1]).toMatchObject({ key: 'no-company', ok: false, error: 'REQUIRED_FIELD_MISSING: Required fields are missing: [Company]' });
    const id = results[0]!.remoteId!;
    const updated = await deliver(http, { update: 'update_lead' }, [item(id, { Id: id, LeadScore__c: 88 }, 'update')]);
    expect(updated[0]).toMatchObject({ ok: true });
    const got = await records(sf);
    expect(got.Lead.map((l: any) => [l.Id, l.LastName, l.LeadScore__c])).toEqual([[id, 'Doe', 88]]);
  });

  it('hubspot: upsert_contacts matches unordered results and 207 errors back to rows by email', async () => {
    const hs = await startHubSpotSandbox({ seed: { contacts: [{ email: 'old@example.com', firstname: 'Old' }] } });
    const http = await connect('hubspot', hs, { config: {}, auth: { type: 'bearer', token: 'sandbox-private-app-token' }, base_url: hs.url });
    const results = await deliver(http, { upsert: 'upsert_contacts' }, [
      item('old@example.com', { email: 'old@example.com', firstname: 'Olga' }, 'upsert'),
      item('new@example.com', { email: 'new@example.com', firstname: 'Nina' }, 'upsert'),
      item('broken-email', { email: 'broken-email', firstname: 'X' }, 'upsert'),
    ]);
    const byKey = Object.fromEntries(results.map((r) => [r.key, r]));
    expect(byKey['old@example.com']).toMatchObject({ ok: true, remoteId: '101' });
    expect(byKey['new@example.com']).toMatchObject({ ok: true, remoteId: '102' });
    expect(byKey['broken-email']!.ok).toBe(false);
    expect(byKey['broken-email']!.error).toContain('Email address broken-email is invalid');
    const got = await records(hs);
    expect(got.contacts.map((c: any) => [c.properties.email, c.properties.firstname])).toEqual([
      ['old@example.com', 'Olga'],
      ['new@example.com', 'Nina'],
    ]);
  });

  it('bigcommerce: create_customers sends ten a request and isolates the invalid customer of a rejected batch', async () => {
    const bc = await startBigCommerceSandbox();
    const http = await connect('bigcommerce', bc, { config: { store_hash: 'sandbox' }, auth: { type: 'api_key', key: 'sandbox-access-token' }, base_url: bc.url });
    const rows = Array.from({ length: 12 }, (_, i) => ({ email: `c${i}@example.com`, first_name: 'C', last_name: String(i) }));
    rows[3] = { email: 'not-an-email', first_name: 'Bad', last_name: 'Row' };
    const results = await deliver(http, { create: 'create_customers' }, rows.map((r) => item(r.email, r)));
    expect(results.filter((r) => !r.ok).map((r) => [r.key, r.error])).toEqual([['not-an-email', '422 Unprocessable Entity: JSON data is missing or is invalid 0.email: not-an-email is not a valid email address']]);
    expect(results.filter((r) => r.ok)).toHaveLength(11);
    const got = await records(bc);
    expect(got.customers.map((c: any) => c.email).sort()).toEqual(rows.filter((_, i) => i !== 3).map((r) => r.email).sort());
    const posts = bc.requests().filter((r) => r.method === 'POST');
    expect(posts.every((r) => r.path === '/stores/sandbox/v3/customers')).toBe(true);
  });

  it('slack: post_message delivers, and an ok:false answer rejects the row with Slack\'s error', async () => {
    const slack = await startSlackSandbox();
    const http = await connect('slack', slack, { config: {}, auth: { type: 'bearer', token: 'xoxb-sandbox-token' }, base_url: slack.url });
    const results = await deliver(http, { create: 'post_message' }, [
      item('m1', { channel: '#general', text: 'Deploy finished: *v1.2*' }),
      item('m2', { channel: '#nowhere', text: 'lost' }),
    ]);
    expect(results[0]).toMatchObject({ key: 'm1', ok: true, remoteId: expect.stringMatching(/^\d+\.\d{6}$/) });
    expect(results[1]).toMatchObject({ key: 'm2', ok: false, error: '200 OK: channel_not_found' });
    const got = await records(slack);
    expect(got.messages.map((m: any) => [m.via, m.channel, m.text])).toEqual([['api', 'C0000000001', 'Deploy finished: *v1.2*']]);
  });

  it('slack: the webhook endpoint posts to the incoming-webhook URL and surfaces plain-text errors', async () => {
    const slack = await startSlackSandbox();
    const http = await connect('slack', slack, { config: {}, auth: { type: 'none' }, base_url: `${slack.url}/services/T000/B000/XXXX` });
    const results = await deliver(http, { create: 'webhook' }, [item('w1', { text: 'hello' }), item('w2', { text: '' })]);
    expect(results[0]).toMatchObject({ ok: true });
    expect(results[1]).toMatchObject({ ok: false, error: '400 Bad Request: no_text' });
    expect((await records(slack)).messages.map((m: any) => [m.via, m.text])).toEqual([['webhook', 'hello']]);
  });
});
