import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runSluiceInProcess } from '../support/capture.js';
import { startTestApi, type ReceivedRequest, type TestReply } from './start-test-api.js';

const key = 'bk-live-91c2e7a4d0';
let dir: string;
const cleanups: (() => Promise<void>)[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-connector-test-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
});
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
  delete process.env.SLUICE_TEST_BACKLOG_KEY;
});

async function api(handler: (r: ReceivedRequest) => TestReply) {
  const server = await startTestApi(handler);
  cleanups.push(server.close);
  return server;
}

function spec(baseUrl: string, spaceDefault = true): string {
  return `name: mini_backlog
config:
  space_key: { type: string, required: true${spaceDefault ? ', default: demo' : ''} }
base_url: "${baseUrl}"
auth:
  - { type: api_key, in: query, name: apiKey }
error_message: "{{ response.body.errors[0].message }}"
endpoints:
  add_issue:
    operation: create
    method: POST
    path: "/api/v2/spaces/{{ config.space_key }}/issues"
    body: |
      { "projectId": {{ row.project_id }}, "summary": {{ row.summary | json }}, }
    response:
      record_id: "{{ response.body.id }}"
`;
}

const run = runSluiceInProcess;

describe('sluice connector test', () => {
  it('prints the rendered request as curl from a sample row, sending nothing', async () => {
    const server = await api(() => ({ status: 500 }));
    await writeFile(join(dir, 'spec.yaml'), spec(server.url));
    await writeFile(join(dir, 'row.json'), JSON.stringify({ project_id: 12, summary: 'Disk "full"\non db-1' }));
    const { code, out } = await run(['connector', 'test', join(dir, 'spec.yaml'), 'add_issue', '--sample', join(dir, 'row.json')]);
    expect(code).toBe(0);
    expect(out).toContain(`curl -X POST '${server.url}/api/v2/spaces/demo/issues'`);
    expect(out).toContain(`--data-raw '{ "projectId": 12, "summary": "Disk \\"full\\"\\non db-1" }`);
    expect(server.requests).toHaveLength(0);
  });

  it('names a missing required config field', async () => {
    await writeFile(join(dir, 'spec.yaml'), spec('http://127.0.0.1:9', false));
    await writeFile(join(dir, 'row.json'), '{}');
    const { code, err } = await run(['connector', 'test', join(dir, 'spec.yaml'), 'add_issue', '--sample', join(dir, 'row.json')]);
    expect(code).toBe(2);
    expect(err).toContain('missing required config "space_key" for connector mini_backlog');
  });

  it('a sample that does not render is reported, not sent, and the exit code is 1', async () => {
    const server = await api(() => ({ status: 201, body: { id: 1 } }));
    await writeFile(join(dir, 'spec.yaml'), spec(server.url));
    await writeFile(join(dir, 'row.json'), JSON.stringify({ project_id: null, summary: 'x' }));
    const { code, out } = await run(['connector', 'test', join(dir, 'spec.yaml'), 'add_issue', '--sample', join(dir, 'row.json')]);
    expect(code).toBe(1);
    expect(out).toContain('# not sent: body is not valid JSON: value expected at line 1 column 16');
  });

  it('--send with a connection sends through the run path and shows the response; the key never shows', async () => {
    const server = await api((r) =>
      new URL(r.url, 'http://x').searchParams.get('apiKey') === key
        ? { status: 201, body: { id: 4242, issueKey: 'DEMO-7', summary: (r.json as { summary: string }).summary } }
        : { status: 401, body: { errors: [{ message: 'Authentication failure.' }] } },
    );
    await writeFile(join(dir, 'spec.yaml'), spec(server.url));
    await writeFile(
      join(dir, 'sluice.yaml'),
      `version: 1
connections:
  backlog:
    type: http
    connector: ./spec.yaml
    config: { space_key: acme }
    auth: { type: api_key, key: "\${env:SLUICE_TEST_BACKLOG_KEY}" }
`,
    );
    process.env.SLUICE_TEST_BACKLOG_KEY = key;
    await writeFile(join(dir, 'row.json'), JSON.stringify([{ project_id: 1, summary: 'first' }]));
    const args = ['--project', dir, 'connector', 'test', join(dir, 'spec.yaml'), 'add_issue', '--sample', join(dir, 'row.json'), '--connection', 'backlog', '--send'];
    const text = await run(args);
    expect(text.err).toBe('');
    expect(text.code).toBe(0);
    expect(text.out).toContain(`curl -X POST '${server.url}/api/v2/spaces/acme/issues?apiKey=****'`);
    expect(text.out).toMatch(/# response for 1: 201 in \d+ ms/);
    expect(text.out).toContain('content-type: application/json');
    expect(text.out).toContain('{\n  "id": 4242,\n  "issueKey": "DEMO-7",\n  "summary": "first"\n}');
    expect(text.out).toContain('ok 1 (remote id 4242)');
    expect(server.requests[0]!.json).toEqual({ projectId: 1, summary: 'first' });

    const json = await run(['--json', ...args]);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.out) as { ok: boolean; results: unknown[]; responses: { status: number; body: unknown }[] };
    expect(report.ok).toBe(true);
    expect(report.results).toEqual([{ key: '1', ok: true, remote_id: '4242' }]);
    expect(report.responses[0]).toMatchObject({ status: 201, body: { id: 4242, issueKey: 'DEMO-7', summary: 'first' } });
    expect(text.out + json.out).not.toContain(key);
  });
});
