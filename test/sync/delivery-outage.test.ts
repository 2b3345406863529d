// End to end through the built CLI: a run stops fast when the API is down and leaves the rows it could not send
// pending (not rejected), stops at on_error.max_failed_rows as results arrive, rejects answers it cannot read, and a
// run killed with SIGKILL shows in its history what its ledger holds.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startWebhookSandbox, type WebhookSandbox } from '../../sandbox/webhook/webhook-sandbox.js';
import type { RunRecord } from '../../src/state/state-store.js';
import { startTestApi } from '../connectors/start-test-api.js';
import { runCommand } from '../examples/run-command.js';
import { POSTGRES_URL } from '../state/state-fixtures.js';
import { sluiceYaml } from '../support/sluice-yaml.js';
import { querySqlite } from '../support/sqlite-file.js';
import { crmConnector, crmProject, CUSTOMERS_SYNC, writeCustomers } from './crm-project.js';

const cli = resolve(__dirname, '../../bin/sluice.js');

/** How many rows the project's SQLite ledger holds as delivered. */
const deliveredInLedger = (dir: string) =>
  querySqlite<{ n: number }>(join(dir, '.sluice', 'state.db'), "SELECT count(*) AS n FROM ledger WHERE status = 'delivered'")[0]!.n;
const TOKEN = 'crm-secret-token-51c0de';

/** A create endpoint that keeps the id the API gives back; `retry` is the connector's (default: Sluice's own). */
const connector = (options: { retry?: string; concurrency?: number } = {}) => crmConnector({ concurrency: options.concurrency ?? 4, retry: options.retry });

const project = (options: { state?: string; onError?: string } = {}) =>
  crmProject({ customers: { ...CUSTOMERS_SYNC, more: options.onError ? [`on_error: ${options.onError}`] : [] } }, options.state);

describe('delivery when the API fails', () => {
  let dir: string;
  let crmUrl: string;
  const closers: (() => Promise<void>)[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-outage-'));
    await writeFile(join(dir, 'crm.yaml'), connector());
    await writeFile(join(dir, 'sluice.yaml'), project());
  });
  afterEach(async () => {
    while (closers.length) await closers.pop()!();
    await rm(dir, { recursive: true, force: true });
  });

  const env = () => ({ ...process.env, CRM_URL: crmUrl, CRM_TOKEN: TOKEN, SLUICE_SECRET_KEY: '' });
  const sluice = (args: string) => runCommand(`sluice --project ${dir} ${args}`, { cwd: dir, env: env() });
  const startSink = async (port?: number): Promise<WebhookSandbox> => {
    const sink = await startWebhookSandbox({ auth: { bearer: TOKEN }, port });
    closers.push(() => sink.close());
    crmUrl = sink.url;
    return sink;
  };
  const customers = (n: number) => writeCustomers(dir, n);
  const runsOf = async () => (JSON.parse((await sluice('sync runs customers --json')).stdout) as { runs: RunRecord[] }).runs;
  const ledgerCount = () => deliveredInLedger(dir);
  /** Every row reached the sink exactly once. */
  const expectEachOnce = (sink: WebhookSandbox, n: number) => {
    const paths = sink.state.hooks.map((h) => h.path);
    expect(paths).toHaveLength(n);
    expect(new Set(paths).size).toBe(n);
  };
  /** After an outage: nothing rejected, nothing counted failed, every row still to send. */
  const expectAllPending = async (n: number, error: string | RegExp) => {
    const [run] = await runsOf();
    expect(run).toMatchObject({ status: 'failed', counts: { planned: n, delivered: 0, failed: 0 } });
    expect(run!.error).toMatch(error);
    expect((await sluice('sync rejected customers')).stdout).toContain('no rejected rows for customers');
    expect(ledgerCount()).toBe(0);
    expect((await sluice('sync preview customers')).stdout).toContain(`${n} added, 0 changed, 0 removed, 0 unchanged`);
  };

  it('stops within seconds when nothing listens, rejects nothing, and the next run delivers every row once', async () => {
    const n = 2000;
    customers(n);
    // A port that was free a moment ago: nothing listens on it until the sink starts there.
    const probe = await startWebhookSandbox();
    const port = Number(new URL(probe.url).port);
    await probe.close();
    crmUrl = `http://127.0.0.1:${port}`;

    // The connector's retries are Sluice's defaults (5 attempts with backoff): the bound holds as users run it.
    const started = Date.now();
    const down = await sluice('sync run customers');
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(down.code).toBe(1);
    const refused = `the API is unavailable: connection refused by 127.0.0.1:${port} after 5 attempts`;
    expect(down.stdout).toContain(`error: ${refused}`);
    expect(down.stdout).toContain('delivered 0, failed 0');
    expect(down.stdout).not.toContain('rejected ');
    await expectAllPending(n, refused);

    const sink = await startSink(port);
    const up = await sluice('sync run customers');
    expect(up.code).toBe(0);
    expect(up.stdout).toContain(`delivered ${n}, failed 0`);
    expectEachOnce(sink, n);
    expect(ledgerCount()).toBe(n);
    for (const out of [down, up]) expect(out.stdout + out.stderr).not.toContain(TOKEN);
  }, 120_000);

  it('leaves the rows pending when the API closes mid-run, and sends only the rest next time', async () => {
    const n = 2000;
    customers(n);
    await writeFile(join(dir, 'crm.yaml'), connector({ retry: '{ max_attempts: 2, initial_delay_ms: 50, max_delay_ms: 100 }' }));
    let sink = await startSink();
    const port = Number(new URL(sink.url).port);
    sink.faults({ latency_ms: 5 });
    const run = sluice('sync run customers');
    while (sink.state.hooks.length < 300) await new Promise((r) => setTimeout(r, 10));
    await closers.pop()!();
    const first = await run;
    expect(first.code).toBe(1);
    expect(first.stdout).toContain(`error: the API is unavailable: `);
    const delivered = ledgerCount();
    expect(delivered).toBeGreaterThanOrEqual(300);
    const [record] = await runsOf();
    expect(record!.counts).toMatchObject({ delivered, failed: 0 });
    expect((await sluice('sync rejected customers')).stdout).toContain('no rejected rows for customers');

    const before = sink.state.hooks.map((h) => h.path);
    sink = await startSink(port);
    const second = await sluice('sync run customers');
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(`planned ${n - delivered}: ${n - delivered} added`);
    const paths = [...before, ...sink.state.hooks.map((h) => h.path)];
    expect(new Set(paths).size).toBe(n);
    // Only what was in flight when the API went away (concurrency 4) can have reached it twice.
    expect(paths.length - n).toBeLessThanOrEqual(4);
  }, 120_000);

  it.each([
    [503, 'the API is unavailable: 503 Service Unavailable after 2 attempts: Service Unavailable'],
    [429, 'the API is unavailable: 429 Too Many Requests after 2 attempts: Too Many Requests'],
  ])('stops on an API answering %i past the retry budget, leaving every row pending', async (status, error) => {
    const n = 500;
    customers(n);
    await writeFile(join(dir, 'crm.yaml'), connector({ retry: '{ max_attempts: 2, initial_delay_ms: 10, max_delay_ms: 20 }' }));
    const sink = await startSink();
    // (The sandbox's answer carries Retry-After: 1, which Sluice honours: each request takes about a second.)
    sink.faults({ status, count: 1_000_000 });
    const started = Date.now();
    const down = await sluice('sync run customers');
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(down.code).toBe(1);
    expect(down.stdout).toContain(`error: ${error}`);
    // Only the requests in flight when the breaker tripped went out, each with its retry.
    expect(sink.requests().length).toBeLessThanOrEqual(2 * 4);
    await expectAllPending(n, error);

    sink.clearFaults();
    expect((await sluice('sync run customers')).code).toBe(0);
    expectEachOnce(sink, n);
  }, 60_000);

  it('stops sending as soon as on_error.max_failed_rows is passed', async () => {
    const n = 500;
    customers(n);
    await writeFile(join(dir, 'sluice.yaml'), project({ onError: '{ max_failed_rows: 0 }' }));
    const sink = await startSink();
    sink.faults({ status: 400, count: 1_000_000, body: { error: 'name is not allowed' } });
    const run = await sluice('sync run customers');
    expect(run.code).toBe(1);
    // The requests in flight when the first rejection came back finish; no new one starts.
    const sent = sink.requests().length;
    expect(sent).toBeGreaterThanOrEqual(1);
    expect(sent).toBeLessThanOrEqual(4);
    expect(run.stdout).toContain(`delivered 0, failed ${sent}`);
    expect(run.stdout).toContain(`error: ${sent} of ${n} rows failed (on_error.max_failed_rows: 0)`);
    expect(run.stdout).toContain(': 400 Bad Request: name is not allowed');
    const [record] = await runsOf();
    expect(record!.counts).toMatchObject({ delivered: 0, failed: sent });
    // The rows never sent are planned again next run, as the rejected ones are.
    sink.clearFaults();
    expect((await sluice('sync run customers')).code).toBe(0);
    expectEachOnce(sink, n);
  }, 60_000);

  it('stops at a percentage of the planned rows, counted as results arrive', async () => {
    const n = 400;
    customers(n);
    await writeFile(join(dir, 'sluice.yaml'), project({ onError: '{ max_failed_rows: "5%" }' }));
    const sink = await startSink();
    sink.faults({ status: 422, count: 1_000_000, body: { error: 'rejected' } });
    const run = await sluice('sync run customers');
    expect(run.code).toBe(1);
    const sent = sink.requests().length;
    // 5% of 400 is 20 rows: the 21st failure stops it, with at most the other 3 in flight after it.
    expect(sent).toBeGreaterThanOrEqual(21);
    expect(sent).toBeLessThanOrEqual(24);
    expect(run.stdout).toContain(`error: ${sent} of ${n} rows failed (on_error.max_failed_rows: 5%)`);
  }, 60_000);

  it('rejects rows answered 200 with an HTML page where it reads the record id, and sends them again next run', async () => {
    customers(3);
    let html = true;
    const api = await startTestApi((r) =>
      html
        ? { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: '<!doctype html>\n<html><head><title>Maintenance</title></head><body>Back soon</body></html>' }
        : { status: 201, body: { id: `c-${r.url.split('/').pop()}` } },
    );
    closers.push(api.close);
    crmUrl = api.url;
    const first = await sluice('sync run customers');
    expect(first.code).toBe(1);
    const error = '200 OK: the response is not JSON: <!doctype html> <html><head><title>Maintenance</title></head><body>Back soon</body></html>';
    expect(first.stdout).toContain('delivered 0, failed 3');
    expect(first.stdout).toContain(`rejected 1: ${error}`);
    const rejected = await sluice('sync rejected customers');
    expect(rejected.stdout).toContain(`error: ${error}`);
    expect(rejected.stdout).toContain(`curl -X POST '${api.url}/hooks/customers/1'`);
    expect(rejected.stdout).not.toContain(TOKEN);

    html = false;
    const second = await sluice('sync run customers');
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('planned 3: 3 added');
    expect(second.stdout).toContain('delivered 3, failed 0');
    expect((await sluice('sync rejected customers')).stdout).toContain('no rejected rows for customers');
    expect(api.requests).toHaveLength(6);
  }, 60_000);
});

describe('a run killed with SIGKILL', () => {
  let dir: string;
  let sink: WebhookSandbox;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-killed-'));
    sink = await startWebhookSandbox({ auth: { bearer: TOKEN } });
    await writeFile(join(dir, 'crm.yaml'), connector());
    writeCustomers(dir, 400);
  });
  afterEach(async () => {
    await sink.close();
    await rm(dir, { recursive: true, force: true });
  });

  const env = () => ({ ...process.env, CRM_URL: sink.url, CRM_TOKEN: TOKEN, SLUICE_SECRET_KEY: '' });

  /** Starts a run, kills it once the sink has `count` rows, and returns the run as `sluice sync runs --json` lists it. */
  const killAfter = async (count: number): Promise<RunRecord> => {
    sink.faults({ latency_ms: 15 });
    const child = spawn(process.execPath, [cli, '--project', dir, 'sync', 'run', 'customers'], { env: env(), stdio: 'ignore' });
    const exited = new Promise<void>((r) => child.on('exit', () => r()));
    const deadline = Date.now() + 20_000;
    while (sink.state.hooks.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGKILL');
    await exited;
    expect(sink.state.hooks.length).toBeGreaterThanOrEqual(count);
    expect(sink.state.hooks.length).toBeLessThan(400);
    const runs = await runCommand(`sluice --project ${dir} sync runs customers --json`, { cwd: dir, env: env() });
    const [run] = (JSON.parse(runs.stdout) as { runs: RunRecord[] }).runs;
    expect(run).toMatchObject({ status: 'failed' });
    expect(run!.error).toContain('the run stopped without finishing');
    return run!;
  };

  it('shows in its history the rows its ledger recorded (SQLite state)', async () => {
    await writeFile(join(dir, 'sluice.yaml'), project());
    const run = await killAfter(150);
    const n = deliveredInLedger(dir);
    expect(n).toBeGreaterThan(0);
    expect(run.counts).toMatchObject({ planned: 400, delivered: n, failed: 0 });
  }, 60_000);

  it('shows in its history the rows its ledger recorded (PostgreSQL state)', async () => {
    const schema = `sluice_killed_${randomBytes(5).toString('hex')}`;
    await writeFile(join(dir, 'sluice.yaml'), project({ state: `"${POSTGRES_URL}?schema=${schema}"` }));
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    try {
      const run = await killAfter(150);
      const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}".ledger WHERE status = 'delivered'`);
      expect(rows[0]!.n).toBeGreaterThan(0);
      expect(run.counts).toMatchObject({ planned: 400, delivered: rows[0]!.n, failed: 0 });
    } finally {
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    }
  }, 60_000);
});

describe('a table destination whose database goes away mid-run', () => {
  let dir: string;
  const table = `outage_${randomBytes(5).toString('hex')}`;
  let admin: pg.Client;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-table-outage-'));
    admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    // Each write takes a second, so the connection can be cut while a batch is on its way.
    await admin.query(`CREATE TABLE ${table} (id bigint PRIMARY KEY, name text);
      CREATE FUNCTION ${table}_slow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(1); RETURN NULL; END $$;
      CREATE TRIGGER slow BEFORE INSERT ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION ${table}_slow();`);
    await writeFile(
      join(dir, 'sluice.yaml'),
      sluiceYaml({
        connections: { model: '{ type: sqlite, path: model.db }', warehouse: `{ type: postgres, url: "${POSTGRES_URL}" }` },
        syncs: { customers: { from: '{ connection: model, table: customers }', to: `{ connection: warehouse, table: ${table} }`, mode: 'upsert', key: 'id' } },
      }),
    );
    writeCustomers(dir, 100_000);
  });
  afterEach(async () => {
    await admin.query(`DROP TABLE IF EXISTS ${table}; DROP FUNCTION IF EXISTS ${table}_slow()`);
    await admin.end();
    await rm(dir, { recursive: true, force: true });
  });

  it('stops at the batch that failed, rejects nothing, and the next run writes the rest', async () => {
    const env = { ...process.env, SLUICE_SECRET_KEY: '' };
    // The state file is made by the run: until it is, nothing is delivered.
    const ledgerCount = () => {
      try {
        return deliveredInLedger(dir);
      } catch {
        return 0;
      }
    };
    const run = runCommand(`sluice --project ${dir} sync run customers`, { cwd: dir, env });
    const deadline = Date.now() + 60_000;
    while (ledgerCount() === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    // Only the run's own connection: its last statement names this test's table.
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'sluice' AND query LIKE $1`, [`%${table}%`]);
    const cut = await run;
    expect(cut.code).toBe(1);
    // (In pg's words, which depend on whether the cut came mid-statement or between two.)
    expect(cut.stdout).toMatch(new RegExp(`error: table ${table}: .*(terminat|connection)`, 'i'));
    const delivered = ledgerCount();
    expect(delivered).toBeGreaterThan(0);
    expect(delivered).toBeLessThan(100_000);
    expect(cut.stdout).toContain(`delivered ${delivered}, failed 0`);
    const rejected = await runCommand(`sluice --project ${dir} sync rejected customers`, { cwd: dir, env });
    expect(rejected.stdout).toContain('no rejected rows for customers');

    const again = await runCommand(`sluice --project ${dir} sync run customers`, { cwd: dir, env });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`delivered ${100_000 - delivered}, failed 0`);
    const { rows } = await admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
    expect(rows[0]!.n).toBe(100_000);
  }, 180_000);
});
