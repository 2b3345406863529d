// connectors/backlog.md followed as written: its Sandbox section's sluice.yaml with the Example's sync, and its
// commands run one by one with the built CLI against `sluice sandbox backlog`.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand, type CommandResult } from './run-command.js';
import { freePorts, startCliSandbox, type CliSandbox } from './start-cli-sandbox.js';

const README_PORT = 8790;

interface Issue {
  id: number;
  issueKey: string;
  summary: string;
  description: string;
  issueType: { name: string };
}

/** The fenced blocks of one `## Section` of a Markdown file, in order. */
function blocksOf(markdown: string, section: string, language: string): string[] {
  const start = markdown.indexOf(`\n## ${section}\n`);
  expect(start, `the README has a "## ${section}" section`).toBeGreaterThanOrEqual(0);
  const end = markdown.indexOf('\n## ', start + 1);
  const text = markdown.slice(start, end === -1 ? undefined : end);
  return [...text.matchAll(new RegExp('```' + language + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);
}

describe('connectors/backlog.md', () => {
  let dir: string;
  let sandbox: CliSandbox;
  let port: number;
  let commands: string[];
  const env: NodeJS.ProcessEnv = { ...process.env, SLUICE_SECRET_KEY: '' };

  beforeAll(async () => {
    const readme = await readFile(resolve(__dirname, '../../connectors/backlog.md'), 'utf8');
    const [example] = blocksOf(readme, 'Example', 'yaml');
    const [start, shell] = blocksOf(readme, 'Sandbox', 'sh');
    const [project] = blocksOf(readme, 'Sandbox', 'yaml');
    commands = shell!.trim().split('\n');
    port = await freePorts(1);
    sandbox = await startCliSandbox(start!.trim(), port);
    dir = await mkdtemp(join(tmpdir(), 'sluice-backlog-md-'));
    // "a sluice.yaml with these lines, followed by the Example's syncs: block"
    await writeFile(join(dir, 'sluice.yaml'), onPort(project!) + example!);
  }, 30_000);
  afterAll(async () => {
    await sandbox?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** The README's port replaced by the test's. */
  const onPort = (text: string) => text.replaceAll(`127.0.0.1:${README_PORT}`, `127.0.0.1:${port}`);
  /** Runs the README's next command, which must be `line`. */
  function next(line: string): Promise<CommandResult> {
    expect(commands[0], 'the README runs this command next').toBe(line);
    commands.shift();
    return runCommand(onPort(line), { cwd: dir, env });
  }
  const requests = async () => (await (await fetch(`${sandbox.urls.backlog}/_sandbox/requests?path=/api/v2/issues`)).json()) as { method: string; path: string; status: number }[];
  /** How many requests of each kind reached the issues API since `from`. */
  const sent = async (from: number) => {
    const list = (await requests()).slice(from);
    return {
      create: list.filter((r) => r.method === 'POST' && r.path === '/api/v2/issues').length,
      update: list.filter((r) => r.method === 'PATCH').length,
      lookup: list.filter((r) => r.method === 'GET').length,
    };
  };
  /** The counts of `would send: create 2, update 1` as the preview printed them. */
  const wouldSend = (stdout: string) => {
    const line = /would send: (.*)/.exec(stdout)?.[1] ?? '';
    const counts = { create: 0, update: 0, lookup: 0 };
    for (const [, op, n] of line.matchAll(/(\w+) (\d+)/g)) counts[op as keyof typeof counts] = Number(n);
    return counts;
  };

  /**
   * The README's preview of the sync, then its run: the preview plans `plan`, would send `send` and shows `shows`; the
   * run delivers `delivered` rows and fails none; what reached the API since request `from` is what the preview said.
   */
  async function previewThenRun(from: number, expected: { plan: string; send: string; shows: string; delivered: number }): Promise<[CommandResult, CommandResult]> {
    const preview = await next('sluice sync preview top_scan_to_backlog --var yesterday=2025-03-10');
    expect(preview.stderr).toBe('');
    expect(preview.code).toBe(0);
    expect(preview.stdout).toContain(expected.plan);
    expect(preview.stdout).toContain(`would send: ${expected.send}`);
    expect(preview.stdout).toContain(expected.shows);
    const run = await next('sluice sync run top_scan_to_backlog --var yesterday=2025-03-10');
    expect(run.stdout + run.stderr).toContain(`delivered ${expected.delivered}, failed 0`);
    expect(run.code).toBe(0);
    // What the preview said is what was sent.
    expect(await sent(from)).toEqual(wouldSend(preview.stdout));
    return [preview, run];
  }

  it('creates an issue per job on the first run, updates the changed one on the next, never duplicates and never looks up', async () => {
    await next('export BACKLOG_API_KEY=sandbox-api-key');
    const seed = await next('sluice pipeline run seed');
    expect(seed.stdout + seed.stderr).toContain('pipeline seed succeeded');

    const [preview, first] = await previewThenRun(0, { plan: '2 added, 0 changed, 0 removed, 0 unchanged', send: 'create 2', shows: 'apiKey=****', delivered: 2 });
    const afterFirst = (await requests()).length;

    const edit = await next('sluice pipeline run edit');
    expect(edit.stdout + edit.stderr).toContain('pipeline edit succeeded');
    const [again, second] = await previewThenRun(afterFirst, { plan: '0 added, 1 changed, 0 removed, 1 unchanged', send: 'update 1', shows: '-X PATCH', delivered: 1 });
    expect((await requests()).slice(afterFirst).map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(['PATCH /api/v2/issues/1 200']);

    const records = await next(`curl -s http://127.0.0.1:${README_PORT}/_sandbox/records`);
    const issues = (JSON.parse(records.stdout) as { issues: Issue[] }).issues;
    expect(issues.map((i) => [i.issueKey, i.summary, i.description, i.issueType.name])).toEqual([
      ['PROJ-1', 'Expensive query: job_a', 'SELECT order_id FROM sales.orders', 'Task'],
      ['PROJ-2', 'Expensive query: job_b', 'SELECT * FROM sales.order_items', 'Task'],
    ]);
    expect(commands, 'every command of the README ran').toEqual([]);
    for (const out of [seed, preview, first, edit, again, second]) expect(out.stdout + out.stderr).not.toContain('sandbox-api-key');
  }, 60_000);
});
