// End to end, as a user runs it: the built CLI (`node bin/sluice.js`), a SQLite model, and the webhook sandbox.
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startWebhookSandbox, type WebhookSandbox } from '../../sandbox/webhook/webhook-sandbox.js';
import type { RunRecord } from '../../src/state/state-store.js';
import { runSluice } from '../examples/run-command.js';
import { crmConnector, crmProject, CUSTOMERS_SYNC } from './crm-project.js';

const cli = resolve(__dirname, '../../bin/sluice.js');

const SCORED_BODY = `'{ "id": {{ row.id | json }}, "name": "{{ row.name }}", "score": {{ row.score | json }} }'`;
const CONNECTOR = crmConnector({
  concurrency: 4,
  retry: '{ max_attempts: 2, initial_delay_ms: 10, max_delay_ms: 20 }',
  body: SCORED_BODY,
  endpoints: `  update_customer:
    operation: update
    method: PUT
    path: "/hooks/records/{{ record.id }}"
    body: ${SCORED_BODY}
  delete_customer:
    operation: delete
    method: DELETE
    path: "/hooks/records/{{ record.id }}"
`,
});

const project = (mode: string) =>
  crmProject({
    customers: { ...CUSTOMERS_SYNC, to: '{ connection: crm, endpoints: { create: create_customer, update: update_customer, delete: delete_customer } }', mode },
  });

const TOKEN = 'crm-secret-token-8f3a2c';

describe('sluice sync through the CLI', () => {
  let dir: string;
  let sink: WebhookSandbox;
  let db: Database.Database;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-e2e-'));
    sink = await startWebhookSandbox({ auth: { bearer: TOKEN } });
    await writeFile(join(dir, 'crm.yaml'), CONNECTOR);
    await writeFile(join(dir, 'sluice.yaml'), project('mirror'));
    db = new Database(join(dir, 'model.db'));
    db.exec('CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, score INTEGER)');
  });
  afterEach(async () => {
    extraEnv = {};
    db.close();
    await sink.close();
    await rm(dir, { recursive: true, force: true });
  });

  let extraEnv: NodeJS.ProcessEnv = {};
  const env = () => ({ ...process.env, CRM_URL: sink.url, CRM_TOKEN: TOKEN, SLUICE_SECRET_KEY: '', ...extraEnv });
  // Asynchronous, so the sandbox (in this process) keeps answering while the CLI runs.
  const sluice = (...args: string[]) => runSluice(['--project', dir, ...args], { env: env() });
  const insert = (rows: [number, string, number][]) => {
    const stmt = db.prepare('INSERT INTO customers VALUES (?, ?, ?)');
    for (const r of rows) stmt.run(...r);
  };
  const hooks = (method?: string) => sink.state.hooks.filter((h) => !method || h.method === method);

  it('sends everything once, nothing when unchanged, updates through kept ids, and mirror deletes', async () => {
    insert([[1, 'Ada', 10], [2, 'Grace "Amazing" Hopper', 20], [3, '小林\nsecond line', 30]]);
    const first = await sluice('sync', 'run', 'customers');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('planned 3: 3 added, 0 changed, 0 removed, 0 unchanged');
    expect(hooks('POST').map((h) => h.body)).toEqual(
      expect.arrayContaining([
        { id: 1, name: 'Ada', score: 10 },
        { id: 2, name: 'Grace "Amazing" Hopper', score: 20 },
        { id: 3, name: '小林\nsecond line', score: 30 },
      ]),
    );
    const idOf = (key: number) => hooks('POST').find((h) => h.path === `/hooks/customers/${key}`)!;

    const second = await sluice('sync', 'run', 'customers');
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('planned 0: 0 added, 0 changed, 0 removed, 3 unchanged');
    expect(hooks()).toHaveLength(3);

    db.prepare('UPDATE customers SET score = 99 WHERE id = 2').run();
    db.prepare('DELETE FROM customers WHERE id = 3').run();
    const remote2 = (JSON.parse((await sluice('sync', 'runs', 'customers', '--json')).stdout) as { runs: unknown[] }).runs.length;
    expect(remote2).toBe(2);
    const third = await sluice('sync', 'run', 'customers');
    expect(third.code).toBe(0);
    expect(third.stdout).toContain('1 changed, 1 removed, 1 unchanged');
    // The records are addressed by the ids the API gave back when they were created.
    const created2 = sink.state.hooks.indexOf(idOf(2)) + 1;
    const created3 = sink.state.hooks.indexOf(idOf(3)) + 1;
    expect(hooks('PUT').map((h) => [h.path, h.body])).toEqual([[`/hooks/records/${created2}`, { id: 2, name: 'Grace "Amazing" Hopper', score: 99 }]]);
    expect(hooks('DELETE').map((h) => h.path)).toEqual([`/hooks/records/${created3}`]);

    const runs = await sluice('sync', 'runs', 'customers');
    expect(runs.stdout.split('\n')[0]).toMatch(/^RUN\s+KIND\s+STATUS/);
    expect(runs.stdout.match(/succeeded/g)).toHaveLength(3);
    for (const out of [first, second, third, runs]) expect(out.stdout + out.stderr).not.toContain(TOKEN);
  });

  it('sends at a concurrency of 32 with no warning on stderr (every request listens to the run signal)', async () => {
    await writeFile(join(dir, 'crm.yaml'), CONNECTOR.replace('concurrency: 4', 'concurrency: 32'));
    insert(Array.from({ length: 200 }, (_, i): [number, string, number] => [i + 1, `name ${i + 1}`, i]));
    const run = await sluice('sync', 'run', 'customers');
    expect(run.code).toBe(0);
    expect(hooks('POST')).toHaveLength(200);
    expect(run.stderr).not.toMatch(/Warning/);
  });

  it('isolates a poison row, reports it with the API message, and sends it again on the next run', async () => {
    insert([[1, 'a', 1], [2, 'b', 2], [3, 'c', 3]]);
    sink.faults({ status: 422, count: 100, path: '/hooks/customers/2', body: { error: 'score out of range for customer 2' } });
    const first = await sluice('sync', 'run', 'customers');
    expect(first.code).toBe(1);
    expect(first.stdout).toContain('delivered 2, failed 1');
    expect(first.stdout).toContain('rejected 2: 422 Unprocessable Entity: score out of range for customer 2');

    const rejected = await sluice('sync', 'rejected', 'customers');
    expect(rejected.stdout).toContain('error: 422 Unprocessable Entity: score out of range for customer 2');
    expect(rejected.stdout).toContain(`curl -X POST '${sink.url}/hooks/customers/2'`);
    expect(rejected.stdout).not.toContain(TOKEN);

    sink.clearFaults();
    const second = await sluice('sync', 'run', 'customers');
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('planned 1: 1 added, 0 changed, 0 removed, 2 unchanged');
    expect(hooks('POST').map((h) => h.path).sort()).toEqual(['/hooks/customers/1', '/hooks/customers/2', '/hooks/customers/3']);
    expect((await sluice('sync', 'rejected', 'customers')).stdout).toContain('no rejected rows for customers');
  });

  it('retries only the rejected rows with sync rejected --retry', async () => {
    insert([[1, 'a', 1], [2, 'b', 2]]);
    sink.faults({ status: 400, count: 100, path: '/hooks/customers/1', body: { error: 'bad' } });
    expect((await sluice('sync', 'run', 'customers')).code).toBe(1);
    sink.clearFaults();
    const retry = await sluice('sync', 'rejected', 'customers', '--retry');
    expect(retry.code).toBe(0);
    expect(retry.stdout).toContain('delivered 1, failed 0');
    expect(hooks('POST').map((h) => h.path).sort()).toEqual(['/hooks/customers/1', '/hooks/customers/2']);
    expect((await sluice('sync', 'run', 'customers')).stdout).toContain('planned 0');
  });

  // Rejecting several rows in one run needs room under on_error.max_failed_rows (default 0 stops at the first).
  const tolerant = (text: string) => text.replace('key: id', 'key: id\n    on_error: { max_failed_rows: 10 }');

  it('retries rejected rows with their current source values and drops keys gone from the source', async () => {
    await writeFile(join(dir, 'sluice.yaml'), tolerant(project('mirror')));
    insert([[1, 'a', 1], [2, 'b', 2], [3, 'c', 3]]);
    sink.faults({ status: 400, count: 100, path: '/hooks/customers/', body: { error: 'bad' } });
    expect((await sluice('sync', 'run', 'customers')).stdout).toContain('delivered 0, failed 3');
    sink.clearFaults();
    db.prepare('UPDATE customers SET score = 42 WHERE id = 1').run();
    db.prepare('DELETE FROM customers WHERE id = 3').run();

    const retry = await sluice('sync', 'rejected', 'customers', '--retry');
    expect(retry.code).toBe(0);
    expect(retry.stdout).toContain('1 rejected keys are no longer in the source: dropped');
    expect(retry.stdout).toContain('delivered 2, failed 0');
    expect(hooks().map((h) => [h.path, h.body]).sort()).toEqual([
      ['/hooks/customers/1', { id: 1, name: 'a', score: 42 }],
      ['/hooks/customers/2', { id: 2, name: 'b', score: 2 }],
    ]);
    expect((await sluice('sync', 'rejected', 'customers')).stdout).toContain('no rejected rows for customers');
    expect((await sluice('sync', 'run', 'customers')).stdout).toContain('planned 0');
  });

  it('retries rejected rows as they were when rejected with --as-rejected', async () => {
    insert([[1, 'a', 1]]);
    sink.faults({ status: 400, count: 100, path: '/hooks/customers/1', body: { error: 'bad' } });
    expect((await sluice('sync', 'run', 'customers')).code).toBe(1);
    sink.clearFaults();
    db.prepare('UPDATE customers SET score = 42 WHERE id = 1').run();
    const retry = await sluice('sync', 'rejected', 'customers', '--retry', '--as-rejected');
    expect(retry.code).toBe(0);
    expect(hooks().map((h) => [h.path, h.body])).toEqual([['/hooks/customers/1', { id: 1, name: 'a', score: 1 }]]);
    // The ledger holds what was sent, so the next run sends the current value.
    expect((await sluice('sync', 'run', 'customers')).stdout).toContain('1 changed');
    expect((await sluice('sync', 'rejected', 'customers', '--as-rejected')).code).toBe(2);
  });

  it('exports rejected rows as RFC 4180 CSV that keeps a formula as text, and as a JSON array', async () => {
    // The name is the key here, so a hostile value starts a CSV field.
    await writeFile(join(dir, 'sluice.yaml'), tolerant(project('mirror')).replace('key: id', 'key: name'));
    const hostile = '=HYPERLINK("http://evil.example","click, here")\nsecond line';
    insert([[1, hostile, 1], [2, 'plain', 2]]);
    sink.faults({ status: 422, count: 100, path: '/hooks/customers/', body: { error: 'no, "formulas"' } });
    expect((await sluice('sync', 'run', 'customers')).stdout).toContain('delivered 0, failed 2');

    const json = await sluice('sync', 'rejected', 'customers', '--format', 'json');
    expect(json.code).toBe(0);
    const rows = JSON.parse(json.stdout) as { key: string; runId: string; operation: string; error: string; rejectedAt: string; row: unknown }[];
    expect(Array.isArray(rows)).toBe(true);
    expect(rows.map((r) => [r.key, r.operation, r.error, r.row]).sort()).toEqual([
      [hostile, 'create', '422 Unprocessable Entity: no, "formulas"', { id: 1, name: hostile, score: 1 }],
      ['plain', 'create', '422 Unprocessable Entity: no, "formulas"', { id: 2, name: 'plain', score: 2 }],
    ]);

    const csv = await sluice('sync', 'rejected', 'customers', '--format', 'csv');
    expect(csv.code).toBe(0);
    expect(csv.stdout).toContain(`"'=HYPERLINK(""http://evil.example"",""click, here"")\nsecond line"`);
    const [header, ...records] = parseCsv(csv.stdout);
    expect(header).toEqual(['key', 'run_id', 'kind', 'operation', 'error', 'rejected_at', 'row']);
    // Read back (the guarding ' taken off), the CSV holds exactly the rows.
    const unguard = (v: string) => (/^'[=+\-@]/.test(v) ? v.slice(1) : v);
    expect(records.map((f) => [unguard(f[0]!), f[1], f[2], f[3], f[4], f[5], JSON.parse(f[6]!)])).toEqual(
      rows.map((r) => [r.key, r.runId, 'rejected', r.operation, r.error, r.rejectedAt, r.row]),
    );
    for (const out of [json, csv]) expect(out.stdout + out.stderr).not.toContain(TOKEN);
  });

  const runsOf = async () => (JSON.parse((await sluice('sync', 'runs', 'customers', '--json')).stdout) as { runs: RunRecord[] }).runs;
  const waitForPosts = async (count: number) => {
    const deadline = Date.now() + 20_000;
    while (hooks('POST').length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(hooks('POST').length).toBeGreaterThanOrEqual(count);
  };

  /** Starts `sync run customers` in a process of its own and kills it (SIGKILL) once `posts` records have arrived. */
  const killMidRun = async (posts: number) => {
    const child = spawn(process.execPath, [cli, '--project', dir, 'sync', 'run', 'customers'], { env: env(), stdio: 'ignore' });
    const exited = new Promise<void>((r) => child.on('exit', () => r()));
    try {
      await waitForPosts(posts);
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    return child;
  };
  /**
   * Reruns the sync at full speed: every one of the `n` records has arrived, and only those in flight when the process
   * died (concurrency 4) can have been sent twice.
   */
  const rerunDeliversAll = async (n: number) => {
    sink.faults({ latency_ms: 0 });
    const rerun = await sluice('sync', 'run', 'customers');
    expect(rerun.code).toBe(0);
    const paths = hooks('POST').map((h) => h.path);
    expect(new Set(paths).size).toBe(n);
    expect(paths.length - n).toBeLessThanOrEqual(4);
  };

  it('loses nothing when killed with SIGKILL mid-run, and duplicates at most what was in flight', async () => {
    const n = 300;
    insert(Array.from({ length: n }, (_, i) => [i + 1, `customer ${i + 1}`, i] as [number, string, number]));
    sink.faults({ latency_ms: 15 });
    const child = await killMidRun(60);
    const beforeRerun = hooks('POST').length;
    expect(beforeRerun).toBeGreaterThanOrEqual(60);
    expect(beforeRerun).toBeLessThan(n);

    // Its process is gone on this machine: the run is recorded as failed at once, and its lease is free.
    const killed = await runsOf();
    expect(killed).toHaveLength(1);
    expect(killed[0]).toMatchObject({ status: 'failed', error: `the run stopped without finishing (its process ${child.pid} on ${hostname()} ended)` });
    expect(killed[0]!.finishedAt).not.toBeNull();

    await rerunDeliversAll(n);
    expect((await sluice('sync', 'run', 'customers')).stdout).toContain(`planned 0: 0 added, 0 changed, 0 removed, ${n} unchanged`);
  });

  it('runs a sync once when two runs start together, refuses a retry meanwhile, and sends each record once', async () => {
    const n = 150;
    insert(Array.from({ length: n }, (_, i) => [i + 1, `customer ${i + 1}`, i] as [number, string, number]));
    sink.faults({ latency_ms: 40 });
    const [a, b] = [sluice('sync', 'run', 'customers'), sluice('sync', 'run', 'customers')];
    await waitForPosts(20);
    const retry = await sluice('sync', 'rejected', 'customers', '--retry');
    const results = await Promise.all([a, b]);

    const winner = results.find((r) => r.code === 0)!;
    const loser = results.find((r) => r.code !== 0)!;
    expect(results.map((r) => r.code).sort()).toEqual([0, 1]);
    const winnerId = /\(run (run_\S+)\)/.exec(winner.stdout)![1]!;
    const refused = new RegExp(`sync "customers" is already running \\(run ${winnerId}, started \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z by process \\d+ on `);
    expect(loser.stdout).toMatch(refused);
    expect(loser.stdout).toContain('delivered 0, failed 0');
    expect(retry.code).toBe(1);
    expect(retry.stderr).toMatch(refused);

    const paths = hooks('POST').map((h) => h.path);
    expect(paths).toHaveLength(n);
    expect(new Set(paths).size).toBe(n);
    const runs = await runsOf();
    expect(runs.map((r) => [r.kind, r.status]).sort()).toEqual([['retry', 'failed'], ['sync', 'failed'], ['sync', 'succeeded']]);
    for (const r of runs.filter((r) => r.status === 'failed')) expect(r.error).toMatch(refused);
    // The lease was released: the next run starts at once.
    expect((await sluice('sync', 'run', 'customers')).stdout).toContain(`planned 0: 0 added, 0 changed, 0 removed, ${n} unchanged`);
  });

  it('waits for the lease of a run killed on another machine to expire, then records it as failed and delivers the rest', async () => {
    extraEnv = { SLUICE_LEASE_TTL_MS: '2000' };
    const n = 200;
    insert(Array.from({ length: n }, (_, i) => [i + 1, `customer ${i + 1}`, i] as [number, string, number]));
    sink.faults({ latency_ms: 15 });
    const child = await killMidRun(40);
    // As if that process had run on another machine sharing the state: nothing here can tell that it has ended.
    // The lease is pushed well ahead, so a slow machine cannot see it expire before the early run; later it is set to
    // have expired, as time passing would.
    const state = new Database(join(dir, '.sluice', 'state.db'));
    state.prepare("UPDATE leases SET host = 'other-host', pid_scope = 'elsewhere', expires_at = ?").run(new Date(Date.now() + 60_000).toISOString());
    state.close();

    const [killed] = await runsOf();
    expect(killed).toMatchObject({ status: 'running', finishedAt: null });
    const early = await sluice('sync', 'run', 'customers');
    expect(early.code).toBe(1);
    expect(early.stdout).toContain(`sync "customers" is already running (run ${killed!.id}, started `);
    expect(early.stdout).toContain(`by process ${child.pid} on other-host)`);

    const expiring = new Database(join(dir, '.sluice', 'state.db'));
    const expiresAt = new Date(Date.now() - 1000).toISOString();
    expiring.prepare('UPDATE leases SET expires_at = ?').run(expiresAt);
    expiring.close();
    await rerunDeliversAll(n);
    const after = await runsOf();
    expect(after.find((r) => r.id === killed!.id)).toMatchObject({
      status: 'failed',
      error: `the run stopped without finishing (its process ended or lost contact; lease expired at ${expiresAt})`,
    });
    expect(after.map((r) => r.status)).toEqual(['succeeded', 'failed', 'failed']);
  });

  it('previews counts and rendered requests without sending, secrets masked', async () => {
    insert([[1, 'Ada', 10]]);
    await mkdir(join(dir, 'unused'), { recursive: true });
    const p = await sluice('sync', 'preview', 'customers');
    expect(p.code).toBe(0);
    expect(p.stdout).toContain('1 added, 0 changed, 0 removed, 0 unchanged');
    expect(p.stdout).toContain(`curl -X POST '${sink.url}/hooks/customers/1'`);
    expect(p.stdout).toContain('"name": "Ada"');
    expect(p.stdout).not.toContain(TOKEN);
    expect(hooks()).toHaveLength(0);
  });

  it('exits 2 with the location for an unknown sync and a bad --var', async () => {
    const r = await sluice('sync', 'run', 'customer');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('sluice.yaml: syncs: unknown sync "customer" (did you mean "customers"?) (known: customers)');
    expect((await sluice('sync', 'run', 'customers', '--var', 'oops')).code).toBe(2);
  });
});

/** Parses RFC 4180 CSV (quoted fields, doubled quotes, CRLF or LF line ends) into records. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      records.push(record);
      field = '';
      record = [];
    } else field += c;
  }
  if (field || record.length) {
    record.push(field);
    records.push(record);
  }
  return records;
}
