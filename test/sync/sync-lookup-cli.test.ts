// When an upsert looks records up (DESIGN §7: "a lookup is used only when named, or marked default by the
// connector"), through the built CLI against the Backlog simulator; what preview predicts is what the run sends.
import Database from 'better-sqlite3';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startBacklogSandbox, type BacklogSandbox } from '../../sandbox/backlog/backlog-sandbox.js';
import { runCommand } from '../examples/run-command.js';

const KEY = 'sandbox-api-key';

const project = (connector: string, endpoints: string) => `version: 1
connections:
  model: { type: sqlite, path: model.db }
  backlog:
    type: http
    connector: ${connector}
    config: { space_key: sandbox }
    base_url: "\${env:BACKLOG_URL}"
    auth: { type: api_key, key: "\${env:BACKLOG_API_KEY}" }
syncs:
  jobs:
    from: { connection: model, table: jobs }
    to: { connection: backlog, endpoints: ${endpoints} }
    mode: upsert
    key: job_id
`;

interface Preview {
  operations: Record<string, number>;
  invalid: unknown[];
  requests: { operation: string; keys: string[]; text: string; error?: string }[];
}

describe('a lookup endpoint in an upsert', () => {
  let dir: string;
  let backlog: BacklogSandbox;
  let db: Database.Database;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-lookup-'));
    // PROJ-1 was made by hand, before Sluice.
    backlog = await startBacklogSandbox({ seed: { issues: [{ projectId: 1, summary: 'Made by hand', issueTypeId: 2, priorityId: 3 }] } });
    db = new Database(join(dir, 'model.db'));
    db.exec('CREATE TABLE jobs (job_id TEXT PRIMARY KEY, issue_key TEXT, project_id INTEGER, issue_type_id INTEGER, priority_id INTEGER, summary TEXT, description TEXT)');
    const insert = db.prepare('INSERT INTO jobs VALUES (?, ?, 1, 2, 3, ?, ?)');
    insert.run('job_a', 'PROJ-1', 'Slow query: job_a', 'SELECT * FROM orders');
    insert.run('job_b', 'PROJ-9', 'Slow query: job_b', 'SELECT * FROM items');
  });
  afterEach(async () => {
    db.close();
    await backlog.close();
    await rm(dir, { recursive: true, force: true });
  });

  const sluice = (args: string) =>
    runCommand(`sluice --project ${dir} ${args}`, { cwd: dir, env: { ...process.env, BACKLOG_URL: backlog.url, BACKLOG_API_KEY: KEY, SLUICE_SECRET_KEY: '' } });
  const issueRequests = () => backlog.requests().filter((r) => r.path.startsWith('/api/v2/issues'));
  /** The requests the simulator answered, by the operation they carry out. */
  const sentByOperation = () => {
    const list = issueRequests();
    const counts: Record<string, number> = {
      lookup: list.filter((r) => r.method === 'GET').length,
      create: list.filter((r) => r.method === 'POST').length,
      update: list.filter((r) => r.method === 'PATCH').length,
    };
    return Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));
  };
  const summaries = () => backlog.state.issues.map((i) => `${i.issueKey as string} ${i.summary as string}`);

  /** Preview, then run: returns the preview, after checking the run sent what it predicted. */
  async function previewThenRun(): Promise<Preview> {
    const preview = await sluice('sync preview jobs --json');
    expect(preview.stderr).toBe('');
    expect(preview.code).toBe(0);
    const p = JSON.parse(preview.stdout) as Preview;
    expect(issueRequests(), 'preview sends nothing').toEqual([]);
    const run = await sluice('sync run jobs');
    expect(run.stdout + run.stderr).toContain('delivered 2, failed 0');
    expect(run.code).toBe(0);
    // Every lookup is one GET; after it, a found issue is updated and a missing one created.
    expect(sentByOperation().lookup ?? 0).toBe(p.operations.lookup ?? 0);
    expect((sentByOperation().create ?? 0) + (sentByOperation().update ?? 0)).toBe(2);
    for (const out of [preview, run]) expect(out.stdout + out.stderr).not.toContain(KEY);
    return p;
  }

  it('does not call the connector lookup when the sync does not name it', async () => {
    await writeFile(join(dir, 'sluice.yaml'), project('backlog', '{ create: add_issue, update: update_issue }'));
    const p = await previewThenRun();
    expect(p.operations).toEqual({ create: 2 });
    expect(sentByOperation()).toEqual(p.operations);
    expect(issueRequests().filter((r) => r.method === 'GET')).toEqual([]);
    expect(summaries()).toEqual(['PROJ-1 Made by hand', 'PROJ-2 Slow query: job_a', 'PROJ-3 Slow query: job_b']);
  }, 60_000);

  it('looks each new key up when the sync names the lookup: the existing issue is updated, the missing one created', async () => {
    await writeFile(join(dir, 'sluice.yaml'), project('backlog', '{ create: add_issue, update: update_issue, lookup: find_issue }'));
    const p = await previewThenRun();
    expect(p.operations).toEqual({ lookup: 2 });
    expect(p.requests.map((r) => [r.operation, r.keys, r.error])).toEqual([
      ['lookup', ['job_a'], undefined],
      ['lookup', ['job_b'], undefined],
    ]);
    expect(p.requests[0]!.text).toContain('/api/v2/issues/PROJ-1?apiKey=****');
    expect(issueRequests().map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      'GET /api/v2/issues/PROJ-1 200',
      'GET /api/v2/issues/PROJ-9 404',
      'PATCH /api/v2/issues/1 200',
      'POST /api/v2/issues 201',
    ]);
    expect(summaries()).toEqual(['PROJ-1 Slow query: job_a', 'PROJ-2 Slow query: job_b']);

    // The ids are kept: the next change is an update by id, with no lookup.
    db.prepare("UPDATE jobs SET summary = 'Slow query: job_b (again)' WHERE job_id = 'job_b'").run();
    const before = issueRequests().length;
    const again = JSON.parse((await sluice('sync preview jobs --json')).stdout) as Preview;
    expect(again.operations).toEqual({ update: 1 });
    expect((await sluice('sync run jobs')).code).toBe(0);
    expect(issueRequests().slice(before).map((r) => `${r.method} ${r.path}`)).toEqual(['PATCH /api/v2/issues/2']);
  }, 60_000);

  it('a named lookup whose rows lack its column: preview says the run would stop, and the run stops there, sending nothing', async () => {
    await writeFile(join(dir, 'sluice.yaml'), project('backlog', '{ create: add_issue, update: update_issue, lookup: find_issue }'));
    db.exec('ALTER TABLE jobs DROP COLUMN issue_key');
    const why = 'endpoints.find_issue.path: unknown variable "row.issue_key" in path';
    const preview = await sluice('sync preview jobs');
    expect(preview.code).toBe(0);
    expect(preview.stdout).toContain('would send: lookup 2');
    expect(preview.stdout).toContain(`# would stop the run: sync jobs: ${resolve(__dirname, '../../connectors/backlog.yaml')}:`);
    expect(preview.stdout).toContain(why);
    const run = await sluice('sync run jobs');
    expect(run.code).toBe(1);
    expect(run.stdout + run.stderr).toContain(why);
    expect(issueRequests()).toEqual([]);
  }, 60_000);

  it('looks up without being named when the connector marks its lookup default: true', async () => {
    const spec = await readFile(resolve(__dirname, '../../connectors/backlog.yaml'), 'utf8');
    expect(spec).toContain('    operation: lookup\n');
    await writeFile(join(dir, 'backlog-default.yaml'), spec.replace('    operation: lookup\n', '    operation: lookup\n    default: true\n'));
    await writeFile(join(dir, 'sluice.yaml'), project('./backlog-default.yaml', '{ create: add_issue, update: update_issue }'));
    const p = await previewThenRun();
    expect(p.operations).toEqual({ lookup: 2 });
    expect(issueRequests().filter((r) => r.method === 'GET').map((r) => r.path)).toEqual(['/api/v2/issues/PROJ-1', '/api/v2/issues/PROJ-9']);
    expect(summaries()).toEqual(['PROJ-1 Slow query: job_a', 'PROJ-2 Slow query: job_b']);
  }, 60_000);
});
