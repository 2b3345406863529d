import { describe, expect, it } from 'vitest';
import { endpointSchema } from '../config/connector-schema.js';
import { renderBatchRequest, renderRequest } from './render-request.js';
import { createTemplateEngine } from './template-engine.js';

const engine = createTemplateEngine();
const options = { baseUrl: 'https://api.example.com/v2/', engine, connectorHeaders: { Accept: 'application/json', 'X-Space': '{{ config.space }}' } };
const base = { config: { space: 'acme' }, vars: { day: '2026-01-02' }, run: { id: 'r1', started_at: '2026-01-02T00:00:00Z' } };
const endpoint = (e: object) => endpointSchema.parse(e);

describe('renderRequest', () => {
  it('builds the URL from base URL, the path in URL mode and the query map without empty values', () => {
    const request = renderRequest(
      endpoint({ operation: 'update', method: 'PATCH', path: '/issues/{{ record.id }}', query: { key: '{{ row.key }}', empty: '{{ row.none }}', day: '{{ vars.day }}' } }),
      { ...base, row: { key: 'A&B c', none: null }, record: { id: 'ID/1 2' } },
      options,
    );
    expect(request.method).toBe('PATCH');
    expect(request.url).toBe('https://api.example.com/v2/issues/ID%2F1%202?key=A%26B%20c&day=2026-01-02');
    expect(request.body).toBeNull();
  });

  it('renders connector and endpoint headers; the endpoint wins, names compared case-insensitively', () => {
    const request = renderRequest(endpoint({ operation: 'create', path: '/x', headers: { accept: 'text/csv' } }), { ...base, row: {} }, options);
    expect(request.headers).toEqual({ accept: 'text/csv', 'X-Space': 'acme' });
  });

  it('a header value with a line break is refused (no header injection)', () => {
    expect(() =>
      renderRequest(endpoint({ operation: 'create', path: '/x', headers: { 'X-Note': '{{ row.n }}' } }), { ...base, row: { n: 'a\r\nX-Evil: 1' } }, options),
    ).toThrow('header X-Note contains a line break');
  });

  it('a body that looks like JSON renders in JSON mode and gets Content-Type: application/json', () => {
    const request = renderRequest(
      endpoint({ operation: 'create', path: '/issues', body: '{ "summary": "{{ row.s }}", "n": {{ row.n }}, }' }),
      { ...base, row: { s: 'say "hi"\n', n: 3 } },
      options,
    );
    expect(request.headers['Content-Type']).toBe('application/json');
    expect(request.body).toBe('{ "summary": "say \\"hi\\"\\n", "n": 3 }');
  });

  it('a text body with another Content-Type renders as text', () => {
    const request = renderRequest(
      endpoint({ operation: 'create', path: '/notes', headers: { 'Content-Type': 'text/plain' }, body: 'Note: {{ row.s }}' }),
      { ...base, row: { s: 'a "b"' } },
      options,
    );
    expect(request.body).toBe('Note: a "b"');
  });

  it('a form map body is form-encoded, arrays as k[]=, a lone expression keeping its array', () => {
    const request = renderRequest(
      endpoint({
        operation: 'create',
        path: '/issues',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: { projectId: '{{ row.project }}', summary: 'Scan: {{ row.s }}', 'categoryId[]': '{{ row.cats }}', notifiedUserId: ['1', '{{ row.user }}'] },
      }),
      { ...base, row: { project: 7, s: 'a&b c', cats: [3, 4], user: 9 } },
      options,
    );
    expect(request.body).toBe('projectId=7&summary=Scan%3A+a%26b+c&categoryId[]=3&categoryId[]=4&notifiedUserId[]=1&notifiedUserId[]=9');
  });

  it('a JSON map body keeps the types of lone expressions', () => {
    const request = renderRequest(
      endpoint({ operation: 'create', path: '/x', body: { n: '{{ row.n }}', tags: '{{ row.tags }}', label: 'id-{{ row.n }}', fixed: true } }),
      { ...base, row: { n: 5, tags: ['a'] } },
      options,
    );
    expect(JSON.parse(request.body!)).toEqual({ n: 5, tags: ['a'], label: 'id-5', fixed: true });
    expect(request.headers['Content-Type']).toBe('application/json');
  });

  it('an invalid JSON body is an error with the rendered text', () => {
    expect(() =>
      renderRequest(endpoint({ operation: 'create', path: '/x', body: '{ "n": {{ row.n }} }' }), { ...base, row: { n: null } }, options),
    ).toThrow('body is not valid JSON: value expected at line 1 column 9\n{ "n":  }');
  });
});

describe('renderBatchRequest', () => {
  const batchDeleteFields = {
    operation: 'delete',
    request: 'batch',
    method: 'POST',
    path: '/batch/{{ records.size }}',
    query: { ids: '{{ records | map: "id" | join: "," }}' },
    batch: { size: 10, item: '{ "id": {{ record.id | json }}, "email": "{{ row.email }}" }', body: '{ "inputs": {{ items }}, "count": {{ rows.size }} }' },
  };
  const batchEndpoint = endpoint(batchDeleteFields);

  it('renders each row with batch.item and wraps the items; path and query see rows and records', () => {
    const rendered = renderBatchRequest(
      batchEndpoint,
      [
        { row: { email: 'a@x' }, record: { id: '1' } },
        { row: { email: 'b@x' }, record: { id: '2' } },
      ],
      base,
      options,
    );
    expect(rendered.errors.size).toBe(0);
    expect(rendered.request!.url).toBe('https://api.example.com/v2/batch/2?ids=1%2C2');
    expect(JSON.parse(rendered.request!.body!)).toEqual({ inputs: [{ id: '1', email: 'a@x' }, { id: '2', email: 'b@x' }], count: 2 });
  });

  it('leaves a row whose item does not render out of the batch, with its error', () => {
    const rendered = renderBatchRequest(
      batchEndpoint,
      [
        { row: { email: 'a@x' }, record: { id: '1' } },
        { row: { mail: 'b@x' }, record: { id: '2' } },
        { row: { email: 'c@x' }, record: { id: '3' } },
      ],
      base,
      options,
    );
    expect(rendered.included).toEqual([0, 2]);
    expect(rendered.errors.get(1)).toBe('unknown variable "row.email" in batch.item (did you mean "mail"?)');
    expect(JSON.parse(rendered.request!.body!).inputs.map((i: { id: string }) => i.id)).toEqual(['1', '3']);
  });

  // The same delete with neither batch.item nor batch.body: the kept ids go in the query alone.
  const batchDelete = endpoint({ ...batchDeleteFields, method: 'DELETE', path: '/contacts', batch: { size: 50 } });

  it('without batch.item and batch.body, sends no body: the ids go in the query', () => {
    const rendered = renderBatchRequest(batchDelete, [{ row: { email: 'a@x' }, record: { id: '7' } }, { row: { email: 'b@x' }, record: { id: '9' } }], base, options);
    expect(rendered.errors.size).toBe(0);
    expect(rendered.included).toEqual([0, 1]);
    expect(rendered.request).toEqual({
      method: 'DELETE',
      url: 'https://api.example.com/v2/contacts?ids=7%2C9',
      headers: { Accept: 'application/json', 'X-Space': 'acme' },
      body: null,
    });
  });

  it('leaves out a record with no kept id when the query lists ids, so no request goes out without its ids', () => {
    const error = "no remote id is kept for this record, and the delete endpoint's path or query needs records' ids";
    const some = renderBatchRequest(batchDelete, [{ row: {}, record: { id: null } }, { row: {}, record: { id: '9' } }], base, options);
    expect(some.request!.url).toBe('https://api.example.com/v2/contacts?ids=9');
    expect([...some.errors]).toEqual([[0, error]]);
    const none = renderBatchRequest(batchDelete, [{ row: {}, record: { id: null } }], base, options);
    expect(none.request).toBeUndefined();
    expect([...none.errors]).toEqual([[0, error]]);
  });

  it('a batch.body that does not use items needs no batch.item: it sees rows and records', () => {
    const rendered = renderBatchRequest(
      endpoint({ operation: 'update', request: 'batch', method: 'POST', path: '/close', batch: { body: '{ "emails": {{ rows | map: "email" | json }} }' } }),
      [{ row: { email: 'a@x' }, record: { id: null } }, { row: { email: 'b@x' }, record: { id: null } }],
      base,
      options,
    );
    expect(rendered.included).toEqual([0, 1]);
    expect(rendered.request!.headers['Content-Type']).toBe('application/json');
    expect(JSON.parse(rendered.request!.body!)).toEqual({ emails: ['a@x', 'b@x'] });
  });
});

describe('a row written once for its fingerprint and its request', () => {
  const rows = [
    { id: 1, name: 'say "hi"\n', tags: ['a', 'b'], nested: { x: null, y: 1.5 }, at: '2026-01-02T03:04:05.000Z', emoji: '日本 \u{1F600}', lone: '\uD800' },
    { id: 2, name: null, empty: '', big: 1.5e300, t: true },
  ];

  it('a `{{ row | json }}` item or body given the kept text sends the same bytes as rendering it', () => {
    for (const item of ['{{ row | json }}', '{{row|json}}', '{{- row | json -}}']) {
      const e = endpoint({ operation: 'create', path: '/x', request: 'batch', batch: { size: 10, item, body: '{ "records": {{ items }} }' } });
      const rendered = renderBatchRequest(e, rows.map((row) => ({ row, record: { id: null } })), base, options);
      const kept = renderBatchRequest(e, rows.map((row) => ({ row, record: { id: null }, rowJson: JSON.stringify(row) })), base, options);
      expect(kept.request!.body).toBe(rendered.request!.body);
      const single = endpoint({ operation: 'create', path: '/x', body: item });
      for (const row of rows) {
        expect(renderRequest(single, { ...base, row }, options, JSON.stringify(row)).body).toBe(renderRequest(single, { ...base, row }, options).body);
      }
    }
  });

  it('any other template renders as written, whatever text is kept', () => {
    const e = endpoint({ operation: 'create', path: '/x', request: 'batch', batch: { size: 10, item: '{{ row.name | json }}', body: '{{ items }}' } });
    const kept = renderBatchRequest(e, [{ row: rows[0], record: { id: null }, rowJson: '{"not":"used"}' }], base, options);
    expect(kept.request!.body).toBe('["say \\"hi\\"\\n"]');
    const single = endpoint({ operation: 'create', path: '/x', body: '{ "row": {{ row | json }} }' });
    expect(renderRequest(single, { ...base, row: { a: 1 } }, options, '{"not":"used"}').body).toBe('{ "row": {"a":1} }');
  });
});
