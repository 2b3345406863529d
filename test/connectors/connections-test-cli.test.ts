// `sluice connections test` as a user runs it (the built CLI) against the Backlog and webhook sandboxes: a wrong key
// fails with the API's own message, a right one passes, and a connector without `test:` says what it did not check.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBacklogSandbox, type BacklogSandbox } from '../../sandbox/backlog/backlog-sandbox.js';
import { startWebhookSandbox, type WebhookSandbox } from '../../sandbox/webhook/webhook-sandbox.js';
import { runCommand } from '../examples/run-command.js';

const WRONG_KEY = 'wrong-key-5e1d9c';
const HOOK_TOKEN = 'hook-token-77aa01';

// Backlog's own connector, but its test asks for a path the API does not have.
const MISPOINTED = `name: backlog_mispointed
config: { space_key: { type: string, required: true } }
base_url: "https://{{ config.space_key }}.backlog.com"
auth: [{ type: api_key, in: query, name: apiKey }]
retry: { max_attempts: 1 }
error_message: "{{ response.body.errors[0].message }}"
test: { path: /api/v2/users/me }
endpoints:
  noop: { operation: create, path: /api/v2/issues }
`;

let dir: string;
let backlog: BacklogSandbox;
let hooks: WebhookSandbox;

beforeAll(async () => {
  backlog = await startBacklogSandbox();
  hooks = await startWebhookSandbox({ auth: { bearer: HOOK_TOKEN } });
  dir = await mkdtemp(join(tmpdir(), 'sluice-conn-test-cli-'));
  await writeFile(join(dir, 'mispointed.yaml'), MISPOINTED);
  const backlogConnection = (key: string) =>
    JSON.stringify({ type: 'http', connector: 'backlog', base_url: backlog.url, config: { space_key: 'sandbox' }, auth: { type: 'api_key', key } });
  await writeFile(
    join(dir, 'sluice.yaml'),
    `version: 1
connections:
  backlog: ${backlogConnection('${env:BACKLOG_API_KEY}')}
  backlog_wrong: ${backlogConnection('${env:BACKLOG_WRONG_KEY}')}
  mispointed: ${JSON.stringify({ type: 'http', connector: './mispointed.yaml', base_url: backlog.url, config: { space_key: 'sandbox' }, auth: { type: 'api_key', key: '${env:BACKLOG_API_KEY}' } })}
  hook: ${JSON.stringify({ type: 'http', connector: 'webhook', base_url: `${hooks.url}/hooks/crm`, auth: { type: 'bearer', token: HOOK_TOKEN } })}
`,
  );
});

afterAll(async () => {
  await backlog.close();
  await hooks.close();
  await rm(dir, { recursive: true, force: true });
});

const sluice = (args: string) =>
  runCommand(`sluice --project ${dir} ${args}`, {
    cwd: dir,
    env: { ...process.env, BACKLOG_API_KEY: 'sandbox-api-key', BACKLOG_WRONG_KEY: WRONG_KEY, SLUICE_SECRET_KEY: '' },
  });

describe('sluice connections test checks the credentials', () => {
  it('fails a wrong Backlog API key with exit 1 and Backlog\'s own message, the key masked', async () => {
    const r = await sluice('connections test backlog_wrong');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: backlog_wrong: 127\.0\.0\.1:\d+ refused the credentials \(GET \/api\/v2\/users\/myself: 401 Unauthorized\): Authentication failure\.\n$/);
    expect(r.stdout).toBe('');
    expect(r.stdout + r.stderr).not.toContain(WRONG_KEY);
    expect(backlog.requests().some((q) => q.path === '/api/v2/users/myself')).toBe(true);
  });

  it('passes the right key with exit 0 and "ok"', async () => {
    const r = await sluice('connections test backlog');
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^ok: backlog \(127\.0\.0\.1:\d+ accepted the api_key credentials \(GET \/api\/v2\/users\/myself: 200 OK\)\) in \d+ ms\n$/);
    expect(r.code).toBe(0);
  });

  it('answers --json with verified and status', async () => {
    const ok = await sluice('--json connections test backlog');
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, verified: true, status: 'ok', connection: 'backlog', type: 'http' });
    const failed = await sluice('--json connections test backlog_wrong');
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stdout)).toMatchObject({ ok: false, verified: false, status: 'failed', error: expect.stringContaining('Authentication failure.') });
  });

  it('counts a 404 from the test request as a failure, not as reachable', async () => {
    const r = await sluice('connections test mispointed');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: mispointed: 127\.0\.0\.1:\d+ failed the test request \(GET \/api\/v2\/users\/me\): 404 Not Found: /);
  });

  it('says "reachable; credentials not verified" for a connector without test:, and still exits 0', async () => {
    const r = await sluice('connections test hook');
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(
      /^warning: hook: reachable; credentials not verified: connector webhook declares no test: request \(127\.0\.0\.1:\d+ answered HTTP \d+ with bearer credentials\) in \d+ ms\n$/,
    );
    expect(r.code).toBe(0);
    const json = await sluice('--json connections test hook');
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, verified: false, status: 'unverified', warning: expect.stringMatching(/^reachable; credentials not verified/) });
    expect(json.code).toBe(0);
  });
});
