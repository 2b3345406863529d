// `sluice validate` on a sync's `write_back:` and `run_log:`: each mistake with its file, line and key, as the user
// reads it, and hostile table names refused before any SQL is written.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../examples/run-command.js';
import { sluiceYaml } from '../support/sluice-yaml.js';
import { writeSqlite } from '../support/sqlite-file.js';

/** contacts (email) → a SQLite table by email, with `more` as the sync's last lines (line 10 on). */
const project = (more: string[], key: string | null = 'email', mode = 'upsert') =>
  sluiceYaml({
    connections: {
      model: '{ type: sqlite, path: model.db }',
      warehouse: '{ type: postgres, url: "postgres://postgres@127.0.0.1:5432/test" }',
      api: '{ type: http, connector: ./api.yaml }',
    },
    syncs: { contacts: { from: '{ connection: model, table: contacts }', to: '{ connection: model, table: copied }', mode, key: key ?? undefined, more } },
  });

const API = `name: api
base_url: http://127.0.0.1:1
endpoints:
  add: { operation: create, method: POST, path: /things, body: '{}' }
`;

describe('sluice validate on write_back and run_log', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-write-back-validate-'));
    writeSqlite(join(dir, 'model.db'), 'CREATE TABLE contacts (email TEXT PRIMARY KEY, status TEXT)');
    await writeFile(join(dir, 'api.yaml'), API);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** What `sluice validate` prints for this sluice.yaml, exit code first. */
  async function validate(yaml: string): Promise<string[]> {
    await writeFile(join(dir, 'sluice.yaml'), yaml);
    const out = await runCommand(`sluice --project ${dir} validate`, { cwd: dir, env: { ...process.env, SLUICE_SECRET_KEY: '' } });
    return [String(out.code), ...out.stdout.trim().split('\n')];
  }

  it('accepts a table or schema.table on a database connection', async () => {
    expect(await validate(project(['write_back: { connection: warehouse, table: analytics.contact_results }', 'run_log: { connection: model, table: sluice_runs }']))).toEqual([
      '0',
      'ok: 3 connections, 1 sync, 0 pipelines',
    ]);
  });

  it('refuses hostile table names: statements, quotes, more than 63 characters', async () => {
    const hint = 'a table name is letters, digits and _ (not starting with a digit), at most 63 characters, as table or schema.table';
    expect(await validate(project(['write_back: { connection: warehouse, table: "x; DROP TABLE y" }']))).toEqual([
      '2',
      `sluice.yaml:12:49: syncs.contacts.write_back.table: invalid table "x; DROP TABLE y": ${hint}`,
    ]);
    const runLogTable = async (written: string, value: string) =>
      expect(await validate(project([`run_log: { connection: model, table: ${written} }`]))).toEqual([
        '2',
        `sluice.yaml:12:42: syncs.contacts.run_log.table: invalid table ${JSON.stringify(value)}: ${hint}`,
      ]);
    await runLogTable(`'"runs"" --'`, '"runs"" --');
    await runLogTable('r'.repeat(64), 'r'.repeat(64));
    await runLogTable('a.b.c', 'a.b.c');
    expect(await validate(project([`run_log: { connection: model, table: ${'r'.repeat(300)} }`]))).toEqual([
      '2',
      'sluice.yaml:12:42: syncs.contacts.run_log.table: expected at most 127 characters',
    ]);
  });

  it('needs a database connection Sluice writes to', async () => {
    expect(await validate(project(['write_back: { connection: warehous, table: results }']))).toEqual([
      '2',
      'sluice.yaml:12:31: syncs.contacts.write_back.connection: sync contacts: write_back: unknown connection "warehous" (did you mean "warehouse"?)',
    ]);
    expect(await validate(project(['run_log: { connection: api, table: runs }']))).toEqual([
      '2',
      'sluice.yaml:12:28: syncs.contacts.run_log.connection: sync contacts: run_log is a table in a database Sluice writes to (postgres, mysql, sqlite, duckdb); "api" is http',
    ]);
  });

  it('needs a key whose columns are not named like the results', async () => {
    expect(await validate(project(['write_back: { connection: model, table: results }'], 'status'))).toEqual([
      '2',
      'sluice.yaml:12:5: syncs.contacts.write_back: sync contacts: write_back names its columns after the key, and key column status is one of its own (remote_id, status, last_error, synced_at, run_id): rename it in the source',
    ]);
  });

  it('needs a key to keep a row per record', async () => {
    expect(await validate(project(['write_back: { connection: model, table: results }'], null, 'append'))).toEqual([
      '2',
      'sluice.yaml:11:5: syncs.contacts.write_back: sync contacts: write_back keeps one row per key, and the sync has no key',
    ]);
  });
});
