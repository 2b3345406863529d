// `notify:` through the built CLI, as a user runs it: a SQLite model synced to a test API on loopback that refuses
// some rows, and a webhook receiver there that checks each request's signature as the README tells receivers to.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { notifySchema } from '../../src/config/project-schema.js';
import { startTestApi, type ReceivedRequest } from '../connectors/start-test-api.js';
import { runSluice } from '../examples/run-command.js';
import { crmConnector, crmProject, CUSTOMERS_SYNC, writeCustomers } from '../sync/crm-project.js';

const SECRET = 'whsec-notify-cli-5d1f0a9c7e';
const TOKEN = 'crm-token-notify-77b0e2';

/** What a receiver concludes of a request: the signature checked against the secret, the body read. */
function verified(request: ReceivedRequest, secret: string): { valid: boolean; age: number; payload: Record<string, any> } {
  const timestamp = String(request.headers['x-sluice-timestamp']);
  const expected = `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(request.raw).digest('hex')}`;
  const given = Buffer.from(String(request.headers['x-sluice-signature']));
  const valid = given.length === expected.length && timingSafeEqual(given, Buffer.from(expected));
  return { valid, age: Math.abs(Date.now() / 1000 - Number(timestamp)), payload: request.json as Record<string, any> };
}

describe('notify: through the CLI', () => {
  let dir: string;
  let api: Awaited<ReturnType<typeof startTestApi>>;
  /** Customer ids the CRM refuses; what the notify receiver answers. */
  let refused = new Set<number>();
  let hookStatus = 200;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-notify-cli-'));
    refused = new Set();
    hookStatus = 200;
    api = await startTestApi((request) => {
      if (request.url === '/notify') return { status: hookStatus, body: hookStatus === 200 ? { ok: true } : { error: `receiver says no (${SECRET.length} chars)` } };
      const id = Number(request.url.split('/').pop());
      return refused.has(id) ? { status: 400, body: { error: `customer ${id} is invalid` } } : { status: 201, body: { id: `c${id}` } };
    });
    await writeFile(join(dir, 'crm.yaml'), crmConnector({ concurrency: 4 }));
    writeCustomers(dir, 100);
  });
  afterEach(async () => {
    await api.close();
    await rm(dir, { recursive: true, force: true });
  });

  const project = (notify: string[]) =>
    crmProject({ customers: { ...CUSTOMERS_SYNC, more: ['on_error: { max_failed_rows: 50% }', 'notify:', ...notify.map((l) => `  ${l}`)] } });
  const webhook = (on: string) => [`- on: ${on}`, `  webhook: { url: "${api.url}/notify", secret: "\${env:HOOK_SECRET}" }`];
  const env = () => ({ ...process.env, CRM_URL: api.url, CRM_TOKEN: TOKEN, HOOK_SECRET: SECRET, SLUICE_SECRET_KEY: '' });
  const sluice = (...args: string[]) => runSluice(['--project', dir, ...args], { env: env() });
  /** `sluice validate` run in the project's folder, as a user would: places read `sluice.yaml:line:column`. */
  const validate = () => runSluice(['validate'], { env: env(), cwd: dir });
  const hooks = () => api.requests.filter((r) => r.url === '/notify');
  const notifications = async () => (JSON.parse((await sluice('sync', 'runs', 'customers', '--json')).stdout) as { notifications: any[] }).notifications;

  it('posts a signed webhook when 6% of the rows are rejected, which the receiver verifies', async () => {
    refused = new Set([3, 14, 15, 92, 65, 35]);
    await writeFile(join(dir, 'sluice.yaml'), project(webhook('[failed, "rejected_over: 5%"]')));
    const run = await sluice('sync', 'run', 'customers');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('delivered 94, failed 6');

    expect(hooks()).toHaveLength(1);
    const hook = hooks()[0]!;
    expect(hook.headers['content-type']).toBe('application/json');
    const { valid, age, payload } = verified(hook, SECRET);
    expect(valid).toBe(true);
    expect(age).toBeLessThan(300);
    expect(verified(hook, 'another-secret-of-some-length').valid).toBe(false);
    expect(payload).toMatchObject({
      event: 'run.finished',
      conditions: ['rejected_over: 5%'],
      run: { kind: 'sync', name: 'customers', status: 'succeeded', trigger: 'cli', planned: 100, added: 100, delivered: 94, failed: 6, rejected_percent: 6, error: null },
    });
    expect(payload.run.sample_errors[0]).toEqual({ key: expect.any(String), error: expect.stringMatching(/^400 Bad Request: customer \d+ is invalid$/) });
    expect(payload.run.duration_ms).toBeGreaterThan(0);
    expect(Date.parse(payload.run.finished_at)).toBeGreaterThanOrEqual(Date.parse(payload.run.started_at));
    expect(payload.run.text).toMatch(/^sync customers succeeded in [\d.]+m?s, 6 of 100 rows failed \(run r/);
    expect(hook.text).not.toContain(SECRET);

    // The README's way of checking it says the same.
    const readme = await readFile(join(__dirname, '../../README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('**Notifications (`notify:`).**'), readme.indexOf('**Metrics (`GET /metrics`).**'));
    const check = /```js\n([\s\S]*?)```/.exec(section)![1]!;
    const verify = new Function('createHmac', 'timingSafeEqual', 'req', 'rawBody', 'secret', `${check}\nreturn ok;`);
    expect(verify(createHmac, timingSafeEqual, hook, hook.raw, SECRET)).toBe(true);
    expect(verify(createHmac, timingSafeEqual, hook, Buffer.concat([hook.raw, Buffer.from(' ')]), SECRET)).toBe(false);
    expect(notifySchema.safeParse(parse(/```yaml\n([\s\S]*?)```/.exec(section)![1]!).notify).success).toBe(true);

    // Recorded with the run, the URL's path left out.
    const [attempt] = await notifications();
    expect(attempt).toMatchObject({ target: `notify[0] webhook ${api.url}`, conditions: 'rejected_over: 5%', attempt: 1, status: 'delivered', httpStatus: 200, error: null, runId: payload.run.id });
    const table = await sluice('sync', 'runs', 'customers');
    expect(table.stdout).toContain(`run ${payload.run.id} notify[0] webhook ${api.url} (rejected_over: 5%): delivered after 1 attempt, HTTP 200`);
    // The secret is in no output and no file of the state.
    for (const text of [run.stdout, run.stderr, table.stdout]) expect(text).not.toContain(SECRET);
    for (const file of await readdir(join(dir, '.sluice'))) {
      expect((await readFile(join(dir, '.sluice', file))).includes(SECRET), file).toBe(false);
    }
  });

  it('sends nothing when 4% of the rows are rejected', async () => {
    refused = new Set([7, 21, 42, 84]);
    await writeFile(join(dir, 'sluice.yaml'), project(webhook('["rejected_over: 5%"]')));
    const run = await sluice('sync', 'run', 'customers');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('delivered 96, failed 4');
    expect(hooks()).toHaveLength(0);
    expect(await notifications()).toEqual([]);
  });

  it('tells a run longer than a tiny threshold, written as a YAML mapping', async () => {
    await writeFile(join(dir, 'sluice.yaml'), project(webhook('[{ longer_than: 1ms }, failed]')));
    expect((await sluice('sync', 'run', 'customers')).code).toBe(0);
    expect(hooks()).toHaveLength(1);
    expect(verified(hooks()[0]!, SECRET).payload).toMatchObject({ conditions: ['longer_than: 1ms'], run: { status: 'succeeded', delivered: 100 } });
  });

  it('keeps the run as it ended when the receiver refuses: recorded and logged, masked', async () => {
    hookStatus = 400;
    await writeFile(join(dir, 'sluice.yaml'), project(webhook('[succeeded]')));
    const run = await sluice('sync', 'run', 'customers');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('sync customers succeeded');
    // A 4xx is not retried: the receiver said what it thinks of this request.
    expect(hooks()).toHaveLength(1);
    expect(run.stderr).toMatch(/notify\[0\] webhook http:\/\/127\.0\.0\.1:\d+ for run r\S+ failed \(attempt 1\): 400 Bad Request: receiver says no/);
    expect(await notifications()).toMatchObject([{ status: 'failed', attempt: 1, httpStatus: 400, error: '400 Bad Request: receiver says no (27 chars)' }]);
    expect(run.stderr + run.stdout).not.toContain(SECRET);
  });

  it('refuses hostile webhook settings at validate, naming the place in sluice.yaml', async () => {
    await writeFile(
      join(dir, 'sluice.yaml'),
      project([
        '- webhook: { url: "file:///etc/passwd", secret: "${env:HOOK_SECRET}" }',
        '- webhook: { url: "javascript:alert(1)", secret: "${env:HOOK_SECRET}" }',
        '- webhook: { url: "http://hooks.example.com/run", secret: "${env:HOOK_SECRET}" }',
        '- webhook: { url: "https://user:pass@hooks.example.com/run", secret: "${env:HOOK_SECRET}" }',
        `- webhook: { url: "https://hooks.example.com/run", secret: "${SECRET}" }`,
        '- { on: [failed], connection: crm, endpoint: create_custmer }',
        '- { on: [failed], connection: model, endpoint: x }',
      ]),
    );
    const result = await validate();
    expect(result.code).toBe(2);
    expect(result.stdout.trim().split('\n')).toEqual([
      'sluice.yaml:17:25: syncs.customers.notify.0.webhook.url: webhook url: "file:" URLs are not allowed here: use https://',
      'sluice.yaml:18:25: syncs.customers.notify.1.webhook.url: webhook url: "javascript:" URLs are not allowed here: use https://',
      'sluice.yaml:19:25: syncs.customers.notify.2.webhook.url: webhook url: credentials would travel unencrypted to hooks.example.com: use https:// (http:// is allowed only for loopback and hosts listed in SLUICE_ALLOWED_HOSTS)',
      'sluice.yaml:20:25: syncs.customers.notify.3.webhook.url: webhook url: put no user or password in the URL (the signature tells the receiver the request is from Sluice)',
      'sluice.yaml:21:66: syncs.customers.notify.4.webhook.secret: webhook secret: write it as "${secret:NAME}" (sluice secrets set NAME) or "${env:NAME}", not in sluice.yaml',
      'sluice.yaml:22:52: syncs.customers.notify.5.endpoint: unknown endpoint "create_custmer" in connector crm (did you mean "create_customer"?)',
      'sluice.yaml:23:37: syncs.customers.notify.6.connection: a notification is sent to an http connection\'s endpoint; "model" is sqlite',
    ]);
    expect(result.stdout + result.stderr).not.toContain(SECRET);
  });

  it('refuses a condition it does not know, and a target with both a webhook and a connection', async () => {
    await writeFile(
      join(dir, 'sluice.yaml'),
      project(['- { on: [fialed], webhook: { url: "https://hooks.example.com/run", secret: "${env:HOOK_SECRET}" } }', '- { webhook: { url: "https://hooks.example.com/run", secret: "${env:HOOK_SECRET}" }, connection: crm, endpoint: create_customer }']),
    );
    const result = await validate();
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('sluice.yaml:17:16: syncs.customers.notify.0.on.0: invalid on "fialed": a condition is failed, succeeded, cancelled, "rejected_over: 5%" (a share of the planned rows, or a row count) or "longer_than: 30m" (ms, s, m, h, d)');
    expect(result.stdout).toContain('sluice.yaml:18:9: syncs.customers.notify.1: give webhook, or connection with endpoint (one of them)');
  });
});
