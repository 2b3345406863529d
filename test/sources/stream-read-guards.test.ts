// End to end through the CLI: a stream whose paging or records settings do not fit the API fails the run, naming the
// stream, the path and what the response held, instead of reading page 1 only and deleting the rest.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkJsonPath } from '../../src/config/check-json-path.js';
import { startTestApi, type TestReply } from '../connectors/start-test-api.js';
import { runCommand } from '../examples/run-command.js';
import { sluiceYaml } from '../support/sluice-yaml.js';
import { querySqlite } from '../support/sqlite-file.js';

const ROWS = Array.from({ length: 30 }, (_, i) => ({ id: i + 1, name: `row ${i + 1}` }));

/** The API: `/cursor` pages by `after` (paging.next.after, omitted on the last page), `/offset` by offset and limit. */
function answer(url: URL, behaviour: { ignorePaging?: boolean; sameCursor?: boolean }): TestReply {
  const q = url.searchParams;
  if (url.pathname === '/cursor') {
    const after = q.get('after');
    const at = behaviour.ignorePaging ? 0 : after === 'c1' ? 10 : Number(after ?? 0);
    const more = at + 10 < ROWS.length;
    const next = behaviour.sameCursor ? 'c1' : String(at + 10);
    return { body: { results: ROWS.slice(at, at + 10), ...(more ? { paging: { next: { after: next } } } : {}), done: !more } };
  }
  if (url.pathname === '/offset') {
    const offset = behaviour.ignorePaging ? 0 : Number(q.get('offset') ?? 0);
    return { body: { data: ROWS.slice(offset, offset + 10), count: ROWS.length } };
  }
  return { status: 404, body: { error: 'not found' } };
}

const connector = (stream: string) => `name: rows_api
base_url: http://127.0.0.1:1
streams:
  rows:
${stream
  .trim()
  .split('\n')
  .map((l) => `    ${l}`)
  .join('\n')}
`;

const CURSOR = `path: /cursor
records: "$.results"
paginate: { type: cursor, cursor: "$.paging.next.after", cursor_param: after }
stop_when: "response.body.paging == nil"`;

const PROJECT = sluiceYaml({
  connections: { api: '{ type: http, connector: ./rows-api.yaml, base_url: "${env:API_URL}" }', db: '{ type: sqlite, path: dest.db }' },
  syncs: { rows_to_db: { from: '{ connection: api, stream: rows }', to: '{ connection: db, table: rows }', mode: 'mirror', key: 'id' } },
});

describe('stream read guards', () => {
  let dir: string;
  let behaviour: { ignorePaging?: boolean; sameCursor?: boolean };
  let api: Awaited<ReturnType<typeof startTestApi>>;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-guards-'));
    behaviour = {};
    api = await startTestApi((request) => answer(new URL(request.url, 'http://x'), behaviour));
    await writeFile(join(dir, 'sluice.yaml'), PROJECT);
  });
  afterEach(async () => {
    await api.close();
    await rm(dir, { recursive: true, force: true });
  });

  const sluice = (line: string) => runCommand(`sluice --project ${dir} ${line}`, { cwd: dir, env: { ...process.env, API_URL: api.url, SLUICE_SECRET_KEY: '' } });
  const spec = (stream: string) => writeFile(join(dir, 'rows-api.yaml'), connector(stream));
  const tableIds = () => querySqlite<{ id: number }>(join(dir, 'dest.db'), 'SELECT id FROM rows ORDER BY id').map((r) => r.id);
  /** A first, correct run: every row is in the table, so a later bad read would show as deletes. */
  const loadAll = async () => {
    await spec(CURSOR);
    const first = await sluice('sync run rows_to_db');
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(tableIds()).toEqual(ROWS.map((r) => r.id));
    api.requests.length = 0;
  };

  it('fails the run on a cursor path absent from the response, naming the stream, the path and the keys; nothing is deleted', async () => {
    await loadAll();
    await spec(CURSOR.replace('$.paging.next.after', '$.paging.nxt.after').replace(/\nstop_when.*/, ''));
    const run = await sluice('sync run rows_to_db');
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stdout).toContain('sync rows_to_db failed');
    expect(run.stdout).toContain(
      'error: stream rows: paginate.cursor $.paging.nxt.after is not in the response (its top-level keys: results, paging, done): ' +
        'fix the path, or add stop_when for an API that leaves it out on its last page',
    );
    expect(api.requests).toHaveLength(1);
    expect(tableIds()).toEqual(ROWS.map((r) => r.id));
    const runs = await sluice('--json sync runs rows_to_db');
    expect((JSON.parse(runs.stdout) as { runs: { status: string }[] }).runs.map((r) => r.status)).toEqual(['failed', 'succeeded']);
  });

  it('stops with an error when the API returns a cursor twice', async () => {
    await loadAll();
    behaviour.sameCursor = true;
    const run = await sluice('sync run rows_to_db');
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stdout).toContain('error: stream rows: the API returned cursor "c1" twice; stopping so the read does not loop');
    expect(tableIds()).toEqual(ROWS.map((r) => r.id));
  });

  it('stops with an error when a page repeats the page before it (the API ignores the paging parameter)', async () => {
    await spec('path: /offset\nrecords: "$.data"\npaginate: { type: offset, limit: 10 }');
    behaviour.ignorePaging = true;
    const run = await sluice('sync run rows_to_db');
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stdout).toContain(
      'error: stream rows: page 2 returned the same records as page 1; stopping so the read does not loop (does the API ignore the paging parameter? check paginate)',
    );
    expect(api.requests).toHaveLength(2);
  });

  it('fails on a records path that matches nothing in the first response, naming the path and the keys', async () => {
    await spec('path: /offset\nrecords: "$.dta"\npaginate: { type: offset, limit: 10 }');
    const run = await sluice('sync run rows_to_db');
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stdout).toContain('error: stream rows: records path $.dta matches nothing in the first response (its top-level keys: data, count); fix records in the connector');
    expect(run.stdout).not.toContain('is not a column');
  });

  it('refuses an invalid or empty records JSONPath at validate, with file and line', async () => {
    await spec('path: /offset\nrecords: "$.data["\npaginate: { type: offset, limit: 10 }');
    const bad = await sluice('validate');
    expect(bad.code).toBe(2);
    expect(bad.stdout + bad.stderr).toContain('rows-api.yaml:6:14: streams.rows.records: invalid JSONPath "$.data[": the [ at character 7 is not closed');
    await spec('path: /offset\nrecords: ""\npaginate: { type: offset, limit: 10 }');
    const empty = await sluice('validate');
    expect(empty.code).toBe(2);
    expect(empty.stdout + empty.stderr).toContain('rows-api.yaml:6:14: streams.rows.records: invalid JSONPath "": it is empty');
    expect(api.requests).toHaveLength(0);
  });

  it('stops where stop_when says, keeping that page', async () => {
    // The API still gives a cursor on page 2; stop_when ends the read there, with page 2's rows.
    await spec(CURSOR.replace('response.body.paging == nil', "response.body.results[0].id == 11"));
    const run = await sluice('sync run rows_to_db');
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(api.requests.map((r) => r.url)).toEqual(['/cursor', '/cursor?after=10']);
    expect(tableIds()).toEqual(ROWS.slice(0, 20).map((r) => r.id));
    // An API that leaves the cursor out on its last page ends cleanly with stop_when.
    await spec(CURSOR);
    api.requests.length = 0;
    expect((await sluice('sync run rows_to_db')).code).toBe(0);
    expect(api.requests).toHaveLength(3);
    expect(tableIds()).toEqual(ROWS.map((r) => r.id));
  });
});

describe('checkJsonPath', () => {
  it.each([
    ['$', null],
    ['$.data', null],
    ['$.data[*]', null],
    ['$..id', null],
    ["$['odd key'].items[0]", null],
    ['$.data[?(@.active == true)]', null],
    ['$.meta["date_modified:min"]', null],
    ['$.data[0:10:2]', null],
    ['', 'it is empty: give a JSONPath, "$" for the whole body or "$.data" for a field'],
    ['data.items', 'a JSONPath starts with $ (the response body), as in "$.data.items"'],
    ['$.data[', 'the [ at character 7 is not closed'],
    ['$.', 'a name or * must follow "." at character 3'],
    ['$.data]', '"]" at character 7 cannot follow "$.data" (a step starts with . or [)'],
    ['$.data[?(@.x]', 'the [ at character 7 is not closed'],
    ['$.data[]', 'nothing in the [ ] at character 7'],
  ])('%j', (path, problem) => {
    expect(checkJsonPath(path)).toBe(problem);
  });
});
