// HTTP streams against a route-based API on loopback that pages in every style the connector spec supports.
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectorSpecSchema, type ConnectorSpec } from '../../src/config/connector-schema.js';
import { openHttpConnection } from '../../src/connectors/open-http-connection.js';
import { Redactor } from '../../src/log/redactor.js';
import { createHttpStreamSource } from '../../src/sources/http-stream-source.js';
import { openStateStore } from '../../src/state/open-state-store.js';
import type { StateStore } from '../../src/state/state-store.js';

const ITEMS = Array.from({ length: 23 }, (_, i) => ({ id: i + 1, name: `item ${i + 1}`, updated: `2026-11-${String(1 + i).padStart(2, '0')}T00:00:00Z` }));
const requests: string[] = [];

function api(req: { url?: string }, res: import('node:http').ServerResponse, base: string) {
  const url = new URL(req.url!, base);
  requests.push(url.pathname + url.search);
  const q = url.searchParams;
  const since = q.get('since');
  const items = since ? ITEMS.filter((i) => i.updated.slice(0, 10) > since) : ITEMS;
  const json = (body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(200, { 'Content-Type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
  switch (url.pathname) {
    case '/offset': {
      const offset = Number(q.get('offset')), limit = Number(q.get('limit'));
      return json({ data: items.slice(offset, offset + limit), total: items.length });
    }
    case '/page': {
      const page = Number(q.get('page')), size = Number(q.get('per_page'));
      return json({ results: items.slice((page - 1) * size, page * size), meta: { total_pages: Math.ceil(items.length / size) } });
    }
    case '/cursor': {
      const at = Number(q.get('after') ?? 0);
      const next = at + 10 < items.length ? String(at + 10) : null;
      return json({ results: items.slice(at, at + 10), paging: next ? { next: { after: next } } : {} });
    }
    case '/next': {
      const at = Number(q.get('at') ?? 0);
      return json({ records: items.slice(at, at + 10), nextRecordsUrl: at + 10 < items.length ? `/next?at=${at + 10}` : null });
    }
    case '/link': {
      const at = Number(q.get('at') ?? 0);
      const link: Record<string, string> = at + 10 < items.length ? { Link: `<${base}/link?at=${at + 10}>; rel="next", <${base}/link?at=0>; rel="first"` } : {};
      return json(items.slice(at, at + 10), link);
    }
    case '/loop':
      return json({ results: items.slice(0, 2), paging: { next: { after: 'same' } } });
  }
  res.writeHead(404).end();
}

describe('HTTP stream sources', () => {
  let server: Server;
  let base: string;
  let dir: string;
  let store: StateStore;
  beforeAll(async () => {
    server = createServer((req, res) => api(req, res, base));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    dir = await mkdtemp(join(tmpdir(), 'sluice-stream-'));
    store = await openStateStore({ state: dir, projectDir: dir });
  });
  afterAll(async () => {
    await store.close();
    server.close();
    await rm(dir, { recursive: true, force: true });
  });

  const spec = (streams: Record<string, unknown>): ConnectorSpec => connectorSpecSchema.parse({ name: 'pages', base_url: base, streams });
  async function readAll(streams: Record<string, unknown>, name: string, cursorName = `cursor:${name}`) {
    const s = spec(streams);
    const http = await openHttpConnection({ name: 'api', connection: { type: 'http', connector: 'x', config: {}, auth: { type: 'none' } }, spec: s, redactor: new Redactor() });
    const source = createHttpStreamSource({ http, stream: s.streams[name]!, streamName: name, store, cursorName });
    const rows: unknown[] = [];
    try {
      for await (const batch of source.read()) rows.push(...batch);
      await source.commit();
    } finally {
      await source.close();
    }
    return rows;
  }

  it.each([
    ['offset', { path: '/offset', records: '$.data', paginate: { type: 'offset', limit: 10, total: '$.total' } }],
    ['page', { path: '/page', records: '$.results', paginate: { type: 'page', page_param: 'page', size_param: 'per_page', size: 10, total_pages: '$.meta.total_pages' } }],
    ['cursor', { path: '/cursor', records: '$.results', paginate: { type: 'cursor', cursor: '$.paging.next.after', cursor_param: 'after' }, stop_when: 'response.body.paging.next == nil' }],
    ['next_url', { path: '/next', records: '$.records', paginate: { type: 'next_url', next_url: '$.nextRecordsUrl' } }],
    ['link_header', { path: '/link', records: '$', paginate: { type: 'link_header' } }],
  ])('reads every record across pages with %s pagination', async (name, stream) => {
    requests.length = 0;
    const rows = await readAll({ [name]: stream }, name);
    expect(rows).toEqual(ITEMS);
    expect(requests).toHaveLength(3);
  });

  it('stops with an error when the API repeats a cursor', async () => {
    await expect(readAll({ loop: { path: '/loop', records: '$.results', paginate: { type: 'cursor', cursor: '$.paging.next.after', cursor_param: 'after' } } }, 'loop')).rejects.toThrow(
      'stream loop: the API returned cursor "same" twice; stopping so the read does not loop',
    );
  });

  it('stops at max_requests', async () => {
    await expect(readAll({ capped: { path: '/offset', records: '$.data', max_requests: 2, paginate: { type: 'offset', limit: 5 } } }, 'capped')).rejects.toThrow(
      'stream capped made 2 requests and was not done: raise max_requests or check its paginate settings',
    );
  });

  it('reads incrementally from the kept cursor, formatted as the API wants it', async () => {
    const stream = { path: '/offset', records: '$.data', paginate: { type: 'offset', limit: 10 }, incremental: { cursor_field: 'updated', param: 'since', format: '%Y-%m-%d' } };
    const first = await readAll({ inc: stream }, 'inc', 'cursor:test-inc');
    expect(first).toHaveLength(23);
    expect(await store.getValue('cursor:test-inc')).toBe('2026-11-23T00:00:00Z');
    ITEMS.push({ id: 24, name: 'item 24', updated: '2026-11-24T00:00:00Z' });
    requests.length = 0;
    const second = await readAll({ inc: stream }, 'inc', 'cursor:test-inc');
    expect(second).toEqual([ITEMS[23]]);
    expect(requests[0]).toBe('/offset?since=2026-11-23&offset=0&limit=10');
    ITEMS.pop();
  });
});
