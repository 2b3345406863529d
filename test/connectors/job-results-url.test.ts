// job.results by url: one on the connection's origin is read with its credentials; one marked external (another
// loopback server) is read with none, JSON as well as an archive; parse_json reads a field's JSON text, a hostile
// "__proto__" in it staying data.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectorSpecSchema } from '../../src/config/connector-schema.js';
import { openHttpConnection, type HttpConnection } from '../../src/connectors/open-http-connection.js';
import { createHttpDestination } from '../../src/destinations/http-destination.js';
import { Redactor } from '../../src/log/redactor.js';
import type { DeliveryItem } from '../../src/rows/delivery-item.js';
import { deliverItems } from '../../src/sync/deliver-items.js';
import { startTestApi } from './start-test-api.js';

const KEY = 'secret-api-key-456';
const item = (email: string): DeliveryItem => ({ key: email, operation: 'upsert', row: { email }, remoteId: null });

describe('job.results by url', () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let files: Awaited<ReturnType<typeof startTestApi>>;
  let http: HttpConnection | undefined;
  let resultsAt: () => string;
  const results = (emails: string[]) => emails.map((email, i) => ({ op: email, code: email.endsWith('@bad') ? 400 : 200, response: email.endsWith('@bad') ? `{"detail":"${email} is invalid","__proto__":{"polluted":true}}` : JSON.stringify({ id: `M${i}` }) }));
  let sent: string[] = [];

  beforeEach(async () => {
    files = await startTestApi(() => ({ body: results(sent) }));
    api = await startTestApi((request) => {
      const path = request.url.split('?')[0];
      if (request.method === 'POST') {
        sent = (request.json as { rows: { email: string }[] }).rows.map((r) => r.email);
        return { body: { id: 'b1', status: 'pending' } };
      }
      if (path === '/batches/b1') return { body: { id: 'b1', status: 'finished', results_url: resultsAt() } };
      if (path === '/batches/b1/results') return { body: results(sent) };
      return { status: 404, body: {} };
    });
  });
  afterEach(async () => {
    await http?.close();
    http = undefined;
    await api.close();
    await files.close();
  });

  async function deliver(results: object): Promise<unknown> {
    const spec = connectorSpecSchema.parse({
      name: 'api', base_url: api.url, auth: { type: 'api_key', name: 'X-Key' },
      endpoints: {
        batch: {
          operation: 'upsert', request: 'batch', method: 'POST', path: '/batches',
          batch: { size: 10, item: '{{ row | json }}', body: '{ "rows": {{ items }} }' },
          job: { poll: { request: { path: '/batches/{{ job.id }}' }, until: "response.body.status == 'finished'", interval_ms: 10 }, results: [results] },
          response: { match: '{{ result.op }}', success: 'result.code < 300', record_id: '{{ result.response.id }}', error: '{{ result.response.detail }}' },
        },
      },
    });
    http = await openHttpConnection({ name: 'api', connection: { type: 'http', connector: 'x', config: {}, auth: { type: 'api_key', key: KEY } } as never, spec, redactor: new Redactor() });
    const destination = createHttpDestination({ connection: http, endpoints: { upsert: 'batch' } });
    return deliverItems(destination, [item('a@x'), item('b@bad')]);
  }
  const expected = [{ key: 'a@x', ok: true, remoteId: 'M0' }, expect.objectContaining({ key: 'b@bad', ok: false, error: 'b@bad is invalid' })];

  it('reads a url on the connection\'s origin with its credentials', async () => {
    resultsAt = () => `${api.url}/batches/b1/results`;
    expect(await deliver({ url: '{{ job.results_url }}', parse_json: ['response'] })).toEqual(expected);
    const read = api.requests.find((r) => r.url === '/batches/b1/results')!;
    expect(read.headers['x-key']).toBe(KEY);
  });

  it('reads an external url with no credential, and parse_json keeps a hostile __proto__ as data', async () => {
    resultsAt = () => `${files.url}/r.json?sig=s3cr3t`;
    expect(await deliver({ url: '{{ job.results_url }}', external: true, parse_json: ['response'] })).toEqual(expected);
    expect(files.requests).toHaveLength(1);
    expect(files.requests[0]!.headers['x-key']).toBeUndefined();
    expect(files.requests[0]!.headers.authorization).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('fails the rows, naming the refusal, when an unmarked url leaves the origin; the other host is never asked', async () => {
    resultsAt = () => `${files.url}/r.json?sig=s3cr3t`;
    const outcome = (await deliver({ url: '{{ job.results_url }}', parse_json: ['response'] })) as { ok: boolean; error: string }[];
    expect(outcome.map((r) => r.ok)).toEqual([false, false]);
    expect(outcome[0]!.error).toBe(`endpoint batch: job.results[0]: the results URL is on ${files.url}, not on the connection's origin ${api.url}; refused (credentials go only to the connection's origin: mark the results external: true to fetch them without any)`);
    expect(files.requests).toEqual([]);
  });
});
