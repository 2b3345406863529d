import { afterEach, describe, expect, it } from 'vitest';
import type { HttpConnection } from '../../src/connectors/open-http-connection.js';
import { FatalDeliveryError, type DeliveryItem, type DeliveryOperation } from '../../src/rows/delivery-item.js';
import { createHttpDestination } from '../../src/destinations/http-destination.js';
import { Redactor } from '../../src/log/redactor.js';
import { deliverItems } from '../../src/sync/deliver-items.js';
import { openTestConnection } from './open-test-connection.js';
import { startTestApi, type ReceivedRequest, type TestReply } from './start-test-api.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function api(handler?: (r: ReceivedRequest) => TestReply | Promise<TestReply>) {
  const server = await startTestApi(handler);
  cleanups.push(server.close);
  return server;
}

async function connect(...args: Parameters<typeof openTestConnection>): Promise<HttpConnection> {
  const http = await openTestConnection(...args);
  cleanups.push(() => http.close());
  return http;
}

function item(key: string, row: Record<string, unknown>, operation: DeliveryOperation = 'create', remoteId: string | null = null): DeliveryItem {
  return { key, operation, row, remoteId };
}

const nasty = 'He said "hi" \\ back\ttab\r\nCRLF \u0001\u001f ctrl 😀 日本語テキスト \u2028';

describe('HTTP destination, single requests', () => {
  it('JSON mode delivers quotes, backslashes, tabs, CR/LF, control characters, emoji and Japanese byte for byte', async () => {
    const server = await api((r) => ({ status: 201, body: { id: 1000 + (r.json as { n: number }).n } }));
    const http = await connect(
      {
        endpoints: {
          add: {
            operation: 'create',
            path: '/issues',
            body: '{ "summary": "{{ row.summary }}", "raw": {{ row.summary | json }}, "n": {{ row.n }} }',
            response: { record_id: '{{ response.body.id }}' },
          },
        },
      },
      server.url,
    );
    const destination = createHttpDestination({ connection: http, endpoints: { create: 'add' } });
    const results = await destination.write([item('k1', { summary: nasty, n: 1 })]);
    expect(results).toEqual([{ key: 'k1', ok: true, remoteId: '1001' }]);
    const received = server.requests[0]!;
    expect(received.headers['content-type']).toBe('application/json');
    expect(received.json).toEqual({ summary: nasty, raw: nasty, n: 1 });
    // Non-ASCII text travels as UTF-8, not as \u escapes.
    expect(received.raw.includes(Buffer.from('😀 日本語テキスト', 'utf8'))).toBe(true);
  });

  it('drops a trailing comma a loop leaves behind', async () => {
    const server = await api(() => ({ status: 200, body: {} }));
    const http = await connect(
      { endpoints: { add: { operation: 'create', path: '/tags', body: '{ "tags": [{% for t in row.tags %}"{{ t }}",{% endfor %}], }' } } },
      server.url,
    );
    const results = await createHttpDestination({ connection: http, endpoints: { create: 'add' } }).write([item('k', { tags: ['a', 'b'] })]);
    expect(results[0]!.ok).toBe(true);
    expect(server.requests[0]!.json).toEqual({ tags: ['a', 'b'] });
  });

  it('rejects a row whose body is not valid JSON with the rendered text, and never sends it', async () => {
    const server = await api(() => ({ status: 201, body: { id: 1 } }));
    const http = await connect(
      { endpoints: { add: { operation: 'create', path: '/issues', body: '{ "projectId": {{ row.project_id }}, "summary": {{ row.summary | json }} }' } } },
      server.url,
    );
    const results = await createHttpDestination({ connection: http, endpoints: { create: 'add' } }).write([
      item('good', { project_id: 7, summary: 'ok' }),
      item('bad', { project_id: null, summary: 'no project' }),
    ]);
    expect(results[0]).toMatchObject({ key: 'good', ok: true });
    expect(results[1]).toEqual({
      key: 'bad',
      ok: false,
      error: 'body is not valid JSON: value expected at line 1 column 16\n{ "projectId": , "summary": "no project" }',
      request: null,
      notSent: true,
    });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.json).toEqual({ projectId: 7, summary: 'ok' });
  });

  it('an unknown column is an error naming it; the row is not sent', async () => {
    const server = await api();
    const http = await connect({ endpoints: { add: { operation: 'create', path: '/issues', body: '{ "summary": {{ row.sumary | json }} }' } } }, server.url);
    const results = await createHttpDestination({ connection: http, endpoints: { create: 'add' } }).write([item('k', { summary: 'x' })]);
    expect(results[0]).toEqual({ key: 'k', ok: false, error: 'unknown variable "row.sumary" in body (did you mean "summary"?)', request: null, notSent: true });
    expect(server.requests).toHaveLength(0);
  });

  it('sends form bodies with arrays as k[]=', async () => {
    const server = await api(() => ({ status: 201, body: { id: 5 } }));
    const http = await connect(
      {
        endpoints: {
          add: {
            operation: 'create',
            path: '/api/v2/issues',
            headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
            body: { projectId: '{{ row.project_id }}', summary: '{{ row.summary }}', 'categoryId[]': '{{ row.categories }}' },
          },
        },
      },
      server.url,
    );
    await createHttpDestination({ connection: http, endpoints: { create: 'add' } }).write([
      item('k', { project_id: 1, summary: 'Disk full & slow', categories: [3, 4] }),
    ]);
    const received = server.requests[0]!;
    expect(received.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(received.text).toBe('projectId=1&summary=Disk+full+%26+slow&categoryId[]=3&categoryId[]=4');
    const form = new URLSearchParams(received.text);
    expect(form.getAll('categoryId[]')).toEqual(['3', '4']);
    expect(form.get('summary')).toBe('Disk full & slow');
  });

  it('renders path and query, keeps the record id from the response, and updates by record.id', async () => {
    const server = await api((r) => (r.method === 'POST' ? { status: 201, body: { id: 'ISS-1' } } : { status: 200, body: {} }));
    const http = await connect(
      {
        endpoints: {
          add: { operation: 'create', path: '/projects/{{ row.project }}/issues', query: { notify: '{{ row.notify }}' }, body: '{"s": {{ row.s | json }}}', response: { record_id: '{{ response.body.id }}' } },
          edit: { operation: 'update', method: 'PATCH', path: '/issues/{{ record.id }}', body: '{"s": {{ row.s | json }}}' },
        },
      },
      server.url,
    );
    const destination = createHttpDestination({ connection: http, endpoints: { create: 'add', update: 'edit' } });
    const [created] = await destination.write([item('k', { project: 'A B/C', notify: 'a&b', s: 'one' })]);
    expect(created).toEqual({ key: 'k', ok: true, remoteId: 'ISS-1' });
    const [updated] = await destination.write([item('k', { project: 'A B/C', notify: '', s: 'two' }, 'update', created!.remoteId!)]);
    expect(updated).toEqual({ key: 'k', ok: true, remoteId: 'ISS-1' });
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['POST /projects/A%20B%2FC/issues?notify=a%26b', 'PATCH /issues/ISS-1']);
  });

  it('deletes by record.id, and refuses to delete a record without a kept id', async () => {
    const server = await api(() => ({ status: 204 }));
    const http = await connect({ endpoints: { remove: { operation: 'delete', method: 'DELETE', path: '/issues/{{ record.id }}' } } }, server.url);
    const destination = createHttpDestination({ connection: http, endpoints: { delete: 'remove' } });
    const results = await destination.write([item('a', { id: 1 }, 'delete', '42'), item('b', { id: 2 }, 'delete', null)]);
    expect(results[0]).toEqual({ key: 'a', ok: true, remoteId: '42' });
    expect(results[1]).toMatchObject({ key: 'b', ok: false, error: expect.stringContaining('no remote id is kept for this record') });
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['DELETE /issues/42']);
  });

  it("rejects a row with the API's message through the connector's error_message, and the run goes on", async () => {
    const server = await api((r) =>
      r.json && (r.json as { summary: string }).summary === ''
        ? { status: 400, body: { errors: [{ message: 'Summary is required.', code: 7, moreInfo: '' }] } }
        : { status: 201, body: { id: 9 } },
    );
    const http = await connect(
      {
        error_message: '{{ response.body.errors[0].message }} (code {{ response.body.errors[0].code }})',
        endpoints: { add: { operation: 'create', path: '/issues', body: '{ "summary": {{ row.summary | json }} }' } },
      },
      server.url,
    );
    const results = await createHttpDestination({ connection: http, endpoints: { create: 'add' } }).write([
      item('empty', { summary: '' }),
      item('fine', { summary: 'x' }),
    ]);
    expect(results[0]).toMatchObject({ key: 'empty', ok: false, error: '400 Bad Request: Summary is required. (code 7)' });
    expect(results[0]!.request).toContain(`curl -X POST '${server.url}/issues'`);
    expect(results[1]).toMatchObject({ key: 'fine', ok: true });
  });

  it('a success condition that is false marks the record failed with the error template', async () => {
    const server = await api((r) => ({ status: 200, body: (r.json as { n: number }).n > 1 ? { ok: false, error: 'quota' } : { ok: true, id: 'x1' } }));
    const http = await connect(
      {
        endpoints: {
          add: {
            operation: 'create',
            path: '/send',
            body: '{ "n": {{ row.n }} }',
            response: { success: 'result.ok == true', error: 'refused: {{ result.error }}', record_id: '{{ result.id }}' },
          },
        },
      },
      server.url,
    );
    const results = await createHttpDestination({ connection: http, endpoints: { create: 'add' } }).write([item('a', { n: 1 }), item('b', { n: 2 })]);
    expect(results[0]).toEqual({ key: 'a', ok: true, remoteId: 'x1' });
    expect(results[1]).toMatchObject({ key: 'b', ok: false, error: 'refused: quota' });
  });

  it('a 200 it cannot read rejects the row with the status and the first bytes of the body; no id on a create rejects it too', async () => {
    const secret = 'tok-3b9d77e1a0c4';
    const page = `<!doctype html>\n<html>  <body>Signed in as ${secret}. ${'x'.repeat(300)}</body></html>`;
    let answer: TestReply = { status: 200, headers: { 'content-type': 'text/html' }, body: page };
    const server = await api(() => answer);
    const http = await connect(
      {
        auth: { type: 'bearer' },
        endpoints: {
          add: { operation: 'create', path: '/issues', body: '{ "n": {{ row.n }} }', response: { record_id: '{{ response.body.id }}' } },
          put: { operation: 'upsert', method: 'PUT', path: '/issues/{{ row.n }}', body: '{ "n": {{ row.n }} }', response: { record_id: '{{ response.body.id }}' } },
        },
      },
      server.url,
      { auth: { type: 'bearer', token: secret } },
    );
    const destination = createHttpDestination({ connection: http, endpoints: { create: 'add', upsert: 'put' } });
    const [html] = await destination.write([item('a', { n: 1 })]);
    const excerpt = `<!doctype html> <html> <body>Signed in as ****. ${'x'.repeat(300)}`.slice(0, 200);
    expect(html).toMatchObject({ key: 'a', ok: false, error: `200 OK: the response is not JSON: ${excerpt}...` });
    expect(html!.request).toContain(`curl -X POST '${server.url}/issues'`);
    expect(JSON.stringify(html)).not.toContain(secret);

    answer = { status: 201, body: { ok: true } };
    const [noId] = await destination.write([item('b', { n: 2 })]);
    expect(noId).toMatchObject({
      key: 'b',
      ok: false,
      error: '201 Created: the response gave no id for the new record (response.record_id {{ response.body.id }} rendered empty): {"ok":true}',
    });
    // An upsert the API answers with no body (Salesforce's 204 on an update) addresses the record by key: delivered.
    answer = { status: 204 };
    expect(await destination.write([item('c', { n: 3 }, 'upsert')])).toEqual([{ key: 'c', ok: true, remoteId: null }]);
  });

  it('marks a row whose request ran out of retries on an outage as unavailable, and a refused one not', async () => {
    let status = 503;
    const server = await api(() => ({ status, body: { message: status === 503 ? 'maintenance' : 'bad n' } }));
    const http = await connect({ endpoints: { add: { operation: 'create', path: '/x', body: '{ "n": {{ row.n }} }' } } }, server.url);
    const destination = createHttpDestination({ connection: http, endpoints: { create: 'add' } });
    expect(await destination.write([item('a', { n: 1 })])).toEqual([
      { key: 'a', ok: false, error: '503 Service Unavailable after 2 attempts: maintenance', request: expect.stringContaining('curl') as string, unavailable: true },
    ]);
    status = 422;
    const [refused] = await destination.write([item('b', { n: 2 })]);
    expect(refused).toMatchObject({ ok: false, error: '422 Unprocessable Entity: bad n' });
    expect(refused!.unavailable).toBeUndefined();
  });

  it('an API asking to wait longer than Sluice waits stops the run as unavailable', async () => {
    const server = await api(() => ({ status: 429, headers: { 'retry-after': '3600' }, body: { message: 'daily limit reached' } }));
    const http = await connect({ endpoints: { add: { operation: 'create', path: '/x', body: '{}' } } }, server.url);
    const write = createHttpDestination({ connection: http, endpoints: { create: 'add' } }).write([item('a', {})]);
    await expect(write).rejects.toBeInstanceOf(FatalDeliveryError);
    await expect(write).rejects.toThrow(
      'the API is unavailable: 429 Too Many Requests: the API asks to wait 3600 s before the next request, longer than the 900 s Sluice waits: daily limit reached',
    );
  });

  it('a fail outcome (credential refused and not renewable) stops the run', async () => {
    const server = await api(() => ({ status: 401, body: { message: 'invalid key' } }));
    const http = await connect(
      { auth: { type: 'api_key', in: 'header', name: 'X-Api-Key' }, endpoints: { add: { operation: 'create', path: '/x', body: '{}' } } },
      server.url,
      { auth: { type: 'api_key', key: 'key-abcdef-123' } },
    );
    const write = createHttpDestination({ connection: http, endpoints: { create: 'add' } }).write([item('a', {})]);
    await expect(write).rejects.toBeInstanceOf(FatalDeliveryError);
    await expect(write).rejects.toThrow(/401 Unauthorized/);
  });

  it('looks up remote ids by key; not found is null', async () => {
    const server = await api((r) => {
      const email = new URL(r.url, 'http://x').searchParams.get('email');
      return email === 'known@example.com' ? { status: 200, body: { results: [{ id: 'C-7' }] } } : { status: 200, body: { results: [] } };
    });
    const http = await connect(
      {
        endpoints: {
          find: { operation: 'lookup', method: 'GET', path: '/contacts', query: { email: '{{ row.email }}' }, response: { record_id: '{{ response.body.results[0].id }}' } },
        },
      },
      server.url,
    );
    const destination = createHttpDestination({ connection: http, endpoints: { lookup: 'find' } });
    expect(destination.supports('lookup')).toBe(true);
    const found = await destination.lookup!([item('known@example.com', { email: 'known@example.com' }), item('new@example.com', { email: 'new@example.com' })]);
    expect([...found]).toEqual([
      ['known@example.com', 'C-7'],
      ['new@example.com', null],
    ]);
    expect(server.requests.map((r) => r.url)).toEqual(['/contacts?email=known%40example.com', '/contacts?email=new%40example.com']);
  });

  it('preview renders exactly what write sends, sending nothing', async () => {
    const server = await api(() => ({ status: 201, body: { id: 1 } }));
    const http = await connect({ endpoints: { add: { operation: 'create', path: '/issues', body: '{ "summary": "{{ row.s }}" }' } } }, server.url);
    const destination = createHttpDestination({ connection: http, endpoints: { create: 'add' } });
    const previews = await destination.preview([item('a', { s: 'say "x"' }), item('b', {})]);
    expect(server.requests).toHaveLength(0);
    expect(previews[0]).toEqual({
      operation: 'create',
      keys: ['a'],
      text: `curl -X POST '${server.url}/issues' \\\n  -H 'Content-Type: application/json' \\\n  --data-raw '{ "summary": "say \\"x\\"" }'`,
    });
    expect(previews[1]).toEqual({ operation: 'create', keys: ['b'], text: '', error: 'unknown variable "row.s" in body' });
    await destination.write([item('a', { s: 'say "x"' })]);
    expect(server.requests[0]!.text).toBe('{ "summary": "say \\"x\\"" }');
  });
});

describe('HTTP destination, batch requests', () => {
  const upsertSpec = (response: Record<string, unknown>, size = 100) => ({
    endpoints: {
      upsert_contacts: {
        operation: 'upsert',
        request: 'batch',
        method: 'POST',
        path: '/crm/v3/objects/contacts/batch/upsert',
        query: { count: '{{ rows.size }}' },
        batch: { size, item: '{ "idProperty": "email", "id": {{ row.email | json }}, "properties": {{ row | json }} }', body: '{ "inputs": {{ items }} }' },
        response,
      },
    },
  });

  it('matches per-record results to rows by key, whatever their order, and keeps their ids', async () => {
    const server = await api((r) => {
      const inputs = (r.json as { inputs: { id: string }[] }).inputs;
      // Results come back in reverse order: only matching by key gets the ids right.
      return { status: 200, body: { status: 'COMPLETE', results: inputs.map((input, i) => ({ id: `id-${i}`, properties: { email: input.id } })).reverse() } };
    });
    const http = await connect(upsertSpec({ results: '$.results', match: '{{ result.properties.email }}', record_id: '{{ result.id }}' }), server.url);
    const destination = createHttpDestination({ connection: http, endpoints: { upsert: 'upsert_contacts' } });
    expect(destination.batchSize('upsert')).toBe(100);
    const items = ['a@x.io', 'b@x.io', 'c@x.io'].map((email) => item(email, { email, firstname: email[0] }, 'upsert'));
    const results = await destination.write(items);
    expect(results).toEqual([
      { key: 'a@x.io', ok: true, remoteId: 'id-0' },
      { key: 'b@x.io', ok: true, remoteId: 'id-1' },
      { key: 'c@x.io', ok: true, remoteId: 'id-2' },
    ]);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.url).toBe('/crm/v3/objects/contacts/batch/upsert?count=3');
    expect((server.requests[0]!.json as { inputs: unknown[] }).inputs[1]).toEqual({ idProperty: 'email', id: 'b@x.io', properties: { email: 'b@x.io', firstname: 'b' } });
  });

  it('a row missing from the results fails with "no result for this record in the response"', async () => {
    const server = await api((r) => {
      const inputs = (r.json as { inputs: { id: string }[] }).inputs;
      return { status: 200, body: { results: inputs.slice(1).map((input) => ({ id: `id-${input.id}`, properties: { email: input.id } })) } };
    });
    const http = await connect(upsertSpec({ results: '$.results[*]', match: '{{ result.properties.email }}', record_id: '{{ result.id }}' }), server.url);
    const results = await createHttpDestination({ connection: http, endpoints: { upsert: 'upsert_contacts' } }).write(
      ['a@x.io', 'b@x.io'].map((email) => item(email, { email }, 'upsert')),
    );
    expect(results[0]).toMatchObject({ key: 'a@x.io', ok: false, error: 'no result for this record in the response' });
    expect(results[0]!.request).toContain('/crm/v3/objects/contacts/batch/upsert?count=2');
    expect(results[1]).toEqual({ key: 'b@x.io', ok: true, remoteId: 'id-b@x.io' });
  });

  it('reads results at a nested path or a top-level array; a path that selects nothing or no list fails every row', async () => {
    let answer: unknown;
    const server = await api(() => ({ status: 200, body: answer }));
    const write = async (results: string, body: unknown) => {
      answer = body;
      const http = await connect(upsertSpec({ results, record_id: '{{ result.id }}' }), server.url);
      return createHttpDestination({ connection: http, endpoints: { upsert: 'upsert_contacts' } }).write(
        ['a@x.io', 'b@x.io'].map((email) => item(email, { email }, 'upsert')),
      );
    };
    expect(await write('$.data.results', { data: { results: [{ id: 'n-0' }, { id: 'n-1' }] } })).toEqual([
      { key: 'a@x.io', ok: true, remoteId: 'n-0' },
      { key: 'b@x.io', ok: true, remoteId: 'n-1' },
    ]);
    expect(await write('$', [{ id: 't-0' }, { id: 't-1' }])).toEqual([
      { key: 'a@x.io', ok: true, remoteId: 't-0' },
      { key: 'b@x.io', ok: true, remoteId: 't-1' },
    ]);
    // Nothing says which records the API took: none passes as delivered (without an id, a later run would create it again).
    const onlyNull = await write('$.data.results', { data: { results: null } });
    const notList = '200 OK: response.results ($.data.results) is not a list in the response: {"data":{"results":null}}';
    expect(onlyNull.map((r) => [r.key, r.ok, r.error])).toEqual([['a@x.io', false, notList], ['b@x.io', false, notList]]);
    expect(onlyNull[0]!.request).toContain('/crm/v3/objects/contacts/batch/upsert');
    const missing = await write('$.data.missing', { data: {} });
    const nothing = '200 OK: response.results ($.data.missing) matches nothing in the response: {"data":{}}';
    expect(missing.map((r) => [r.ok, r.error])).toEqual([[false, nothing], [false, nothing]]);
    const html = await write('$.results', '<!doctype html><html><body>Service moved</body></html>');
    expect(html.map((r) => r.error)).toEqual(Array(2).fill('200 OK: the response is not JSON: <!doctype html><html><body>Service moved</body></html>'));
  });

  it('the success condition marks single records of a batch failed, matched by position by default', async () => {
    const server = await api((r) => ({
      status: 200,
      body: {
        results: (r.json as { inputs: { id: string }[] }).inputs.map((input) =>
          input.id.startsWith('bad') ? { status: 'error', message: `invalid email ${input.id}` } : { status: 'ok', id: `id-${input.id}` },
        ),
      },
    }));
    const http = await connect(
      upsertSpec({ results: '$.results', success: "result.status != 'error'", record_id: '{{ result.id }}', error: '{{ result.message }}' }),
      server.url,
    );
    const results = await createHttpDestination({ connection: http, endpoints: { upsert: 'upsert_contacts' } }).write(
      ['a@x.io', 'bad-1', 'c@x.io'].map((email) => item(email, { email }, 'upsert')),
    );
    expect(results.map((r) => [r.key, r.ok, r.ok ? r.remoteId : r.error])).toEqual([
      ['a@x.io', true, 'id-a@x.io'],
      ['bad-1', false, 'invalid email bad-1'],
      ['c@x.io', true, 'id-c@x.io'],
    ]);
  });

  it('isolates a poison row in a 100-row all-or-nothing batch: 99 delivered, 1 rejected with the API message', async () => {
    const stored = new Set<string>();
    const server = await api((r) => {
      const inputs = (r.json as { inputs: { id: string; properties: { email: string } }[] }).inputs;
      const bad = inputs.find((input) => !input.properties.email.includes('@'));
      if (bad) return { status: 400, body: { status: 'error', message: `Property values were not valid: ${bad.properties.email}`, category: 'VALIDATION_ERROR' } };
      for (const input of inputs) stored.add(input.id);
      return { status: 200, body: { results: inputs.map((input) => ({ id: `id-${input.id}`, properties: { email: input.id } })) } };
    });
    const http = await connect(upsertSpec({ results: '$.results', match: '{{ result.properties.email }}', record_id: '{{ result.id }}' }), server.url);
    const items = Array.from({ length: 100 }, (_, i) => {
      const email = i === 63 ? 'not-an-email' : `user${i}@example.com`;
      return item(email, { email }, 'upsert');
    });
    const results = await deliverItems(createHttpDestination({ connection: http, endpoints: { upsert: 'upsert_contacts' } }), items);
    expect(results.map((r) => r.key)).toEqual(items.map((i) => i.key));
    expect(results.filter((r) => r.ok)).toHaveLength(99);
    const failed = results.filter((r) => !r.ok);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ key: 'not-an-email', error: '400 Bad Request: Property values were not valid: not-an-email' });
    expect(failed[0]!.request).toContain('"id": "not-an-email"');
    expect(stored.size).toBe(99);
    expect(results.find((r) => r.key === 'user0@example.com')).toEqual({ key: 'user0@example.com', ok: true, remoteId: 'id-user0@example.com' });
    // Halving finds one bad row in 100 with a handful of requests, not one per row.
    expect(server.requests.length).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(100)) + 1);
  });

  it('a batch the server keeps failing (503) is not split: every row fails with the status, after the retries', async () => {
    const server = await api(() => ({ status: 503, body: { message: 'maintenance' } }));
    const http = await connect(upsertSpec({ results: '$.results' }), server.url);
    const results = await createHttpDestination({ connection: http, endpoints: { upsert: 'upsert_contacts' } }).write(
      ['a@x.io', 'b@x.io', 'c@x.io'].map((email) => item(email, { email }, 'upsert')),
    );
    expect(results.map((r) => [r.key, r.ok, r.error, r.unavailable])).toEqual([
      ['a@x.io', false, '503 Service Unavailable after 2 attempts: maintenance', true],
      ['b@x.io', false, '503 Service Unavailable after 2 attempts: maintenance', true],
      ['c@x.io', false, '503 Service Unavailable after 2 attempts: maintenance', true],
    ]);
    expect(server.requests).toHaveLength(2);
  });

  it('a row whose item does not render is rejected unsent; the rest of its batch still goes', async () => {
    const server = await api((r) => ({ status: 200, body: { results: (r.json as { inputs: unknown[] }).inputs.map((_, i) => ({ id: i })) } }));
    const http = await connect(
      {
        endpoints: {
          up: {
            operation: 'upsert',
            request: 'batch',
            path: '/batch',
            batch: { size: 10, item: '{ "id": {{ row.id }}, "name": "{{ row.name }}" }', body: '{ "inputs": {{ items }} }' },
            response: { results: '$.results', record_id: '{{ result.id }}' },
          },
        },
      },
      server.url,
    );
    const results = await createHttpDestination({ connection: http, endpoints: { upsert: 'up' } }).write([
      item('1', { id: 1, name: 'a' }, 'upsert'),
      item('2', { id: null, name: 'b' }, 'upsert'),
      item('3', { id: 3 }, 'upsert'),
      item('4', { id: 4, name: 'd' }, 'upsert'),
    ]);
    expect(results).toEqual([
      { key: '1', ok: true, remoteId: '0' },
      { key: '2', ok: false, error: 'batch.item is not valid JSON: value expected at line 1 column 9\n{ "id": , "name": "b" }', request: null, notSent: true },
      { key: '3', ok: false, error: 'unknown variable "row.name" in batch.item', request: null, notSent: true },
      { key: '4', ok: true, remoteId: '1' },
    ]);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.json).toEqual({ inputs: [{ id: 1, name: 'a' }, { id: 4, name: 'd' }] });
  });

  it('a batch delete puts the kept ids in the query string', async () => {
    const server = await api(() => ({ status: 204 }));
    const http = await connect(
      {
        endpoints: {
          purge: {
            operation: 'delete',
            request: 'batch',
            method: 'DELETE',
            path: '/contacts',
            query: { ids: '{{ records | map: "id" | join: "," }}' },
            batch: { size: 50, item: '{{ record.id | json }}', body: '{{ items }}' },
          },
        },
      },
      server.url,
    );
    const results = await createHttpDestination({ connection: http, endpoints: { delete: 'purge' } }).write([
      item('a', {}, 'delete', '11'),
      item('b', {}, 'delete', '12'),
    ]);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(server.requests[0]!.url).toBe('/contacts?ids=11%2C12');
  });
});

describe('HTTP destination, secrets', () => {
  it('never shows a credential or secret config value in errors, rejected requests or previews', async () => {
    const key = 'sk-live-7f3a9c1e5b';
    const signing = 'sig-secret-0042';
    const server = await api((r) => ({ status: 400, body: { message: `key ${r.headers['x-api-key']} and ${signing} are not allowed here` } }));
    const redactor = new Redactor();
    const http = await connect(
      {
        config: { signing_secret: { type: 'string', secret: true } },
        auth: { type: 'api_key', in: 'header', name: 'X-Api-Key' },
        endpoints: { add: { operation: 'create', path: '/x', query: { token: 'abc-{{ config.signing_secret }}' }, body: '{ "sig": "{{ config.signing_secret }}", "n": {{ row.n }} }' } },
      },
      server.url,
      { auth: { type: 'api_key', key }, config: { signing_secret: signing }, redactor },
    );
    const destination = createHttpDestination({ connection: http, endpoints: { create: 'add' } });
    const results = await destination.write([item('a', { n: 1 }), item('b', { n: null })]);
    const previews = await destination.preview([item('a', { n: 1 })]);
    // The credential did reach the API...
    expect(server.requests[0]!.headers['x-api-key']).toBe(key);
    const output = JSON.stringify({ results, previews });
    // ...and appears nowhere in what Sluice prints or stores.
    expect(output).not.toContain(key);
    expect(output).not.toContain(signing);
    expect(results[0]!.error).toBe('400 Bad Request: key **** and **** are not allowed here');
    expect(results[0]!.request).toContain("-H 'X-Api-Key: ****'");
    expect(results[1]!.error).toContain('body is not valid JSON');
    expect(previews[0]!.text).toContain('?token=****');
  });
});
