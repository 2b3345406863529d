// End to end through the CLI: an append sync sends rows as its source yields them. The first request leaves while the
// source is still being read (an HTTP stream's later pages not fetched yet; a PostgreSQL cursor still open), and the
// source is read only as fast as requests are answered.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestApi, type TestReply } from '../connectors/start-test-api.js';
import { runCommand } from '../examples/run-command.js';

const PG_URL = 'postgres://postgres@127.0.0.1:5432/test';
const PAGES = 20;
const PAGE = 10;

// One test API is both the source (a paged stream) and the sink (one record a request, one request at a time).
const CONNECTOR = `name: events_api
base_url: http://127.0.0.1:1
rate_limit: { concurrency: 1 }
streams:
  events:
    path: /events
    records: "$.data"
    paginate: { type: offset, limit: ${PAGE} }
endpoints:
  post_event:
    operation: create
    method: POST
    path: /sink
    body: "{{ row | json }}"
  post_events:
    operation: create
    request: batch
    method: POST
    path: /sink
    batch: { size: 100, item: "{{ row | json }}", body: '{ "records": {{ items }} }' }
`;

const project = (syncs: string) => `version: 1
connections:
  api: { type: http, connector: ./events-api.yaml, base_url: "\${env:API_URL}" }
  pg: { type: postgres, url: "\${env:PG_URL}" }
syncs:
${syncs}`;

const streamSync = (extra = '') => `  events_log:
    from: { connection: api, stream: events }
    to: { connection: api, endpoint: post_event }
    mode: append
${extra}`;

describe('append sends as the source yields', () => {
  let dir: string;
  let api: Awaited<ReturnType<typeof startTestApi>>;
  /** What the test API saw, in order: `page N` for a stream page asked for, `record ID` for a record received. */
  let events: string[];
  /** Called for each request the sink receives (with its first record's id), before it answers. */
  let onRecord: (id: number) => TestReply | Promise<TestReply>;
  /** The stream's records. */
  let all: { id: number; title: string }[];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-append-stream-'));
    events = [];
    onRecord = () => ({ status: 200, body: {} });
    all = Array.from({ length: PAGES * PAGE }, (_, i) => ({ id: i + 1, title: `event ${i + 1}` }));
    api = await startTestApi((request) => {
      const url = new URL(request.url, 'http://x');
      if (url.pathname === '/events') {
        const offset = Number(url.searchParams.get('offset') ?? 0);
        events.push(`page ${offset / PAGE + 1}`);
        return { body: { data: all.slice(offset, offset + PAGE) } };
      }
      const body = request.json as { id: number } | { records: { id: number }[] };
      const ids = 'records' in body ? body.records.map((r) => r.id) : [body.id];
      for (const id of ids) events.push(`record ${id}`);
      return onRecord(ids[0]!);
    });
    await writeFile(join(dir, 'events-api.yaml'), CONNECTOR);
  });
  afterEach(async () => {
    await api.close();
    await rm(dir, { recursive: true, force: true });
  });

  const sluice = (line: string) =>
    runCommand(`sluice --project ${dir} ${line}`, { cwd: dir, env: { ...process.env, API_URL: api.url, PG_URL, SLUICE_SECRET_KEY: '' } });
  const pagesBefore = (event: string) => events.slice(0, events.indexOf(event)).filter((e) => e.startsWith('page ')).length;
  const records = () => events.filter((e) => e.startsWith('record ')).map((e) => Number(e.slice('record '.length)));

  it('sends the first record before the stream is read to its end, reads no faster than the sink answers, and sends every row in the order read', async () => {
    await writeFile(join(dir, 'sluice.yaml'), project(streamSync()));
    // The first answer is slow: meanwhile the run may read ahead a little, never the whole stream.
    let pagesWhileFirstHeld = -1;
    onRecord = async (id) => {
      if (id === 1) {
        await new Promise((r) => setTimeout(r, 500));
        pagesWhileFirstHeld = events.filter((e) => e.startsWith('page ')).length;
      }
      return { status: 200, body: {} };
    };
    const out = await sluice('sync run events_log');
    expect(out.code, out.stdout + out.stderr).toBe(0);
    expect(pagesBefore('record 1')).toBeLessThan(PAGES);
    expect(pagesWhileFirstHeld).toBeGreaterThan(0);
    expect(pagesWhileFirstHeld).toBeLessThanOrEqual(4);
    expect(records()).toEqual(Array.from({ length: PAGES * PAGE }, (_, i) => i + 1));
    expect(out.stdout).toContain(`  planned ${PAGES * PAGE}: ${PAGES * PAGE} added, 0 changed, 0 removed, 0 unchanged\n  delivered ${PAGES * PAGE}, failed 0\n`);

    // Every run sends every row again, and keeps no record of them.
    events = [];
    expect((await sluice('sync run events_log')).code).toBe(0);
    expect(records()).toHaveLength(PAGES * PAGE);
    expect(await sluice('sync records events_log')).toMatchObject({ code: 0, stdout: 'no records of events_log: mode append keeps none\n' });
  });

  it('stops reading when a rejected row passes on_error: the rest of the stream is never fetched', async () => {
    await writeFile(join(dir, 'sluice.yaml'), project(streamSync()));
    onRecord = (id) => (id === 15 ? { status: 422, body: { error: 'title too short' } } : { status: 200, body: {} });
    const out = await sluice('sync run events_log --json');
    expect(out.code, out.stderr).toBe(1);
    const summary = JSON.parse(out.stdout) as { run: { status: string; counts: { delivered: number; failed: number }; error: string } };
    expect(summary.run).toMatchObject({ status: 'failed', counts: { delivered: 14, failed: 1 } });
    expect(summary.run.error).toMatch(/^1 of \d+ rows failed \(on_error\.max_failed_rows: 0\)$/);
    expect(records()).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    expect(events.filter((e) => e.startsWith('page ')).length).toBeLessThanOrEqual(5);
    const rejected = await sluice('sync rejected events_log --json');
    expect(rejected.code, rejected.stderr).toBe(0);
    expect((JSON.parse(rejected.stdout) as { rejected: unknown[] }).rejected).toEqual([expect.objectContaining({ row: { id: 15, title: 'event 15' } })]);
    // The rejected row is kept to be retried; the ledger keeps nothing per key of an append sync, failed or not.
    expect(await sluice('sync records events_log')).toMatchObject({ code: 0, stdout: 'no records of events_log: mode append keeps none\n' });
  });

  describe('a first insert run (an empty ledger)', () => {
    const insertSync = `  events_once:\n    from: { connection: api, stream: events }\n    to: { connection: api, endpoint: post_event }\n    mode: insert\n    key: id\n`;

    it('sends as it reads, and the next run plans every row unchanged', async () => {
      await writeFile(join(dir, 'sluice.yaml'), project(insertSync));
      const out = await sluice('sync run events_once');
      expect(out.code, out.stdout + out.stderr).toBe(0);
      expect(pagesBefore('record 1')).toBeLessThan(PAGES);
      expect(records()).toEqual(Array.from({ length: PAGES * PAGE }, (_, i) => i + 1));
      expect(out.stdout).toContain(`  planned ${PAGES * PAGE}: ${PAGES * PAGE} added, 0 changed, 0 removed, 0 unchanged\n`);

      events = [];
      all[4]!.title = 'event 5, renamed';
      all.push({ id: 201, title: 'event 201' });
      const again = await sluice('sync run events_once');
      expect(again.code, again.stdout + again.stderr).toBe(0);
      // Planned against the ledger the first run wrote: only the new key is sent (insert ignores the changed one).
      expect(again.stdout).toContain(`  planned 1: 1 added, 1 changed, 0 removed, ${PAGES * PAGE - 1} unchanged\n`);
      expect(records()).toEqual([201]);
    });

    it('stops at a key read twice before its second row is sent; the next run refuses the source before sending', async () => {
      await writeFile(join(dir, 'sluice.yaml'), project(insertSync));
      all[34] = { id: 15, title: 'event 15 again' };
      const out = await sluice('sync run events_once');
      expect(out.code, out.stdout + out.stderr).toBe(1);
      expect(out.stdout).toContain(
        '  error: the key value "15" appears more than once in the source of sync "events_once" (key id): rows 15 and 35. Each record must have one row',
      );
      expect(records().filter((id) => id === 15)).toEqual([15]);
      expect(records()).not.toContain(36);

      events = [];
      const again = await sluice('sync run events_once');
      expect(again.code).toBe(1);
      expect(again.stdout).toContain('1 key value(s) appear more than once in the source of sync "events_once" (key id): "15" (2 rows)');
      expect(records()).toEqual([]);
    });
  });

  describe('from a PostgreSQL table', () => {
    const table = `append_stream_${randomBytes(4).toString('hex')}`;
    let admin: pg.Client;
    beforeEach(async () => {
      admin = new pg.Client({ connectionString: PG_URL });
      await admin.connect();
      await admin.query(`CREATE TABLE ${table} AS SELECT i AS id, 'event ' || i AS title FROM generate_series(1, 20000) i`);
    });
    afterEach(async () => {
      await admin.query(`DROP TABLE IF EXISTS ${table}`);
      await admin.end();
    });

    it('sends the first record while the query is still being read', async () => {
      const app = `append_stream_${randomBytes(3).toString('hex')}`;
      await writeFile(
        join(dir, 'sluice.yaml'),
        project(`  table_log:\n    from: { connection: pg, table: ${table} }\n    to: { connection: api, endpoint: post_events }\n    mode: append\n`).replace(
          '"${env:PG_URL}"',
          `"\${env:PG_URL}?application_name=${app}"`,
        ),
      );
      // The run's read, as PostgreSQL sees it when the first record arrives: its cursor still open (a finished read
      // closes it and returns the connection idle).
      let readingAtFirst: string[] = [];
      onRecord = async (id) => {
        if (id === 1) {
          const r = await admin.query<{ state: string }>('SELECT state FROM pg_stat_activity WHERE application_name = $1 AND query LIKE $2', [app, `SELECT * FROM "${table}"%`]);
          readingAtFirst = r.rows.map((row) => row.state);
        }
        return { status: 200, body: {} };
      };
      const out = await sluice('sync run table_log');
      expect(out.code, out.stdout + out.stderr).toBe(0);
      // (active: a fetch of the next rows in flight; idle in transaction: the cursor open between fetches.)
      expect(readingAtFirst).toHaveLength(1);
      expect(['active', 'idle in transaction']).toContain(readingAtFirst[0]);
      expect(records()).toEqual(Array.from({ length: 20000 }, (_, i) => i + 1));
      expect(out.stdout).toContain('  delivered 20000, failed 0\n');
    });
  });
});
