// examples/trocco-backlog, run as its README says: the built CLI, the Backlog and BigQuery simulators from
// `sluice sandbox`, a DuckDB warehouse seeded by a pipeline, and the issue that arrives compared byte for byte.
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand, type CommandResult } from './run-command.js';
import { freePorts, startCliSandbox, type CliSandbox } from './start-cli-sandbox.js';

const example = resolve(__dirname, '../../examples/trocco-backlog');
const README_PORT = 8790;

const SUMMARY = '[BigQuery] 2025-03-10 top scan: 1.17 TiB billed by user:aiko.tanaka@example.com';
const DESCRIPTION = `## Most expensive query on 2025-03-10 (Asia/Tokyo)

- Job: \`bquxjob_7c2d19_0310\` in project \`sluice-test\` (asia-northeast1)
- Run by: user:aiko.tanaka@example.com
- Billed: **1.17 TiB** (1288490188800 bytes)
- Tables read: 2, written: \`marts.weekly_kpi\`

\`\`\`sql
SELECT o.order_id, o.customer_email, SUM(i.amount) AS "total"
FROM sales.orders AS o
JOIN sales.order_items AS i USING (order_id)
WHERE o.status = 'shipped'  -- no filter on order_date: every partition is read
GROUP BY 1, 2
\`\`\`

> Can this query filter on a partition column, or read fewer columns than "SELECT *"?`;

interface Issue {
  issueKey: string;
  projectId: number;
  summary: string;
  description: string;
  issueType: { name: string };
  priority: { name: string };
}

describe('examples/trocco-backlog', () => {
  let dir: string;
  let readme: string;
  let sandbox: CliSandbox;
  let port: number;
  const env: NodeJS.ProcessEnv = { ...process.env, SLUICE_SECRET_KEY: '' };

  beforeAll(async () => {
    readme = await readFile(join(example, 'README.md'), 'utf8');
    // A copy, so the run's state and DuckDB file stay out of the repository.
    dir = await mkdtemp(join(tmpdir(), 'sluice-trocco-'));
    await cp(example, dir, { recursive: true, filter: (src) => !/[/\\](\.sluice|data)$/.test(src) });
    port = await freePorts(2);
    sandbox = await startCliSandbox(readmeLine('sluice sandbox backlog bigquery --port 8790'), port);
    // The connections default to the README's ports; the test's sandbox answers on others.
    env.BACKLOG_URL = sandbox.urls.backlog;
    await run('export BACKLOG_API_KEY=sandbox-api-key');
  }, 30_000);
  afterAll(async () => {
    await sandbox?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** The line as the README has it (the test fails when the README no longer says it). */
  function readmeLine(line: string): string {
    expect(readme, 'README.md runs this command').toContain(line);
    return line;
  }
  /** Runs a README line in the project, on the test's ports. */
  function run(line: string): Promise<CommandResult> {
    const words = readmeLine(line).replaceAll(`127.0.0.1:${README_PORT + 1}`, `127.0.0.1:${port + 1}`).replaceAll(`127.0.0.1:${README_PORT}`, `127.0.0.1:${port}`);
    return runCommand(words, { cwd: dir, env });
  }
  const issues = async (): Promise<Issue[]> =>
    ((await (await fetch(`${sandbox.urls.backlog}/_sandbox/records`)).json()) as { issues: Issue[] }).issues;

  it('creates one issue for yesterday\'s top scan, byte for byte, and nothing on the second run', async () => {
    const setup = await run('sluice pipeline run setup');
    expect(setup.stdout + setup.stderr).toContain('pipeline setup succeeded');
    expect(setup.code).toBe(0);

    const preview = await run('sluice sync preview top_scan_to_backlog --var yesterday=2025-03-10');
    expect(preview.code).toBe(0);
    expect(preview.stdout).toContain('1 added, 0 changed, 0 removed, 0 unchanged');
    expect(preview.stdout).toContain('# 1. create bquxjob_7c2d19_0310');
    expect(preview.stdout).toContain('apiKey=****');
    expect(preview.stdout).not.toContain('sandbox-api-key');
    expect(await issues()).toEqual([]);

    const first = await run('sluice sync run top_scan_to_backlog --var yesterday=2025-03-10');
    expect(first.stdout + first.stderr).toContain('planned 1: 1 added, 0 changed, 0 removed, 0 unchanged');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('delivered 1, failed 0');
    const [issue, ...others] = await issues();
    expect(others).toEqual([]);
    expect(issue).toMatchObject({ issueKey: 'PROJ-1', projectId: 1, issueType: { name: 'Task' }, priority: { name: 'High' } });
    expect(issue!.summary).toBe(SUMMARY);
    expect(issue!.description).toBe(DESCRIPTION);

    const second = await run('sluice sync run top_scan_to_backlog --var yesterday=2025-03-10');
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('planned 0: 0 added, 0 changed, 0 removed, 1 unchanged');
    expect(await issues()).toHaveLength(1);

    const records = await run('curl -s http://127.0.0.1:8790/_sandbox/records');
    expect((JSON.parse(records.stdout) as { issues: Issue[] }).issues.map((i) => i.summary)).toEqual([SUMMARY]);
    for (const out of [setup, preview, first, second]) expect(out.stdout + out.stderr).not.toContain('sandbox-api-key');
  }, 60_000);

  it('makes the same issue from INFORMATION_SCHEMA.JOBS through the BigQuery simulator', async () => {
    await run('export BIGQUERY_API_ENDPOINT=http://127.0.0.1:8791 BIGQUERY_ACCESS_TOKEN=test-token');
    const seed = await run('sluice pipeline run seed_bigquery_simulator');
    expect(seed.stdout + seed.stderr).toContain('pipeline seed_bigquery_simulator succeeded');
    const before = (await issues()).length;
    const sync = await run('sluice sync run top_scan_to_backlog_bigquery --var yesterday=2025-03-10');
    expect(sync.stdout + sync.stderr).toContain('planned 1: 1 added, 0 changed, 0 removed, 0 unchanged');
    expect(sync.code).toBe(0);
    const created = (await issues()).slice(before);
    expect(created).toHaveLength(1);
    expect(created[0]!.summary).toBe(SUMMARY);
    expect(created[0]!.description).toBe(DESCRIPTION);
    expect(sync.stdout + sync.stderr).not.toContain('test-token');
  }, 60_000);
});
