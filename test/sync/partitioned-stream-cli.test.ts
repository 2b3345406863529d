// End to end through the CLI: a child stream read per parent record (issues per project), incremental per project,
// upserted into a SQLite table.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestApi } from '../connectors/start-test-api.js';
import { runCommand } from '../examples/run-command.js';
import { sluiceYaml } from '../support/sluice-yaml.js';
import { querySqlite } from '../support/sqlite-file.js';

interface Issue { id: number; title: string; updated: string }

const connector = (partition = 'partition: { stream: projects, field: id, as: project, copy: [name] }') => `name: tracker
base_url: http://127.0.0.1:1
streams:
  projects:
    path: /projects
    records: "$.data"
    primary_key: id
  issues:
    path: "/projects/{{ partition.project.id }}/issues"
    records: "$.data"
    primary_key: id
    ${partition}
    incremental: { cursor_field: updated, param: since }
`;

describe('a stream partitioned by a parent stream', () => {
  let dir: string;
  let projects: { id: number; name: string }[];
  let issues: Map<number | string, Issue[]>;
  let api: Awaited<ReturnType<typeof startTestApi>>;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-partition-'));
    projects = [{ id: 1, name: 'alpha' }, { id: 2, name: 'beta' }];
    issues = new Map<number | string, Issue[]>([
      [1, [{ id: 11, title: 'a1', updated: '2026-01-01T00:00:01Z' }, { id: 12, title: 'a2', updated: '2026-01-01T00:00:05Z' }]],
      [2, [{ id: 21, title: 'b1', updated: '2026-01-01T00:00:02Z' }]],
    ]);
    api = await startTestApi((request) => {
      const url = new URL(request.url, 'http://x');
      if (url.pathname === '/projects') return { body: { data: projects } };
      const m = /^\/projects\/([^/]+)\/issues$/.exec(url.pathname);
      if (!m) return { status: 404, body: { error: 'not found' } };
      const id = decodeURIComponent(m[1]!);
      const since = url.searchParams.get('since');
      return { body: { data: (issues.get(/^\d+$/.test(id) ? Number(id) : id) ?? []).filter((i) => since === null || i.updated > since) } };
    });
    await writeFile(join(dir, 'tracker.yaml'), connector());
    await writeFile(join(dir, 'sluice.yaml'), sluiceYaml({
      connections: { api: '{ type: http, connector: ./tracker.yaml, base_url: "${env:API_URL}" }', db: '{ type: sqlite, path: dest.db }' },
      syncs: { issues: { from: '{ connection: api, stream: issues }', to: '{ connection: db, table: issues }', mode: 'upsert', key: 'id' } },
    }));
  });
  afterEach(async () => {
    await api.close();
    await rm(dir, { recursive: true, force: true });
  });

  const sluice = (line: string) => runCommand(`sluice --project ${dir} ${line}`, { cwd: dir, env: { ...process.env, API_URL: api.url, SLUICE_SECRET_KEY: '' } });
  const rows = () => querySqlite<{ id: number; title: string; project_name: string }>(join(dir, 'dest.db'), 'SELECT id, title, project_name FROM issues ORDER BY id');
  const asked = () => api.requests.map((r) => { const u = new URL(r.url, 'http://x'); return `${u.pathname}${u.searchParams.has('since') ? ` since ${u.searchParams.get('since')}` : ''}`; });

  it('reads each project\'s issues with its id in the path and its name copied, then each from its own cursor', async () => {
    const first = await sluice('sync run issues');
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(rows()).toEqual([
      { id: 11, title: 'a1', project_name: 'alpha' }, { id: 12, title: 'a2', project_name: 'alpha' }, { id: 21, title: 'b1', project_name: 'beta' },
    ]);
    expect(asked()).toEqual(['/projects', '/projects/1/issues', '/projects/2/issues']);

    // A new issue in beta, and a new project: alpha asks from its own cursor (:05), beta from its own (:02), gamma in full.
    issues.get(2)!.push({ id: 22, title: 'b2', updated: '2026-01-01T00:00:03Z' });
    projects.push({ id: 3, name: 'gamma' });
    issues.set(3, [{ id: 31, title: 'c1', updated: '2026-01-01T00:00:00Z' }]);
    api.requests.length = 0;
    const second = await sluice('sync run issues');
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(asked()).toEqual([
      '/projects', '/projects/1/issues since 2026-01-01T00:00:05Z', '/projects/2/issues since 2026-01-01T00:00:02Z', '/projects/3/issues',
    ]);
    expect(second.stdout).toContain('planned 2: 2 added, 0 changed, 0 removed, 0 unchanged');
    expect(rows().map((r) => r.id)).toEqual([11, 12, 21, 22, 31]);
  });

  it('keeps a hostile parent id in its one path segment, and a cursor of its own for a 300-character id', async () => {
    const evil = '../admin?x=1#frag';
    const long = 'p'.repeat(300);
    projects = [{ id: evil, name: 'evil' }, { id: long, name: 'long' }] as unknown as { id: number; name: string }[];
    issues = new Map<number | string, Issue[]>([
      [evil, [{ id: 41, title: 'e1', updated: '2026-01-01T00:00:04Z' }]],
      [long, [{ id: 51, title: 'l1', updated: '2026-01-01T00:00:06Z' }]],
    ]);
    const first = await sluice('sync run issues');
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(asked()).toEqual(['/projects', '/projects/..%2Fadmin%3Fx%3D1%23frag/issues', `/projects/${long}/issues`]);
    expect(rows()).toEqual([{ id: 41, title: 'e1', project_name: 'evil' }, { id: 51, title: 'l1', project_name: 'long' }]);
    api.requests.length = 0;
    const second = await sluice('sync run issues');
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(asked()).toEqual(['/projects', '/projects/..%2Fadmin%3Fx%3D1%23frag/issues since 2026-01-01T00:00:04Z', `/projects/${long}/issues since 2026-01-01T00:00:06Z`]);
  });

  it('a parent record without the partition field fails the read naming it', async () => {
    projects.push({ name: 'no id' } as { id: number; name: string });
    const out = await sluice('sync run issues');
    expect(out.code).toBe(1);
    expect(out.stdout).toContain('stream issues: a record of partition stream projects has no id (partition.field): {"name":"no id"}');
  });

  it('validate names an unknown parent stream (with the nearest) and a loop, with file:line', async () => {
    await writeFile(join(dir, 'tracker.yaml'), connector('partition: { stream: project, field: id, as: project }'));
    let out = await sluice('validate');
    expect(out.code).toBe(2);
    expect(out.stdout + out.stderr).toMatch(/tracker\.yaml:\d+:\d+: streams\.issues\.partition\.stream: stream issues: partition\.stream "project" is not a stream of this connector \(did you mean "projects"\?\)/);
    await writeFile(join(dir, 'tracker.yaml'), connector('partition: { stream: issues, field: id, as: project }'));
    out = await sluice('validate');
    expect(out.code).toBe(2);
    expect(out.stdout + out.stderr).toContain('stream issues: partitions loop (issues -> issues)');
    await writeFile(join(dir, 'tracker.yaml'), connector('partition: { stream: projects, field: id, as: "x; y" }'));
    out = await sluice('validate');
    expect(out.code).toBe(2);
    expect(out.stdout + out.stderr).toContain('streams.issues.partition.as: invalid as "x; y": a name of letters, digits and _');
  });
});
