// A connection's credential goes only to its own origin (scheme, host, port). A second server on the same host name
// but another port records everything it receives: the key must never arrive there, whichever way the URL came —
// an endpoint's path template, a next_url in a page, or a Link header.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectorSpecSchema } from '../../src/config/connector-schema.js';
import { openHttpConnection, type HttpConnection } from '../../src/connectors/open-http-connection.js';
import { renderRequest } from '../../src/connectors/render-request.js';
import { Redactor } from '../../src/log/redactor.js';
import { createHttpStreamSource } from '../../src/sources/http-stream-source.js';
import { openStateStore } from '../../src/state/open-state-store.js';
import type { StateStore } from '../../src/state/state-store.js';
import { startTestApi } from '../connectors/start-test-api.js';

const KEY = 'origin-key-5d1e0c77';

type Api = Awaited<ReturnType<typeof startTestApi>>;
let api: Api; // origin A: the connection's
let other: Api; // the same host name (127.0.0.1), another port
let dir: string;
let store: StateStore;
const open: HttpConnection[] = [];

beforeAll(async () => {
  other = await startTestApi(() => ({ body: { records: [{ id: 99 }] } }));
  api = await startTestApi((request) => {
    const url = new URL(request.url, 'http://x');
    switch (url.pathname) {
      case '/next-other-port':
        return { body: { records: [{ id: 1 }], next: `${other.url}/page2` } };
      case '/next-https':
        return { body: { records: [{ id: 1 }], next: `${api.url.replace('http:', 'https:')}/page2` } };
      case '/next-protocol-relative':
        return { body: { records: [{ id: 1 }], next: `//localhost:${new URL(api.url).port}/page2` } };
      case '/next-same-origin':
        return { body: { records: [{ id: 1 }], next: '/page2' } };
      case '/page2':
        return { body: { records: [{ id: 2 }], next: null } };
      case '/link-other-port':
        return { body: [{ id: 1 }], headers: { link: `<${other.url}/items?page=2>; rel="next"` } };
      default:
        return { body: { ok: true } };
    }
  });
  dir = await mkdtemp(join(tmpdir(), 'sluice-origin-'));
  store = await openStateStore({ state: dir, projectDir: dir });
});
afterAll(async () => {
  await store.close();
  await Promise.all([api.close(), other.close()]);
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  for (const http of open.splice(0)) await http.close();
  api.requests.length = 0;
  other.requests.length = 0;
});

/** A connection on origin A with an api key in the query string and in a header (two connections, one each). */
async function connect(keyIn: 'query' | 'header', extra: Record<string, unknown> = {}): Promise<HttpConnection> {
  const spec = connectorSpecSchema.parse({
    name: 'origin_test',
    base_url: api.url,
    auth: [{ type: 'api_key', in: keyIn, name: keyIn === 'query' ? 'api_key' : 'X-Api-Key' }],
    retry: { max_attempts: 1 },
    ...extra,
  });
  const http = await openHttpConnection({
    name: 'crm',
    connection: { type: 'http', connector: 'origin_test', config: {}, auth: { type: 'api_key', key: KEY } },
    spec,
    redactor: new Redactor(),
  });
  open.push(http);
  return http;
}

/** Everything the other server received, as one string: any trace of the key would show here. */
const seenByOther = () => JSON.stringify(other.requests.map((r) => ({ url: r.url, headers: r.headers, body: r.text })));

describe('credentials pinned to the connection origin', () => {
  it.each(['query', 'header'] as const)('a path template pointing to another port is refused (key in the %s)', async (keyIn) => {
    // An absolute URL in a path is sent as written (a row's value in a path is percent-encoded, so only the connector can).
    const http = await connect(keyIn, {
      endpoints: {
        notify: { operation: 'create', method: 'POST', path: `${other.url}/collect/{{ row.id }}`, body: '{ "id": {{ row.id }} }' },
        own: { operation: 'create', method: 'POST', path: `${api.url}/collect/{{ row.id }}`, body: '{ "id": {{ row.id }} }' },
      },
    });
    const request = renderRequest(http.spec.endpoints.notify!, http.context({ row: { id: 7 } }), http.renderOptions());
    const outcome = await http.client.send(request, { auth: http.auth, classify: http.classifier() });
    expect(outcome).toMatchObject({
      ok: false,
      action: 'reject',
      error: `refused to send credentials to ${other.url} (the connection's origin is ${api.url})`,
    });
    expect(other.requests).toHaveLength(0);
    expect(seenByOther()).not.toContain(KEY);
    // The same endpoint on the connection's own origin sends the key.
    const own = renderRequest(http.spec.endpoints.own!, http.context({ row: { id: 8 } }), http.renderOptions());
    expect((await http.client.send(own, { auth: http.auth, classify: http.classifier() })).ok).toBe(true);
    const received = api.requests.at(-1)!;
    expect(keyIn === 'query' ? new URL(received.url, api.url).searchParams.get('api_key') : received.headers['x-api-key']).toBe(KEY);
  });

  it('plain http on the same host and port as an https connection is another origin', async () => {
    const spec = connectorSpecSchema.parse({ name: 'tls', base_url: 'https://127.0.0.1:1', auth: [{ type: 'bearer' }] });
    const http = await openHttpConnection({
      name: 'tls',
      connection: { type: 'http', connector: 'tls', config: {}, auth: { type: 'bearer', token: KEY } },
      spec,
      redactor: new Redactor(),
    });
    open.push(http);
    const outcome = await http.client.send({ method: 'GET', url: 'http://127.0.0.1:1/x', headers: {} }, { auth: http.auth, classify: http.classifier() });
    expect(outcome).toMatchObject({ ok: false, error: "refused to send credentials to http://127.0.0.1:1 (the connection's origin is https://127.0.0.1:1)" });
  });

  async function readStream(http: HttpConnection, path: string, paginate: Record<string, unknown>, records = '$.records') {
    const spec = connectorSpecSchema.parse({ name: 'pages', base_url: api.url, streams: { items: { path, records, paginate } } });
    const source = createHttpStreamSource({ http, stream: spec.streams.items!, streamName: 'items', store, cursorName: `cursor:${path}` });
    const rows: unknown[] = [];
    for await (const page of source.read()) rows.push(...page);
    return rows;
  }

  it.each([
    ['/next-other-port', () => new URL(other.url).origin, 'another port'],
    ['/next-https', () => api.url.replace('http:', 'https:'), 'https instead of http'],
    ['/next-protocol-relative', () => `http://localhost:${new URL(api.url).port}`, 'another host name, protocol-relative'],
  ])('a next_url on another origin (%s) fails the stream naming it; the key never leaves', async (path, origin) => {
    const http = await connect('query');
    const error = await readStream(http, path, { type: 'next_url', next_url: '$.next' }).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe(
      `stream items: the next page is on ${origin()}, not on the connection's origin ${api.url}; refused to follow it (credentials and headers go only to the connection's origin)`,
    );
    expect(other.requests).toHaveLength(0);
    expect(seenByOther()).not.toContain(KEY);
  });

  it('a Link header to another port fails the stream; the key never leaves', async () => {
    const http = await connect('header');
    const error = await readStream(http, '/link-other-port', { type: 'link_header' }, '$').catch((e: unknown) => e as Error);
    expect((error as Error).message).toBe(
      `stream items: the next page is on ${other.url}, not on the connection's origin ${api.url}; refused to follow it (credentials and headers go only to the connection's origin)`,
    );
    expect(other.requests).toHaveLength(0);
  });

  it('a relative next_url on the same origin is followed with the key', async () => {
    const http = await connect('query');
    expect(await readStream(http, '/next-same-origin', { type: 'next_url', next_url: '$.next' })).toEqual([{ id: 1 }, { id: 2 }]);
    expect(api.requests.map((r) => new URL(r.url, api.url).searchParams.get('api_key'))).toEqual([KEY, KEY]);
  });
});
