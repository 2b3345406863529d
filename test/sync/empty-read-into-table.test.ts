// End to end through the CLI: a read that returns no records into a table succeeds, sends nothing and deletes
// nothing. An incremental stream with nothing new since its cursor is the everyday case; an empty query too.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCommand, type CommandResult } from '../examples/run-command.js';
import { sluiceYaml } from '../support/sluice-yaml.js';
import { querySqlite, writeSqlite } from '../support/sqlite-file.js';
import { ITEMS_API_CONNECTION, ITEMS_CONNECTOR, makeItems, startItemsApi, type Item } from './start-items-api.js';

const PG_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** A project syncing the items stream (and an SQLite query) into `table` of connection `db`. */
const project = (db: string, table: string) =>
  sluiceYaml({
    connections: { api: ITEMS_API_CONNECTION, db, model: '{ type: sqlite, path: model.db }' },
    syncs: {
      items_to_db: { from: '{ connection: api, stream: items }', to: `{ connection: db, table: ${table} }`, mode: 'mirror', key: 'id', more: ['full_refresh: "0 0 1 1 *"'] },
      query_to_db: { from: '{ connection: model, sql: "SELECT id, name FROM people WHERE active = 1" }', to: '{ connection: db, table: people_copy }', mode: 'mirror', key: 'id' },
    },
  });

describe('an empty read into a table', () => {
  let dir: string;
  let items: Item[];
  let api: Awaited<ReturnType<typeof startItemsApi>>;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-empty-read-'));
    items = makeItems(12);
    api = await startItemsApi(() => items);
    await writeFile(join(dir, 'items-api.yaml'), ITEMS_CONNECTOR);
    writeSqlite(join(dir, 'model.db'), 'CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT, active INTEGER)');
  });
  afterEach(async () => {
    await api.close();
    await rm(dir, { recursive: true, force: true });
  });

  const sluice = (line: string) => runCommand(`sluice --project ${dir} ${line}`, { cwd: dir, env: { ...process.env, API_URL: api.url, SLUICE_SECRET_KEY: '' } });
  const sqlite = <T>(sql: string): T[] => querySqlite<T>(join(dir, 'dest.db'), sql);
  const sqliteTables = () => sqlite<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").map((t) => t.name);
  const sinceOf = (i: number) => api.sinceOf(i);

  /**
   * Runs items_to_db twice over the same 12 items: the second run asks for what changed since the kept cursor, gets
   * nothing, plans nothing and leaves the table's `rows` as they were. Returns the second run.
   */
  async function runTwiceWithNothingNew(rows: () => unknown[] | Promise<unknown[]>): Promise<CommandResult> {
    const first = await sluice('sync run items_to_db');
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const before = await rows();
    expect(before).toHaveLength(12);

    api.requests.length = 0;
    const second = await sluice('sync run items_to_db');
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(sinceOf(0)).toBe('2026-01-01T00:00:11Z');
    expect(second.stdout).toContain('planned 0: 0 added, 0 changed, 0 removed, 0 unchanged');
    expect(await rows()).toEqual(before);
    return second;
  }

  describe('into SQLite', () => {
    beforeEach(async () => {
      await writeFile(join(dir, 'sluice.yaml'), project('{ type: sqlite, path: dest.db }', 'items'));
    });

    it('an incremental run with nothing new exits 0, sends nothing and leaves the table as it was', async () => {
      const second = await runTwiceWithNothingNew(() => sqlite('SELECT * FROM items ORDER BY id'));
      expect(second.stderr).not.toContain('error');

      // The cursor is unchanged: the next change is still found.
      items[4] = { ...items[4]!, name: 'item 5, renamed', updated: '2026-01-02T00:00:00Z' };
      const third = await sluice('sync run items_to_db');
      expect(third.code, third.stdout + third.stderr).toBe(0);
      expect(third.stdout).toContain('planned 1: 0 added, 1 changed, 0 removed, 0 unchanged');
      expect(sqlite<{ name: string }>('SELECT name FROM items WHERE id = 5')).toEqual([{ name: 'item 5, renamed' }]);
    });

    it('a first run that reads no records exits 0 and creates no table; the first records create it', async () => {
      items = [];
      const first = await sluice('sync run items_to_db');
      expect(first.code, first.stdout + first.stderr).toBe(0);
      expect(first.stdout).toContain('planned 0: 0 added, 0 changed, 0 removed, 0 unchanged');
      expect(sqliteTables()).not.toContain('items');
      const preview = await sluice('sync preview items_to_db');
      expect(preview.code, preview.stdout + preview.stderr).toBe(0);

      items = [{ id: 7, name: 'seven', updated: '2026-02-01T00:00:00Z' }];
      const second = await sluice('sync run items_to_db');
      expect(second.code, second.stdout + second.stderr).toBe(0);
      expect(sqlite('SELECT id, name FROM items')).toEqual([{ id: 7, name: 'seven' }]);
    });

    it('a full read that returns nothing deletes what mirror delivered, addressing rows by the table own columns', async () => {
      expect((await sluice('sync run items_to_db')).code).toBe(0);
      items = [];
      const full = await sluice('sync run items_to_db --full');
      expect(full.code, full.stdout + full.stderr).toBe(0);
      expect(full.stdout).toContain('planned 12: 0 added, 0 changed, 12 removed, 0 unchanged');
      expect(sqlite('SELECT * FROM items')).toEqual([]);
    });

    it('an empty query exits 0: no table on the first run, and an existing table keeps its rows', async () => {
      const first = await sluice('sync run query_to_db');
      expect(first.code, first.stdout + first.stderr).toBe(0);
      expect(first.stdout).toContain('planned 0: 0 added, 0 changed, 0 removed, 0 unchanged');
      expect(sqliteTables()).not.toContain('people_copy');

      writeSqlite(join(dir, 'model.db'), "INSERT INTO people VALUES (1, 'Ada', 1), (2, 'Grace', 0)");
      expect((await sluice('sync run query_to_db')).code).toBe(0);
      expect(sqlite('SELECT id, name FROM people_copy')).toEqual([{ id: 1, name: 'Ada' }]);
      // Ada leaves: the query returns no rows, and mirror deletes the one row it had delivered.
      writeSqlite(join(dir, 'model.db'), 'UPDATE people SET active = 0');
      const emptied = await sluice('sync run query_to_db');
      expect(emptied.code, emptied.stdout + emptied.stderr).toBe(0);
      expect(emptied.stdout).toContain('planned 1: 0 added, 0 changed, 1 removed, 0 unchanged');
      expect(sqlite('SELECT id, name FROM people_copy')).toEqual([]);
    });
  });

  describe('into PostgreSQL', () => {
    const schema = `sluice_empty_${randomBytes(4).toString('hex')}`;
    const client = new pg.Client({ connectionString: PG_URL });
    beforeAll(async () => {
      await client.connect();
      await client.query(`CREATE SCHEMA ${schema}`);
    });
    afterAll(async () => {
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    });

    it('an incremental run with nothing new exits 0 and leaves the table as it was', async () => {
      await writeFile(join(dir, 'sluice.yaml'), project(`{ type: postgres, url: "${PG_URL}" }`, `${schema}.items`));
      await runTwiceWithNothingNew(async () => (await client.query(`SELECT id::int, name, updated FROM ${schema}.items ORDER BY id`)).rows);
    });

    it('a first run that reads no records exits 0 and creates no table', async () => {
      await writeFile(join(dir, 'sluice.yaml'), project(`{ type: postgres, url: "${PG_URL}" }`, `${schema}.never`));
      items = [];
      const first = await sluice('sync run items_to_db');
      expect(first.code, first.stdout + first.stderr).toBe(0);
      const { rows } = await client.query('SELECT to_regclass($1) AS t', [`${schema}.never`]);
      expect(rows).toEqual([{ t: null }]);
    });
  });
});
