// incremental.lookback against the BigCommerce sandbox: the next incremental read starts `lookback` before the kept
// cursor, so a record written late with an older date_modified is read again instead of being skipped for good.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { streamSchema, type ConnectorSpec } from '../../src/config/connector-schema.js';
import { builtinConnectorsDir, readConnectorSpec } from '../../src/config/load-connector-spec.js';
import { openHttpConnection } from '../../src/connectors/open-http-connection.js';
import { Redactor } from '../../src/log/redactor.js';
import type { Row } from '../../src/rows/row.js';
import { createHttpStreamSource } from '../../src/sources/http-stream-source.js';
import { SecretBox } from '../../src/state/secret-box.js';
import { SqliteStateStore } from '../../src/state/sqlite-state-store.js';
import { startBigCommerceSandbox, type BigCommerceSandbox } from '../../sandbox/bigcommerce/bigcommerce-sandbox.js';

let dir: string;
let store: SqliteStateStore;
let bc: BigCommerceSandbox;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-lookback-'));
  store = new SqliteStateStore({ dir, secretBox: async () => new SecretBox(Buffer.alloc(32, 7)) });
  await store.migrate();
});
afterAll(async () => {
  await bc?.close();
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

/** The built-in bigcommerce connector with `lookback` added to its incremental customers stream. */
async function bigcommerceWithLookback(lookback: string): Promise<ConnectorSpec> {
  const { connector } = await readConnectorSpec(join(builtinConnectorsDir(), 'bigcommerce.yaml'));
  const customers = connector!.spec.streams.customers!;
  const { incremental } = streamSchema.parse({ path: customers.path, incremental: { ...customers.incremental, lookback } });
  return { ...connector!.spec, rate_limit: { concurrency: 4 }, streams: { customers: { ...customers, incremental } } };
}

/** Reads the customers stream once, keeping its cursor; returns the emails read and the URLs asked for. */
async function readCustomers(spec: ConnectorSpec): Promise<{ emails: unknown[]; urls: string[] }> {
  const http = await openHttpConnection({
    name: 'shop',
    connection: { type: 'http', connector: 'bigcommerce', config: { store_hash: 'sandbox' }, auth: { type: 'api_key', key: 'sandbox-access-token' }, base_url: bc.url },
    spec,
    redactor: new Redactor(),
  });
  const send = vi.spyOn(http.client, 'send');
  const source = createHttpStreamSource({ http, stream: spec.streams.customers!, streamName: 'customers', store, cursorName: 'cursor:lookback:shop.customers' });
  const rows: Row[] = [];
  try {
    for await (const page of source.read()) rows.push(...page);
    await source.commit();
  } finally {
    await source.close();
  }
  return { emails: rows.map((r) => r.email), urls: send.mock.calls.map(([request]) => request.url) };
}

const customer = (email: string, modified: string) => ({ email, first_name: 'A', last_name: 'B', date_modified: modified });

describe('incremental.lookback', () => {
  it('starts the next read lookback before the kept cursor, so a record written late is read again', async () => {
    bc = await startBigCommerceSandbox({ seed: { customers: [customer('early@example.com', '2026-03-01T09:00:00Z'), customer('last@example.com', '2026-03-01T10:30:00Z')] } });
    const spec = await bigcommerceWithLookback('PT1H');

    const first = await readCustomers(spec);
    expect(first.emails).toEqual(['early@example.com', 'last@example.com']);
    expect(first.urls[0]).not.toContain('date_modified%3Amin');
    expect(await store.getValue('cursor:lookback:shop.customers')).toBe('2026-03-01T10:30:00Z');

    // Written after the first read, stamped with a time before its cursor (a replica catching up).
    await fetch(`${bc.url}/_sandbox/seed`, { method: 'POST', body: JSON.stringify({ customers: [customer('late@example.com', '2026-03-01T10:00:00Z')] }) });
    const second = await readCustomers(spec);
    // cursor 10:30 minus one hour
    expect(new URL(second.urls[0]!).searchParams.get('date_modified:min')).toBe('2026-03-01T09:30:00Z');
    expect(second.emails).toEqual(['late@example.com', 'last@example.com']);
    // The re-read never moves the kept cursor back.
    expect(await store.getValue('cursor:lookback:shop.customers')).toBe('2026-03-01T10:30:00Z');
  });
});
