import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runSluiceInProcess } from '../support/capture.js';
import { displayPath } from '../../src/config/display-path.js';
import { startTestApi, type ReceivedRequest, type TestReply } from './start-test-api.js';

let dir: string;
const cleanups: (() => Promise<void>)[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-connector-cases-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
});
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
  delete process.env.SLUICE_TEST_CASES_TOKEN;
});

async function api(handler: (r: ReceivedRequest) => TestReply) {
  const server = await startTestApi(handler);
  cleanups.push(server.close);
  return server;
}

const run = runSluiceInProcess;

/** A small CRM-like connector: a batch upsert matched by email, a lookup, and a cursor-paged stream. */
function spec(baseUrl: string, auth = '  - type: bearer'): string {
  return `name: mini_crm
config:
  region: { type: string, default: eu }
base_url: "${baseUrl}"
auth:
${auth}
error_message: "{{ response.body.message }}"
retry: { max_attempts: 1 }
endpoints:
  upsert_people:
    operation: upsert
    request: batch
    method: POST
    path: "/{{ config.region }}/people/batch"
    headers: { Content-Type: application/json, X-Source: sluice }
    batch:
      size: 10
      item: '{ "email": {{ row.email | json }}, "properties": {{ row | json }} }'
      body: '{ "inputs": {{ items }} }'
    response:
      results: "$.results"
      match: "{{ result.email }}"
      success: "result.status == 'ok'"
      record_id: "{{ result.id }}"
      error: "{{ result.message }}"
  find_person:
    operation: lookup
    method: GET
    path: "/{{ config.region }}/people/{{ row.email }}"
    response:
      record_id: "{{ response.body.id }}"
streams:
  people:
    path: "/{{ config.region }}/people"
    query: { limit: 2 }
    records: "$.results"
    paginate: { type: cursor, cursor: "$.next", cursor_param: after }
    primary_key: id
`;
}

const passingCases = `cases:
  - name: upsert sends inputs keyed by email
    endpoint: upsert_people
    rows:
      - { email: ada@example.com, name: Ada }
      - { email: alan@example.com, name: Alan }
    request:
      method: POST
      path: /eu/people/batch
      headers: { content-type: application/json }
      body:
        inputs:
          - { email: ada@example.com, properties: { email: ada@example.com, name: Ada } }
          - { email: alan@example.com, properties: { email: alan@example.com, name: Alan } }
  - name: a per-record error is read from the batch answer
    endpoint: upsert_people
    key: email
    rows:
      - { email: ada@example.com, name: Ada }
      - { email: bad, name: Bad }
    response:
      status: 207
      body:
        results:
          - { email: bad, status: error, message: "email is invalid" }
          - { email: ada@example.com, status: ok, id: "P-1" }
    results:
      - { remote_id: P-1 }
      - { error: "email is invalid" }
  - name: lookup by email
    endpoint: find_person
    config: { region: us }
    row: { email: ada@example.com }
    request: { method: GET, url: "BASE/us/people/ada%40example.com" }
    response: { body: { id: "P-1" } }
    results: [{ remote_id: P-1 }]
  - name: people are read page by page
    stream: people
    pages:
      - body: { results: [{ id: 1 }, { id: 2 }], next: c2 }
      - body: { results: [{ id: 3 }], next: null }
    records: [{ id: 1 }, { id: 2 }, { id: 3 }]
    requests:
      - { path: /eu/people, query: { limit: 2 } }
      - { path: /eu/people, query: { limit: 2, after: c2 } }
`;

async function writeSpec(baseUrl: string, cases: string, auth?: string): Promise<string> {
  const file = join(dir, 'mini_crm.yaml');
  await writeFile(file, spec(baseUrl, auth));
  await writeFile(join(dir, 'mini_crm.test.yaml'), cases.replaceAll('BASE', baseUrl));
  return file;
}

describe('sluice connector test SPEC --cases', () => {
  it('runs every case offline: nothing reaches the API, and each case prints one line', async () => {
    // The spec's base URL and its OAuth token URL are a live server: a case that sent anything would show here.
    const server = await api(() => ({ status: 500, body: { message: 'a case must not send' } }));
    const auth = `  - type: oauth2_client_credentials\n    token_url: "${server.url}/oauth/token"`;
    const file = await writeSpec(server.url, passingCases, auth);
    const result = await run(['connector', 'test', file, '--cases']);
    expect(result.err).toBe('');
    expect(result.out).toBe(
      [
        `# mini_crm: ${displayPath(join(dir, 'mini_crm.test.yaml'))}`,
        '✓ upsert sends inputs keyed by email',
        '✓ a per-record error is read from the batch answer',
        '✓ lookup by email',
        '✓ people are read page by page',
        '4 passed',
        '',
      ].join('\n'),
    );
    expect(result.code).toBe(0);
    expect(server.requests).toEqual([]);

    const json = await run(['--json', 'connector', 'test', file, '--cases']);
    expect(JSON.parse(json.out)).toMatchObject({ ok: true, passed: 4, failed: 0 });
    expect(server.requests).toEqual([]);
  });

  it('shows only what differs, with its path, and exits 1', async () => {
    const failing = passingCases
      .replace('properties: { email: alan@example.com, name: Alan }', 'properties: { email: alan@example.org, name: Alan }')
      .replace('headers: { content-type: application/json }', 'headers: { content-type: application/json, x-source: other, x-missing: "****" }')
      .replace('{ error: "email is invalid" }', '{ error: "email is wrong" }')
      .replace('records: [{ id: 1 }, { id: 2 }, { id: 3 }]', 'records: [{ id: 1 }, { id: 3 }]');
    const file = await writeSpec('https://crm.example.com', failing);
    const result = await run(['connector', 'test', file, '--cases']);
    expect(result.out).toBe(
      [
        `# mini_crm: ${displayPath(join(dir, 'mini_crm.test.yaml'))}`,
        '✗ upsert sends inputs keyed by email',
        '    headers["x-source"]: expected "other", got "sluice"',
        '    headers["x-missing"]: expected "****", got nothing',
        '    body.inputs[1].properties.email: expected "alan@example.org", got "alan@example.com"',
        '✗ a per-record error is read from the batch answer',
        '    results[1].error: expected "email is wrong", got "email is invalid"',
        '✓ lookup by email',
        '✗ people are read page by page',
        '    records[1].id: expected 3, got 2',
        '    records[2]: expected nothing, got {"id":3}',
        '3 failed, 1 passed',
        '',
      ].join('\n'),
    );
    expect(result.code).toBe(1);
  });

  it('says when a stream asks for more pages than recorded, or stops before reading them all', async () => {
    const cases = `cases:
  - name: too few pages
    stream: people
    pages:
      - body: { results: [{ id: 1 }, { id: 2 }], next: c2 }
    records: [{ id: 1 }, { id: 2 }]
  - name: too many pages
    stream: people
    pages:
      - body: { results: [{ id: 1 }], next: null }
      - body: { results: [{ id: 2 }], next: null }
    records: [{ id: 1 }]
  - name: a repeated cursor stops the read
    stream: people
    pages:
      - body: { results: [{ id: 1 }, { id: 2 }], next: c2 }
      - body: { results: [{ id: 3 }, { id: 4 }], next: c2 }
    error: 'stream people: the API returned cursor "c2" twice; stopping so the read does not loop'
`;
    const file = await writeSpec('https://crm.example.com', cases);
    const result = await run(['connector', 'test', file, '--cases']);
    expect(result.out.split('\n').slice(1)).toEqual([
      '✗ too few pages',
      '    pages: the stream asked for another page: request 2 (GET https://crm.example.com/eu/people?limit=2&after=c2) has no recorded response: the case recorded 1',
      '✗ too many pages',
      '    pages: expected "2 pages read", got "the read stopped after page 1"',
      '✓ a repeated cursor stops the read',
      '2 failed, 1 passed',
      '',
    ]);
    expect(result.code).toBe(1);
  });

  it('refuses a malformed cases file with exit 2, naming file, line and key', async () => {
    const cases = `cases:
  - name: one
    endpoint: upsert_peple
    row: { email: a@example.com }
    request: { method: POST }
  - name: one
    stream: people
    pages: [{ body: {} }]
    records: []
    extra: true
`;
    const file = await writeSpec('https://crm.example.com', cases);
    const result = await run(['connector', 'test', file, '--cases']);
    const shown = displayPath(join(dir, 'mini_crm.test.yaml'));
    expect(result.code).toBe(2);
    expect(result.out).toBe('');
    expect(result.err).toContain(`${shown}:10:5: cases.1.extra: unknown key "extra"`);

    await writeFile(join(dir, 'mini_crm.test.yaml'), cases.replace('    extra: true\n', ''));
    const second = await run(['connector', 'test', file, '--cases']);
    expect(second.code).toBe(2);
    expect(second.err).toContain(`${shown}:3:5: cases.0.endpoint: no endpoint "upsert_peple" in connector mini_crm (did you mean "upsert_people"?)`);
    expect(second.err).toContain(`${shown}:6:5: cases.1.name: case name "one" is used by case 1 too (names must be unique)`);

    // A name that would print as two result lines.
    await writeFile(join(dir, 'mini_crm.test.yaml'), passingCases.replace('name: lookup by email', 'name: "lookup\\n✓ all good\\u001b[2K"'));
    const forged = await run(['connector', 'test', file, '--cases']);
    expect(forged.code).toBe(2);
    expect(forged.out).toBe('');
    expect(forged.err).toContain(`${shown}:30:11: cases.2.name: invalid name "lookup\\n✓ all good\\u001b[2K": a case name is one line of text, without control characters`);

    await writeFile(join(dir, 'mini_crm.test.yaml'), 'cases:\n  - name: [unclosed\n');
    const broken = await run(['connector', 'test', file, '--cases']);
    expect(broken.code).toBe(2);
    expect(broken.err).toMatch(new RegExp(`${shown.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: yaml syntax error`));

    await rm(join(dir, 'mini_crm.test.yaml'));
    const missing = await run(['connector', 'test', file, '--cases']);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain(`${shown}: cannot read the test cases: not found`);
  });

  it('refuses --cases with an endpoint or a live option (usage, exit 2)', async () => {
    const file = await writeSpec('https://crm.example.com', passingCases);
    const result = await run(['connector', 'test', file, 'upsert_people', '--cases']);
    expect(result.code).toBe(2);
    expect(result.err).toContain('--cases runs the spec\'s cases alone');
  });
});

describe('sluice connector test SPEC ENDPOINT --record', () => {
  const token = 'tok_live_5f0c2a9e81d4b7';
  const forms = [token, Buffer.from(token).toString('base64'), encodeURIComponent(`${token}/=`), Buffer.from(`user:${token}`).toString('base64')];

  it('appends the live exchange as a case with every secret redacted, and the case replays offline', async () => {
    // A careless API echoes the credential back: raw, base64, URL-encoded, in a header and a cookie.
    const server = await api((r) => {
      const sent = String(r.headers.authorization ?? '').replace(/^Bearer /, '');
      const email = (r.json as { inputs: { email: string }[] }).inputs[0]!.email;
      return {
        status: 200,
        headers: { 'x-echo-token': sent, 'set-cookie': `session=${sent}` },
        body: {
          results: [{ email, status: 'ok', id: 'P-9', debug: { token: sent, b64: Buffer.from(sent).toString('base64'), url: encodeURIComponent(`${sent}/=`), basic: Buffer.from(`user:${sent}`).toString('base64') } }],
        },
      };
    });
    const file = await writeSpec(server.url, 'cases:\n  - name: kept\n    endpoint: find_person\n    row: { email: a@example.com }\n    request: { method: GET }\n');
    await writeFile(
      join(dir, 'sluice.yaml'),
      `version: 1\nconnections:\n  crm:\n    type: http\n    connector: ./mini_crm.yaml\n    auth: { type: bearer, token: "\${env:SLUICE_TEST_CASES_TOKEN}" }\n`,
    );
    process.env.SLUICE_TEST_CASES_TOKEN = token;
    const row = JSON.stringify({ email: 'ada@example.com', name: 'Ada' });
    const result = await run(['--project', dir, 'connector', 'test', file, 'upsert_people', '--row', row, '--connection', 'crm', '--record', '--key', 'email', '--name', 'upsert recorded']);
    expect(result.err).toBe('');
    expect(result.out).toBe(`recorded case "upsert recorded" in ${displayPath(join(dir, 'mini_crm.test.yaml'))} (200, 1 of 1 row ok); run the cases: sluice connector test ${file} --cases\n`);
    expect(result.code).toBe(0);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${token}`);

    const saved = await readFile(join(dir, 'mini_crm.test.yaml'), 'utf8');
    for (const form of forms) expect(saved).not.toContain(form);
    expect(saved).toContain('- name: kept');
    expect(saved).toContain('x-echo-token: "****"');
    expect(saved).toContain('set-cookie: "****"');
    expect(saved).toContain('token: "****"');

    // The recorded case runs offline as it was recorded.
    const cases = await run(['connector', 'test', file, '--cases']);
    expect(cases.out.split('\n').slice(1, 3)).toEqual(['✓ kept', '✓ upsert recorded']);
    expect(cases.code).toBe(0);
    expect(server.requests).toHaveLength(1);
  });

  it('refuses a --row that is not JSON, or too long, before sending anything (exit 2)', async () => {
    const server = await api(() => ({ status: 200, body: {} }));
    const file = await writeSpec(server.url, passingCases, '  - type: none');
    const broken = await run(['connector', 'test', file, 'find_person', '--row', '{"email": ', '--record']);
    expect(broken.code).toBe(2);
    expect(broken.err).toMatch(/^error: --row: not JSON: /);
    const huge = await run(['connector', 'test', file, 'find_person', '--row', JSON.stringify({ email: 'x'.repeat(1024 * 1024) }), '--record']);
    expect(huge.code).toBe(2);
    expect(huge.err).toContain('error: --row: the row is 1048588 characters, more than the 1048576 it may be');
    const twoRows = await run(['connector', 'test', file, 'find_person', '--row', '[{"email":"a@example.com"},{"email":"b@example.com"}]', '--record']);
    expect(twoRows.code).toBe(2);
    expect(twoRows.err).toContain('a case records one request, and endpoint find_person takes 1 row a request: give at most 1');
    expect(server.requests).toEqual([]);
  });

  it('records nothing when the API cannot be reached, and keeps the file as it was', async () => {
    const server = await startTestApi(() => ({ status: 200, body: {} }));
    await server.close();
    const file = await writeSpec(server.url, passingCases, '  - type: none');
    const before = await readFile(join(dir, 'mini_crm.test.yaml'), 'utf8');
    const result = await run(['connector', 'test', file, 'find_person', '--row', '{"email":"a@example.com"}', '--record']);
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/^nothing recorded: /);
    expect(await readFile(join(dir, 'mini_crm.test.yaml'), 'utf8')).toBe(before);
  });
});
