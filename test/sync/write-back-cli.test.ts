// write_back: and run_log: (DESIGN §7) through the built CLI: contacts upserted into the HubSpot simulator, their
// results kept in PostgreSQL and each run in SQLite, read back as an analyst would, with SQL.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHubSpotSandbox, type HubSpotSandbox } from '../../sandbox/hubspot/hubspot-sandbox.js';
import { runCommand } from '../examples/run-command.js';
import { sluiceYaml } from '../support/sluice-yaml.js';
import { querySqlite, writeSqlite } from '../support/sqlite-file.js';

const TOKEN = 'sandbox-private-app-token';
const PG = 'postgres://postgres@127.0.0.1:5432/test';

/** contacts → HubSpot by email; results into `table` of `warehouse`, runs into sluice_runs of `runLog` (model.db). */
const project = (table: string, warehouse = `{ type: postgres, url: "${PG}" }`, runLog = 'model') =>
  sluiceYaml({
    connections: {
      model: '{ type: sqlite, path: model.db }',
      warehouse,
      hubspot: ['type: http', 'connector: hubspot', 'base_url: "${env:HUBSPOT_URL}"', 'auth: { type: bearer, token: "${env:HUBSPOT_TOKEN}" }'],
    },
    syncs: {
      contacts: {
        from: '{ connection: model, table: contacts }',
        to: '{ connection: hubspot, endpoint: upsert_contacts }',
        mode: 'upsert',
        key: 'email',
        more: ['on_error: { max_failed_rows: 1 }', `write_back: { connection: warehouse, table: ${table} }`, `run_log: { connection: ${runLog}, table: sluice_runs }`],
      },
    },
  });

interface ResultRow {
  email: string;
  remote_id: string | null;
  status: string;
  last_error: string | null;
  synced_at: Date;
  run_id: string;
}

interface RunLogRow {
  run_id: string;
  sync: string;
  kind: string;
  status: string;
  trigger: string;
  started_at: string;
  finished_at: string;
  duration_ms: number;
  planned: number;
  added: number;
  changed: number;
  removed: number;
  unchanged: number;
  delivered: number;
  failed: number;
  error: string | null;
}

describe('write_back and run_log of a sync to HubSpot', () => {
  let dir: string;
  let hubspot: HubSpotSandbox;
  let db: pg.Client;
  const table = `write_back_${process.pid}_${Date.now()}`;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-write-back-'));
    hubspot = await startHubSpotSandbox();
    db = new pg.Client({ connectionString: PG });
    await db.connect();
    writeSqlite(join(dir, 'model.db'), 'CREATE TABLE contacts (email TEXT PRIMARY KEY, firstname TEXT)', {
      insert: 'INSERT INTO contacts VALUES (?, ?)',
      values: [
        ['ann@example.com', 'Ann'],
        ['bob@example.com', 'Bob'],
        ['not-an-email', 'Nobody'],
      ],
    });
  });
  afterEach(async () => {
    await db.query(`DROP TABLE IF EXISTS ${table}`);
    await db.end();
    await hubspot.close();
    await rm(dir, { recursive: true, force: true });
  });

  const sluice = (args: string) =>
    runCommand(`sluice --project ${dir} ${args}`, { cwd: dir, env: { ...process.env, HUBSPOT_URL: hubspot.url, HUBSPOT_TOKEN: TOKEN, SLUICE_SECRET_KEY: '' } });
  const results = async () => (await db.query<ResultRow>(`SELECT * FROM ${table} ORDER BY email`)).rows;
  const runLog = () => querySqlite<RunLogRow>(join(dir, 'model.db'), 'SELECT * FROM sluice_runs ORDER BY started_at');
  const contactId = (email: string) => hubspot.state.contacts.find((c) => c.properties.email === email)?.id;

  it('keeps a row per contact with the id HubSpot gave it or its error, updates only what is sent again, and logs each run', async () => {
    await writeFile(join(dir, 'sluice.yaml'), project(table));
    expect((await sluice('validate')).stdout).toContain('ok: 3 connections, 1 sync');
    const first = await sluice('sync run contacts');
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(first.stdout + first.stderr).not.toContain(TOKEN);

    const [firstRun] = runLog();
    const after = await results();
    expect(after.map(({ synced_at: _, ...r }) => r)).toEqual([
      { email: 'ann@example.com', remote_id: contactId('ann@example.com'), status: 'delivered', last_error: null, run_id: firstRun!.run_id },
      { email: 'bob@example.com', remote_id: contactId('bob@example.com'), status: 'delivered', last_error: null, run_id: firstRun!.run_id },
      { email: 'not-an-email', remote_id: null, status: 'failed', last_error: expect.stringContaining('Email address not-an-email is invalid'), run_id: firstRun!.run_id },
    ]);
    expect(contactId('ann@example.com')).toMatch(/^\d+$/);
    // The table is typed for joins and time filters: text key, timestamp synced_at.
    const types = await db.query<{ column_name: string; data_type: string }>(
      'SELECT column_name, data_type FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position',
      [table],
    );
    expect(types.rows.map((c) => `${c.column_name} ${c.data_type}`)).toEqual([
      'email text',
      'remote_id text',
      'status text',
      'last_error text',
      'synced_at timestamp with time zone',
      'run_id text',
    ]);

    // Bob is renamed: the second run sends Bob and the rejected row (every run sends it again until it is fixed), not Ann.
    writeSqlite(join(dir, 'model.db'), "UPDATE contacts SET firstname = 'Bobby' WHERE email = 'bob@example.com'");
    const second = await sluice('sync run contacts');
    expect(second.code, second.stdout + second.stderr).toBe(0);
    const secondRun = runLog()[1]!;
    const again = await results();
    const byEmail = (rows: ResultRow[], email: string) => rows.find((r) => r.email === email)!;
    expect(byEmail(again, 'ann@example.com')).toEqual(byEmail(after, 'ann@example.com'));
    expect(byEmail(again, 'bob@example.com')).toMatchObject({ remote_id: contactId('bob@example.com'), status: 'delivered', run_id: secondRun.run_id });
    expect(byEmail(again, 'bob@example.com').synced_at.getTime()).toBeGreaterThan(byEmail(after, 'bob@example.com').synced_at.getTime());
    expect(byEmail(again, 'not-an-email')).toMatchObject({ status: 'failed', last_error: expect.stringContaining('INVALID_EMAIL'), run_id: secondRun.run_id });

    expect(runLog().map(({ started_at, finished_at, duration_ms, run_id, ...r }) => {
      expect(Date.parse(finished_at) - Date.parse(started_at)).toBeGreaterThanOrEqual(0);
      expect(duration_ms).toBeGreaterThanOrEqual(0);
      expect(run_id).toMatch(/\S/);
      return r;
    })).toEqual([
      { sync: 'contacts', kind: 'sync', status: 'succeeded', trigger: 'cli', planned: 3, added: 3, changed: 0, removed: 0, unchanged: 0, delivered: 2, failed: 1, error: null },
      { sync: 'contacts', kind: 'sync', status: 'succeeded', trigger: 'cli', planned: 2, added: 1, changed: 1, removed: 0, unchanged: 1, delivered: 1, failed: 1, error: null },
    ]);
  }, 60_000);

  it('a write-back that cannot be written fails the run naming the table, and every delivery stays in the ledger', async () => {
    const secret = 'wb-Secret-93';
    await writeFile(join(dir, 'sluice.yaml'), project(table, `{ type: postgres, url: "postgres://postgres:${secret}@127.0.0.1:1/test" }`));
    const first = await sluice('sync run contacts');
    expect(first.code).not.toBe(0);
    const printed = first.stdout + first.stderr;
    expect(printed).toContain(`sync contacts: write_back to table ${table} (connection warehouse) failed for 3 rows: cannot open PostgreSQL:`);
    expect(printed).not.toContain(secret);
    expect(hubspot.state.contacts.map((c) => c.properties.email).sort()).toEqual(['ann@example.com', 'bob@example.com']);
    const [failed] = runLog();
    expect(failed).toMatchObject({ status: 'failed', delivered: 2, failed: 1, error: expect.stringContaining(`write_back to table ${table}`) });
    expect(failed!.error).not.toContain(secret);

    // The ledger has both contacts: the next run sends only the rejected row again.
    const writes = hubspot.requests().length;
    const second = await sluice('sync run contacts');
    expect(second.stdout).toContain('planned 1: 1 added, 0 changed, 0 removed, 2 unchanged');
    expect(hubspot.requests().slice(writes).filter((r) => r.method === 'POST')).toHaveLength(1);
  }, 60_000);

  it('a run log that cannot be written is reported, masked, and the run stands as it ended', async () => {
    const secret = 'rl-Secret-58';
    const yaml = project(table, undefined, 'warehouse').replace(`warehouse: { type: postgres, url: "${PG}" }`, `warehouse: { type: postgres, url: "postgres://postgres:${secret}@127.0.0.1:1/test" }`);
    await writeFile(join(dir, 'sluice.yaml'), yaml.replace(/^ {4}write_back: .*\n/m, ''));
    const out = await sluice('sync run contacts');
    expect(out.code, out.stdout + out.stderr).toBe(0);
    expect(out.stderr).toMatch(/^sluice: run_log of sync contacts \(table sluice_runs, connection warehouse\): run \S+ could not be written: cannot open PostgreSQL: .*ECONNREFUSED/m);
    expect(out.stdout + out.stderr).not.toContain(secret);
    expect(out.stdout).toContain('delivered 2, failed 1');
  }, 60_000);
});
