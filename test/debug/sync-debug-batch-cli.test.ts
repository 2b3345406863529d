// The debugger with batch requests, against the HubSpot simulator: a batch request is kept once and each of its rows
// points to it with its own outcome (7 delivered and 1 refused in one 207 answer); a batch HubSpot refuses as a whole
// is split until the bad row stands alone, and each row's debugger shows every request it went out in.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubSpotSandbox, type HubSpotSandbox } from '../../sandbox/hubspot/hubspot-sandbox.js';
import type { SyncDebug } from '../../src/api/debug.js';
import { runSluiceInProcess } from '../support/capture.js';
import { sluiceYaml } from '../support/sluice-yaml.js';
import { querySqlite, writeSqlite } from '../support/sqlite-file.js';

const TOKEN = 'sandbox-private-app-token';
// The built-in upsert_contacts without objectWriteTraceId: HubSpot then refuses a batch with one bad input as a whole.
const ALL_OR_NOTHING = `name: hubspot_strict
base_url: http://127.0.0.1:1
auth: [{ type: bearer }]
error_message: "{{ response.body.message }}"
endpoints:
  upsert_contacts:
    operation: upsert
    request: batch
    method: POST
    path: /crm/v3/objects/contacts/batch/upsert
    headers: { Content-Type: application/json }
    batch:
      size: 100
      item: '{ "idProperty": "email", "id": {{ row.email | json }}, "properties": {{ row | json }} }'
      body: '{ "inputs": {{ items }} }'
    response:
      results: "$.results"
      match: "{{ result.properties.email }}"
      record_id: "{{ result.id }}"
`;

describe('sluice sync debug with batch requests', () => {
  let dir: string;
  let hubspot: HubSpotSandbox;
  const sluice = (...args: string[]) => runSluiceInProcess(['--project', dir, ...args]);
  const debugOf = async (sync: string, key: string) => JSON.parse((await sluice('--json', 'sync', 'debug', sync, '--key', key)).out) as SyncDebug;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-debug-batch-'));
    hubspot = await startHubSpotSandbox();
    Object.assign(process.env, { DEBUG_BATCH_HUBSPOT_URL: hubspot.url, DEBUG_BATCH_HUBSPOT_TOKEN: TOKEN });
    await writeFile(join(dir, 'strict.yaml'), ALL_OR_NOTHING);
    const auth = ['base_url: "${env:DEBUG_BATCH_HUBSPOT_URL}"', 'auth: { type: bearer, token: "${env:DEBUG_BATCH_HUBSPOT_TOKEN}" }'];
    await writeFile(
      join(dir, 'sluice.yaml'),
      sluiceYaml({
        connections: {
          model: '{ type: sqlite, path: model.db }',
          hubspot: ['type: http', 'connector: hubspot', ...auth],
          strict: ['type: http', 'connector: ./strict.yaml', ...auth],
        },
        syncs: {
          contacts: { from: '{ connection: model, table: contacts }', to: '{ connection: hubspot, endpoint: upsert_contacts }', mode: 'upsert', key: 'email', more: ['on_error: { max_failed_rows: 1 }'] },
          strict: { from: '{ connection: model, table: contacts }', to: '{ connection: strict, endpoint: upsert_contacts }', mode: 'upsert', key: 'email', more: ['on_error: { max_failed_rows: 1 }'] },
        },
      }),
    );
    // 'hot' is not a lifecycle stage HubSpot knows: that contact is refused.
    const good = Array.from({ length: 7 }, (_, i) => [`p${i}@example.com`, 'lead']);
    writeSqlite(join(dir, 'model.db'), 'CREATE TABLE contacts (email TEXT, lifecyclestage TEXT)', {
      insert: 'INSERT INTO contacts VALUES (?, ?)',
      values: [...good, ['hot@example.com', 'hot']],
    });
  });
  afterAll(async () => {
    delete process.env.DEBUG_BATCH_HUBSPOT_URL;
    delete process.env.DEBUG_BATCH_HUBSPOT_TOKEN;
    await hubspot?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps a 207 batch once, each row pointing to it with its own outcome', async () => {
    const run = await sluice('sync', 'run', 'contacts');
    expect(run.code, run.out + run.err).toBe(0);
    expect(run.out).toContain('delivered 7, failed 1');
    // One page: the request kept once, its keys as one list with a group per outcome, not a row per key.
    const pages = querySqlite<{ keys: string; exchanges: string }>(join(dir, '.sluice', 'state.db'), "SELECT keys, exchanges FROM debug_pages WHERE sync = 'contacts'");
    expect(pages).toHaveLength(1);
    expect(JSON.parse(pages[0]!.exchanges)).toHaveLength(1);
    const groups = (JSON.parse(pages[0]!.keys) as [string, string, string | null, string[]][]).map(([, outcome, , keys]) => [outcome, keys.length]);
    expect(groups.sort()).toEqual([['delivered', 7], ['rejected', 1]]);

    const hot = await debugOf('contacts', 'hot@example.com');
    const good = await debugOf('contacts', 'p3@example.com');
    expect(hot.exchanges).toHaveLength(1);
    expect(hot.exchanges[0]).toMatchObject({ outcome: 'rejected', records: 8, status: 207, method: 'POST', url: `${hubspot.url}/crm/v3/objects/contacts/batch/upsert` });
    expect(hot.exchanges[0]!.error).toMatch(/hot/);
    expect(hot.exchanges[0]!.requestHeaders).toMatchObject({ 'Content-Type': 'application/json' });
    expect(good.exchanges[0]).toMatchObject({ outcome: 'delivered', error: null, records: 8 });
    // One request: the same body and answer for both rows, all eight inputs in it.
    expect(good.exchanges[0]!.requestBody).toBe(hot.exchanges[0]!.requestBody);
    expect(good.exchanges[0]!.responseBody).toBe(hot.exchanges[0]!.responseBody);
    const inputs = (JSON.parse(hot.exchanges[0]!.requestBody!) as { inputs: { id: string }[] }).inputs.map((i) => i.id);
    expect(inputs).toHaveLength(8);
    expect(inputs).toContain('hot@example.com');
    expect(hot.exchanges[0]!.responseBody).toContain('"status":"error"');
    expect((await sluice('sync', 'debug', 'contacts', '--key', 'p3@example.com')).out).toContain('delivered  (upsert via upsert_contacts, a batch of 8)');
  });

  it('shows each request a row went out in when a batch refused as a whole is split', async () => {
    const run = await sluice('sync', 'run', 'strict');
    expect(run.code, run.out + run.err).toBe(0);
    expect(run.out).toContain('delivered 7, failed 1');
    // 8 refused, then halves of 4, 2 and 1 around the bad row: newest first.
    const hot = await debugOf('strict', 'hot@example.com');
    expect(hot.exchanges.map((e) => [e.outcome, e.records, e.status])).toEqual([
      ['rejected', 1, 400],
      ['refused', 2, 400],
      ['refused', 4, 400],
      ['refused', 8, 400],
    ]);
    expect(hot.exchanges[0]!.responseBody).toContain('hot');
    const good = await debugOf('strict', 'p0@example.com');
    expect(good.exchanges.map((e) => e.outcome)).toEqual(['delivered', 'refused']);
    expect(good.exchanges.every((e) => e.runId === hot.exchanges[0]!.runId)).toBe(true);
  });
});
