// Paging placed by the stream's own query templates (paginate.in: template, page.offset / page.limit) and fields
// unwrapped from { type, value } objects (unwrap_fields), against an API on loopback that pages inside a query
// language, as kintone does; and what validate says of them.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectorSpecSchema } from '../../src/config/connector-schema.js';
import { readConnectorSpec } from '../../src/config/load-connector-spec.js';
import { openHttpConnection } from '../../src/connectors/open-http-connection.js';
import { unwrapFields } from '../../src/connectors/unwrap-fields.js';
import { Redactor } from '../../src/log/redactor.js';
import type { Row } from '../../src/rows/row.js';
import { createHttpStreamSource } from '../../src/sources/http-stream-source.js';
import { openStateStore } from '../../src/state/open-state-store.js';
import type { StateStore } from '../../src/state/state-store.js';
import { startTestApi } from '../connectors/start-test-api.js';

describe('paging placed by query templates', () => {
  let dir: string;
  let store: StateStore;
  let api: Awaited<ReturnType<typeof startTestApi>> | undefined;
  const seen: URLSearchParams[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-template-paging-'));
    store = await openStateStore({ state: dir, projectDir: dir });
  });
  afterAll(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    await api?.close();
    api = undefined;
    seen.length = 0;
  });

  async function read(items: Row[], stream: Record<string, unknown>, cursorName: string): Promise<Row[]> {
    api = await startTestApi((request) => {
      const params = new URL(request.url, 'http://x').searchParams;
      seen.push(params);
      const m = /limit (\d+) offset (\d+)/.exec(params.get('q') ?? '');
      const [limit, offset] = m ? [Number(m[1]), Number(m[2])] : [100, 0];
      const from = /id >= (\d+)/.exec(params.get('q') ?? '');
      const selected = from ? items.filter((r) => Number(typeof r.id === 'object' ? (r.id as { value: string }).value : r.id) >= Number(from[1])) : items;
      return { body: { items: selected.slice(offset, offset + limit) } };
    });
    const spec = connectorSpecSchema.parse({ name: 'ql', base_url: api.url, streams: { items: stream } });
    const http = await openHttpConnection({ name: 'ql', connection: { type: 'http', connector: 'x', config: {}, auth: { type: 'none' } }, spec, redactor: new Redactor() });
    const source = createHttpStreamSource({ http, stream: spec.streams.items!, streamName: 'items', store, cursorName });
    const rows: Row[] = [];
    try {
      for await (const batch of source.read()) rows.push(...batch);
      await source.commit();
    } finally {
      await source.close();
    }
    return rows;
  }

  const wrapped = (n: number) => Array.from({ length: n }, (_, i) => ({ id: { type: '__ID__', value: String(i + 1) }, name: { type: 'TEXT', value: `item ${i + 1}` }, plain: i }));

  it('sends the page inside the query parameter, no offset or limit parameter, and reads every page', async () => {
    const rows = await read(wrapped(25), {
      path: '/items', records: '$.items', unwrap_fields: 'value',
      query: { q: 'order by id asc limit {{ page.limit }} offset {{ page.offset }}' },
      paginate: { type: 'offset', limit: 10, in: 'template' },
    }, 'cursor:pages');
    expect(rows.map((r) => r.id)).toEqual(Array.from({ length: 25 }, (_, i) => String(i + 1)));
    expect(rows[3]).toEqual({ id: '4', name: 'item 4', plain: 3 });
    expect(seen.map((p) => [...p.keys()].join(','))).toEqual(['q', 'q', 'q']);
    expect(seen.map((p) => p.get('q'))).toEqual(['order by id asc limit 10 offset 0', 'order by id asc limit 10 offset 10', 'order by id asc limit 10 offset 20']);
  });

  it('gives page to query templates of an offset paginate sending its parameters too', async () => {
    await read(wrapped(15), { path: '/items', records: '$.items', query: { q: 'limit {{ page.limit }} offset {{ page.offset }}', note: 'page {{ page.offset }}' }, paginate: { type: 'offset', limit: 10 } }, 'cursor:both');
    expect(seen.map((p) => [p.get('note'), p.get('offset'), p.get('limit')])).toEqual([['page 0', '0', '10'], ['page 10', '10', '10']]);
  });

  it('restarts past the depth from the last cursor value, which the query template places', async () => {
    const rows = await read(wrapped(7), {
      path: '/items', records: '$.items', unwrap_fields: 'value', primary_key: 'id',
      query: { q: '{% if cursor %}id >= {{ cursor }} {% endif %}order by id asc limit {{ page.limit }} offset {{ page.offset }}' },
      paginate: { type: 'offset', limit: 2, in: 'template', restart_after: 4 },
      incremental: { cursor_field: 'id', inclusive: true },
    }, 'cursor:restart');
    // The restart's first page repeats id 4, left out by key as read before.
    expect(seen.map((p) => p.get('q'))).toEqual([
      'order by id asc limit 2 offset 0', 'order by id asc limit 2 offset 2',
      'id >= 4 order by id asc limit 2 offset 0', 'id >= 4 order by id asc limit 2 offset 2',
      'id >= 7 order by id asc limit 2 offset 0',
    ]);
    expect(rows.map((r) => r.id)).toEqual(['1', '2', '3', '4', '5', '6', '7']);
  });

  it('keeps a hostile cursor value inside its one parameter, and compares digit cursors by value', async () => {
    const items = [{ id: '9', v: 'a' }, { id: '10', v: 'b' }];
    await read(items, { path: '/items', records: '$.items', query: { q: 'id >= {{ cursor }} limit {{ page.limit }} offset {{ page.offset }}' }, paginate: { type: 'offset', limit: 5, in: 'template' }, incremental: { cursor_field: 'id' } }, 'cursor:digits');
    // "10" is after "9": kept as the cursor, not the text-greater "9".
    expect(await store.getValue('cursor:digits')).toBe('10');
    await store.setValue('cursor:digits', '1 or 1=1&admin=true#');
    seen.length = 0;
    await api!.close();
    api = undefined;
    await read(items, { path: '/items', records: '$.items', query: { q: 'id >= {{ cursor }} limit {{ page.limit }} offset {{ page.offset }}' }, paginate: { type: 'offset', limit: 5, in: 'template' }, incremental: { cursor_field: 'id' } }, 'cursor:digits');
    expect([...seen[0]!.keys()]).toEqual(['q']);
    expect(seen[0]!.get('q')).toBe('id >= 1 or 1=1&admin=true# limit 5 offset 0');
  });

  it('unwraps only own value keys: a field named __proto__ stays a field, an inherited key is not a value', () => {
    const record = JSON.parse('{"__proto__": {"value": "x"}, "a": {"type": "T", "value": null}, "b": {"toString": 1}, "c": [1], "d": "plain"}') as Row;
    const out = unwrapFields(record, 'value');
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(['__proto__', 'a', 'b', 'c', 'd']);
    expect(out.a).toBeNull();
    expect(out.b).toEqual({ toString: 1 });
    expect(unwrapFields({ x: { y: 1 } }, 'toString')).toEqual({ x: { y: 1 } });
    expect(unwrapFields(JSON.parse('{"x": {"__proto__": {"polluted": 1}}}') as Row, '__proto__')).toEqual(JSON.parse('{"x": {"polluted": 1}}'));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('validate: template paging', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-template-paging-validate-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const issues = async (yaml: string) => {
    const file = join(dir, 'api.yaml');
    await writeFile(file, `name: api\nbase_url: https://api.example.com\n${yaml}`);
    return (await readConnectorSpec(file, dir)).issues.map((i) => `${i.line ?? ''}: ${i.path}: ${i.message}`);
  };

  it.each([
    [
      'in: template with no query template reading page',
      'streams:\n  s:\n    path: /s\n    query: { q: "order by id" }\n    paginate: { type: offset, in: template }\n',
      ['7: streams.s.paginate.in: stream s: paginate.in template sends no offset, so a query template must place it ({{ page.offset }}, {{ page.limit }}); every page would be the first'],
    ],
    [
      'page read by a stream that does not page by offset',
      'streams:\n  s:\n    path: /s\n    query: { q: "offset {{ page.offset }}" }\n    paginate: { type: cursor, cursor: $.next, cursor_param: c }\n',
      ['6: streams.s.query: stream s: the query reads page, which only an offset paginate gives (page.offset, page.limit)'],
    ],
    [
      'restart_after without incremental',
      'streams:\n  s:\n    path: /s\n    primary_key: id\n    query: { q: "offset {{ page.offset }}" }\n    paginate: { type: offset, in: template, restart_after: 100 }\n',
      ['8: streams.s.paginate.restart_after: stream s: restart_after asks again from the last record\'s incremental.cursor_field value, sent in incremental.param (or placed by query templates as {{ cursor }}); add incremental'],
    ],
  ])('names %s', async (_name, yaml, expected) => {
    expect(await issues(yaml)).toEqual(expected);
  });

  it('accepts a restart whose cursor a query template places, and refuses an in other than query or template', async () => {
    expect(await issues('streams:\n  s:\n    path: /s\n    primary_key: id\n    query: { q: "{% if cursor %}id >= {{ cursor }} {% endif %}offset {{ page.offset }}" }\n    paginate: { type: offset, in: template, restart_after: 100 }\n    incremental: { cursor_field: id, inclusive: true }\n')).toEqual([]);
    expect(await issues('streams:\n  s:\n    path: /s\n    paginate: { type: offset, in: body }\n')).toEqual([expect.stringMatching(/^6: streams\.s\.paginate\.in: /)]);
  });
});
