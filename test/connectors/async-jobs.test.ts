// job: for streams and endpoints against APIs on loopback unlike Salesforce's: an export answering 202 until ready
// (no poll.request), a Zendesk-like batch job whose last poll answer holds the per-record results, hostile job fields,
// and validate's messages for the new keys.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectorSpecSchema, type ConnectorSpec } from '../../src/config/connector-schema.js';
import { readConnectorSpec } from '../../src/config/load-connector-spec.js';
import { openHttpConnection, type HttpConnection } from '../../src/connectors/open-http-connection.js';
import { createHttpDestination } from '../../src/destinations/http-destination.js';
import { Redactor } from '../../src/log/redactor.js';
import type { DeliveryItem } from '../../src/rows/delivery-item.js';
import type { Row } from '../../src/rows/row.js';
import { createHttpStreamSource } from '../../src/sources/http-stream-source.js';
import type { StateStore } from '../../src/state/state-store.js';
import { deliverItems } from '../../src/sync/deliver-items.js';
import { startTestApi, type ReceivedRequest, type TestReply } from './start-test-api.js';

const KEY = 'secret-api-key-123';
const noState = { getValue: () => Promise.resolve(null), setValue: () => Promise.resolve() } as unknown as StateStore;

describe('asynchronous jobs', () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let route: (request: ReceivedRequest, url: URL) => TestReply;
  let http: HttpConnection | undefined;
  beforeEach(async () => {
    api = await startTestApi((request) => route(request, new URL(request.url, 'http://x')));
  });
  afterEach(async () => {
    await http?.close();
    http = undefined;
    await api.close();
  });

  async function open(spec: object): Promise<ConnectorSpec> {
    const parsed = connectorSpecSchema.parse({ name: 'api', base_url: api.url, auth: { type: 'api_key', name: 'X-Key' }, error_message: '{{ response.body.message }}', ...spec });
    http = await openHttpConnection({ name: 'api', connection: { type: 'http', connector: 'x', config: {}, auth: { type: 'api_key', key: KEY } } as never, spec: parsed, redactor: new Redactor() });
    return parsed;
  }
  async function read(spec: ConnectorSpec, name: string): Promise<Row[]> {
    const source = createHttpStreamSource({ http: http!, stream: spec.streams[name]!, streamName: name, store: noState, cursorName: 'c' });
    const rows: Row[] = [];
    for await (const page of source.read()) rows.push(...page);
    return rows;
  }
  const asked = () => api.requests.map((r) => `${r.method} ${r.url}`);

  it('reads an export answering 202 until ready: without poll.request the first download is asked again, then every page', async () => {
    let polls = 0;
    route = (request, url) => {
      if (request.method === 'POST' && url.pathname === '/exports') return { status: 201, body: { export: { id: 'e1' } } };
      if (url.pathname === '/exports/e1/rows') {
        if (++polls <= 2) return { status: 202, body: { status: 'running' } };
        const page = Number(url.searchParams.get('page'));
        return { body: { rows: page === 1 ? [{ id: 1 }, { id: 2 }] : page === 2 ? [{ id: 3 }] : [] } };
      }
      return { status: 404, body: { message: 'no route' } };
    };
    const spec = await open({
      streams: {
        rows: {
          job: {
            create: { path: '/exports', body: '{ "kind": "rows" }' },
            poll: { until: 'response.status == 200', interval_ms: 10 },
            download: { path: '/exports/{{ job.export.id }}/rows' },
          },
          records: '$.rows',
          paginate: { type: 'page', size: 2, size_param: 'per_page' },
        },
      },
    });
    expect(await read(spec, 'rows')).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
    expect(asked()).toEqual([
      'POST /exports', 'GET /exports/e1/rows', 'GET /exports/e1/rows', 'GET /exports/e1/rows',
      'GET /exports/e1/rows?page=1&per_page=2', 'GET /exports/e1/rows?page=2&per_page=2',
    ]);
    expect(api.requests[0]!.json).toEqual({ kind: 'rows' });
    expect(api.requests.every((r) => r.headers['x-key'] === KEY)).toBe(true);
  });

  it('keeps a hostile job id inside its path segment, and a job\'s URL from taking the request to another host', async () => {
    route = (request, url) => {
      if (request.method === 'POST') return { body: { id: '../../admin?drop=1#', url: 'http://127.0.0.2:9/steal' } };
      if (url.pathname.startsWith('/jobs/')) return { body: { state: 'done', records: [{ id: 1 }] } };
      return { status: 404, body: { message: 'no route' } };
    };
    const spec = await open({
      streams: {
        here: { job: { create: { path: '/jobs' }, poll: { request: { path: '/jobs/{{ job.id }}' }, until: "response.body.state == 'done'" }, download: { path: '/jobs/{{ job.id }}/records' } }, records: '$.records' },
        away: { job: { create: { path: '/jobs' }, poll: { request: { path: '/jobs/x' }, until: "response.body.state == 'done'" }, download: { path: '{{ job.url }}' } }, records: '$.records' },
      },
    });
    expect(await read(spec, 'here')).toEqual([{ id: 1 }]);
    expect(asked().slice(1)).toEqual(['GET /jobs/..%2F..%2Fadmin%3Fdrop%3D1%23', 'GET /jobs/..%2F..%2Fadmin%3Fdrop%3D1%23/records']);
    // The URL renders percent-encoded into a path on the connection's own origin: nothing goes to 127.0.0.2.
    api.requests.length = 0;
    await expect(read(spec, 'away')).rejects.toThrow('stream away: 404 Not Found: no route');
    expect(asked()).toEqual(['POST /jobs', 'GET /jobs/x', 'GET /http%3A%2F%2F127.0.0.2%3A9%2Fsteal']);
  });

  it('stops after max_polls and after a failed job, with the API\'s message and no credential in it', async () => {
    route = (request, url) => {
      if (request.method === 'POST') return { body: { id: url.pathname === '/slow' ? 's1' : 'f1' } };
      if (url.pathname === '/jobs/s1') return { body: { id: 's1', state: 'queued' } };
      return { body: { id: 'f1', state: 'failed', message: `quota exceeded for key ${KEY}` } };
    };
    const poll = { request: { path: '/jobs/{{ job.id }}' }, until: "response.body.state == 'done'", failed: "response.body.state == 'failed'", interval_ms: 10 };
    const spec = await open({
      streams: {
        slow: { job: { create: { path: '/slow' }, poll: { ...poll, max_polls: 3 }, download: { path: '/x' } } },
        broken: { job: { create: { path: '/broken' }, poll, download: { path: '/x' } } },
      },
    });
    await expect(read(spec, 'slow')).rejects.toThrow('stream slow: job s1 is not done after 3 polls (job.poll.max_polls); its last answer: {"id":"s1","state":"queued"}');
    await expect(read(spec, 'broken')).rejects.toThrow('stream broken: job f1 failed: quota exceeded for key ****');
  });

  it('gives templates the incremental cursor as cursor: null on a first read, the kept value after (a search body placing it)', async () => {
    route = (request) => ({ body: { items: (request.json as { since: string | null }).since === null ? [{ id: 1, u: '2026-01-01' }, { id: 2, u: '2026-01-05' }] : [{ id: 3, u: '2026-01-09' }] } });
    const spec = await open({ streams: { items: { method: 'POST', path: '/search', body: '{ "since": {{ cursor | json }} }', records: '$.items', incremental: { cursor_field: 'u' } } } });
    const values = new Map<string, string>();
    const store = { getValue: (n: string) => Promise.resolve(values.get(n) ?? null), setValue: (n: string, v: string) => Promise.resolve(void values.set(n, v)) } as unknown as StateStore;
    for (const expected of [[1, 2], [3]]) {
      const source = createHttpStreamSource({ http: http!, stream: spec.streams.items!, streamName: 'items', store, cursorName: 'c' });
      const rows: Row[] = [];
      for await (const page of source.read()) rows.push(...page);
      await source.commit();
      expect(rows.map((r) => r.id)).toEqual(expected);
    }
    expect(api.requests.map((r) => r.json)).toEqual([{ since: null }, { since: '2026-01-05' }]);
    expect(api.requests.map((r) => r.url)).toEqual(['/search', '/search']);
  });

  describe('a batch endpoint written through a job whose last poll answer holds the results (Zendesk create_or_update_many)', () => {
    const users = {
      operation: 'upsert',
      request: 'batch',
      method: 'POST',
      path: '/users/create_or_update_many',
      batch: { size: 100, item: '{ "email": {{ row.email | json }}, "name": {{ row.name | json }} }', body: '{ "users": {{ items }} }' },
      job: {
        poll: {
          request: { path: '/job_statuses/{{ job.job_status.id }}' },
          until: "response.body.job_status.status == 'completed'",
          failed: "response.body.job_status.status == 'failed'",
          error: '{{ response.body.job_status.message }}',
          interval_ms: 10,
        },
      },
      response: {
        results: '$.job_status.results',
        match: '{{ result.email }}',
        success: 'result.success',
        record_id: '{{ result.id }}',
        error: '{{ result.error }}: {{ result.details }}',
      },
    };
    const item = (email: string, name: string): DeliveryItem => ({ key: email, operation: 'upsert', row: { email, name }, remoteId: null });
    let jobs: { emails: string[]; polls: number }[];

    beforeEach(() => {
      jobs = [];
      route = (request, url) => {
        if (request.method === 'POST') {
          const sent = (request.json as { users: { email: string; name: string }[] }).users;
          // A name "!" fails the whole job, as an invalid payload does.
          jobs.push({ emails: sent.map((u) => (u.name === '!' ? '!' : u.email)), polls: 0 });
          return { body: { job_status: { id: `j${jobs.length}`, status: 'queued', url: `${api.url}/job_statuses/j${jobs.length}` } } };
        }
        const job = jobs[Number(url.pathname.split('/j').pop()) - 1]!;
        const id = `j${jobs.indexOf(job) + 1}`;
        if (++job.polls < 2) return { body: { job_status: { id, status: 'working' } } };
        if (job.emails.includes('!')) return { body: { job_status: { id, status: 'failed', message: 'Invalid name' } } };
        // Results in reverse order: matched by email, not by position.
        const results = job.emails.map((email, index) => (email.endsWith('@bad')
          ? { index, email, success: false, error: 'InvalidValue', details: 'Email is not valid' }
          : { index, email, id: 1000 + index, success: true, status: 'Created' })).reverse();
        return { body: { job_status: { id, status: 'completed', total: results.length, results } } };
      };
    });

    it('gives each row its own result, matched by email', async () => {
      await open({ endpoints: { users } });
      const destination = createHttpDestination({ connection: http!, endpoints: { upsert: 'users' } });
      const results = await deliverItems(destination, [item('a@x', 'A'), item('b@bad', 'B'), item('c@x', 'C')]);
      expect(results).toEqual([
        { key: 'a@x', ok: true, remoteId: '1000' },
        expect.objectContaining({ key: 'b@bad', ok: false, error: 'InvalidValue: Email is not valid' }),
        { key: 'c@x', ok: true, remoteId: '1002' },
      ]);
      expect(asked()).toEqual(['POST /users/create_or_update_many', 'GET /job_statuses/j1', 'GET /job_statuses/j1']);
    });

    it('splits a job failed as a whole until the bad row stands alone, which gets the job\'s message', async () => {
      await open({ endpoints: { users } });
      const destination = createHttpDestination({ connection: http!, endpoints: { upsert: 'users' } });
      const results = await deliverItems(destination, [item('a@x', 'A'), item('b@x', '!'), item('c@x', 'C'), item('d@x', 'D')]);
      expect(results.map((r) => [r.key, r.ok, r.error ?? ''])).toEqual([
        ['a@x', true, ''], ['b@x', false, 'job failed: Invalid name'], ['c@x', true, ''], ['d@x', true, ''],
      ]);
      expect(jobs.map((j) => j.emails.length)).toEqual([4, 2, 2, 1, 1].slice(0, jobs.length));
      expect(jobs.length).toBe(5);
    });

    it('stops the run, naming the endpoint, when a poll condition cannot run (the connector\'s bug), and when a job request does not render', async () => {
      await open({ endpoints: {
        typo: { ...users, job: { ...users.job, poll: { ...users.job.poll, until: "respons.body.job_status.status == 'completed'" } } },
        unrendered: { ...users, job: { ...users.job, poll: { ...users.job.poll, request: { path: '/job_statuses/{{ jobb.id }}' } } } },
      } });
      for (const [name, message] of [['typo', /^endpoint typo: .*respons/], ['unrendered', /^endpoint unrendered: job\.poll: .*jobb/]] as const) {
        const destination = createHttpDestination({ connection: http!, endpoints: { upsert: name } });
        await expect(deliverItems(destination, [item('a@x', 'A')])).rejects.toThrow(message);
      }
    });

    it('previews the batch request without creating a job', async () => {
      await open({ endpoints: { users } });
      const destination = createHttpDestination({ connection: http!, endpoints: { upsert: 'users' } });
      const previews = await destination.preview([item('a@x', 'A')]);
      expect(previews[0]!.text).toContain('/users/create_or_update_many');
      expect(previews[0]!.text).toContain(`--data-raw '{ "users": [{ "email": "a@x", "name": "A" }] }'`);
      expect(previews[0]!.text).toContain(`# then ask for its state every 10 ms until response.body.job_status.status == 'completed' (at most 3600000 ms)\ncurl -X GET '${api.url}/job_statuses/%7Bjob.job_status.id%7D'`);
      expect(api.requests).toEqual([]);
    });
  });
});

describe('validate: job and restart_after', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-job-validate-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const issues = async (yaml: string) => {
    const file = join(dir, 'api.yaml');
    await writeFile(file, yaml);
    return (await readConnectorSpec(file, dir)).issues.map((i) => `${i.line ?? ''}: ${i.path}: ${i.message}`);
  };

  it.each([
    [
      'a job endpoint that is not a batch, and has no poll request',
      'endpoints:\n  w:\n    operation: create\n    path: /w\n    job:\n      poll: { until: "true" }\n',
      ['8: endpoints.w.job.poll: a job endpoint asks for the job\'s state with poll.request (e.g. { path: "/jobs/{{ job.id }}" })', '4: endpoints.w.request: a job endpoint sends its records as one batch a job: set request: batch (and batch.size, the records a job takes)'],
    ],
    [
      'a stream with neither path nor job',
      'streams:\n  s:\n    records: $.x\n',
      ['5: streams.s: stream s: give path, the request its records are read from (or job, for an asynchronous read)'],
    ],
    [
      'restart_after without an inclusive cursor and a key',
      'streams:\n  s:\n    path: /s\n    incremental: { cursor_field: u, param: since }\n    paginate: { type: offset, restart_after: 1000 }\n',
      ['7: streams.s.paginate.restart_after: stream s: restart_after asks again from the last record\'s cursor value, so the API must return records at that value (>=): set incremental.inclusive: true (records already read are left out by primary_key)',
        '7: streams.s.paginate.restart_after: stream s: restart_after leaves out the records read again at the restart\'s cursor value by their primary_key; add primary_key'],
    ],
    [
      'an incremental stream whose cursor goes nowhere (no param, no template reading cursor)',
      'streams:\n  s:\n    path: /s\n    incremental: { cursor_field: u }\n',
      ['6: streams.s.incremental: stream s: incremental needs param, the query parameter the kept cursor is sent in (or templates placing {{ cursor }} themselves)'],
    ],
    [
      'a cursor paginate with neither cursor nor header',
      'streams:\n  s:\n    path: /s\n    paginate: { type: cursor, cursor_param: c }\n',
      ['6: streams.s.paginate: stream s: a cursor paginate reads the next page\'s token from the body (cursor: a JSONPath) or from a header (header: a name); give one of them'],
    ],
    [
      'a cursor sent in the body of a stream with no body, at a path reaching a prototype',
      'streams:\n  s:\n    path: /s\n    paginate: { type: cursor, cursor: $.next, cursor_param: __proto__.x, in: body }\n',
      ['6: streams.s.paginate.cursor_param: stream s: paginate in: body sets the token at cursor_param in the body, and "__proto__.x" names __proto__, which a body may not set',
        '6: streams.s.paginate.in: stream s: paginate in: body sets the token in the JSON body the stream sends; give the stream a body (e.g. a GraphQL query and its variables)'],
    ],
    [
      'a poll condition that does not parse',
      'streams:\n  s:\n    job:\n      create: { path: /j }\n      poll: { request: { path: /j }, until: "response.body.state ==" }\n      download: { path: /d }\n',
      [expect.stringMatching(/^7: streams\.s\.job\.poll\.until: invalid condition "response\.body\.state =="/)],
    ],
  ])('%s', async (_name, body, expected) => {
    expect(await issues(`name: api\nbase_url: https://api.example.com\n${body}`)).toEqual(expected);
  });

  it.each([
    ['restart_after: 0', 'streams:\n  s:\n    path: /s\n    paginate: { type: offset, restart_after: 0 }\n', /^6: streams\.s\.paginate\.restart_after: expected a number >= 1, got 0$/],
    ['max_polls past 100000', 'streams:\n  s:\n    job:\n      create: { path: /j }\n      poll: { until: "true", max_polls: 100001 }\n      download: { path: /d }\n', /^7: streams\.s\.job\.poll\.max_polls: /],
    ['timeout_ms past a day', 'streams:\n  s:\n    job:\n      create: { path: /j }\n      poll: { until: "true", timeout_ms: 86400001 }\n      download: { path: /d }\n', /^7: streams\.s\.job\.poll\.timeout_ms: /],
    ['a download format that is not json or csv', 'streams:\n  s:\n    job:\n      create: { path: /j }\n      poll: { until: "true" }\n      download: { path: /d, format: xml }\n', /^8: streams\.s\.job\.download\.format: /],
    ['an unknown job key, named', 'streams:\n  s:\n    job:\n      create: { path: /j }\n      poll: { until: "true" }\n      download: { path: /d }\n      downlaod: { path: /d }\n', /downlaod/],
  ])('refuses %s, naming the key', async (_name, body, expected) => {
    const found = await issues(`name: api\nbase_url: https://api.example.com\n${body}`);
    expect(found).toEqual([expect.stringMatching(expected)]);
  });

  it('refuses a poll interval past its bounds with the key named', async () => {
    const found = await issues('name: api\nbase_url: https://api.example.com\nstreams:\n  s:\n    job:\n      create: { path: /j }\n      poll: { until: "true", interval_ms: 5 }\n      download: { path: /d }\n');
    expect(found).toEqual([expect.stringMatching(/^7: streams\.s\.job\.poll\.interval_ms: .*10/)]);
  });
});
