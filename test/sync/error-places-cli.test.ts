// End to end, as a user runs it: the built CLI, run in the project folder, against real SQLite, DuckDB, PostgreSQL
// and MariaDB and a test API on loopback. Every error names its place: a template's connector file, line and column
// and the sync; a SQL error the sync, the SQL file and the line the engine gives. `validate --deep` finds the same
// problems before a run: unknown row columns, mapping columns, queries that do not run, connections that do not answer.
import Database from 'better-sqlite3';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi } from '../connectors/start-test-api.js';
import { runCommand } from '../examples/run-command.js';
import { MYSQL_URL, POSTGRES_URL } from '../sources/sql-engines.js';
import { sluiceYaml, type SyncYaml } from '../support/sluice-yaml.js';

// Line 12 of this file is `"mail": "{{ row.emial }}"`; `row` starts in column 21 (6 of indent, 15 inside the template).
const CONNECTOR = `name: people
base_url: http://127.0.0.1:1
auth: [{ type: none }]
endpoints:
  add_person:
    operation: create
    method: POST
    path: /people
    body: |
      {
        "name": {{ row.name | json }},
        "mail": "{{ row.emial }}"
      }
  add_contact:
    operation: create
    method: POST
    path: "/contacts/{{ row.id }}"
    body: '{ "email": {{ row.email | json }}, "full_name": {{ row.full_name | json }} }'
`;

// A syntax error on line 3 (column 6: "people"), which every engine refuses before reading any table.
const BAD_SQL = 'SELECT id,\n  email\nFORM people\n';
const ENGINES = ['sqlite', 'duckdb', 'postgres', 'mysql'] as const;

/** A sync that inserts the rows of `from`, keyed by id, through an endpoint of the `api` connection. */
const insertSync = (from: string, endpoint: string, more?: string[]): SyncYaml => ({ from, to: `{ connection: api, endpoint: ${endpoint} }`, mode: 'insert', key: 'id', more });

const project = (apiUrl: string) =>
  sluiceYaml({
    connections: {
      model: '{ type: sqlite, path: model.db }',
      src_sqlite: '{ type: sqlite, path: other.db }',
      src_duckdb: '{ type: duckdb, path: model.duckdb }',
      src_postgres: `{ type: postgres, url: "${POSTGRES_URL}" }`,
      src_mysql: `{ type: mysql, url: "${MYSQL_URL}" }`,
      api: ['type: http', 'connector: ./connectors/people.yaml', `base_url: "${apiUrl}"`, 'auth: { type: none }'],
    },
    syncs: {
      typo: insertSync('{ connection: model, sql: queries/people.sql }', 'add_person'),
      ...Object.fromEntries(ENGINES.map((e) => [`bad_${e}`, insertSync(`{ connection: src_${e}, sql: queries/bad.sql }`, 'add_contact')])),
    },
  });

let dir: string;
let api: Awaited<ReturnType<typeof startTestApi>>;
const env = () => ({ ...process.env, SLUICE_SECRET_KEY: '' });
const sluice = (line: string) => runCommand(`sluice ${line}`, { cwd: dir, env: env() });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-places-'));
  api = await startTestApi(() => ({ status: 201, body: { id: 'r1' } }));
  await mkdir(join(dir, 'connectors'));
  await mkdir(join(dir, 'queries'));
  await writeFile(join(dir, 'connectors/people.yaml'), CONNECTOR);
  await writeFile(join(dir, 'queries/people.sql'), 'SELECT id, email, name FROM people ORDER BY id\n');
  await writeFile(join(dir, 'queries/bad.sql'), BAD_SQL);
  await writeFile(join(dir, 'sluice.yaml'), project(api.url));
  const db = new Database(join(dir, 'model.db'));
  db.exec("CREATE TABLE people (id INTEGER, email TEXT, name TEXT); INSERT INTO people VALUES (1, 'ada@example.com', 'Ada')");
  db.close();
});

afterAll(async () => {
  await api.close();
  await rm(dir, { recursive: true, force: true });
});

describe('a template reading a column the query does not give', () => {
  it('validate --deep names connectors/people.yaml:12:21, the sync and the nearest column, and exits 2', async () => {
    const out = await sluice('validate --deep');
    expect(out.code).toBe(2);
    expect(out.stdout).toContain(
      'connectors/people.yaml:12:21: endpoints.add_person.body: sync typo: unknown column "emial" in row.emial (did you mean "email"?)',
    );
  });

  it('a run rejects the row unsent, naming the sync, the file, line and column', async () => {
    const before = api.requests.length;
    const run = await sluice('sync run typo');
    expect(run.code).toBe(1);
    const placed = 'sync typo: connectors/people.yaml:12:21: endpoints.add_person.body: unknown variable "row.emial" in body (did you mean "email"?)';
    expect(run.stdout).toContain(`rejected 1: ${placed}`);
    expect(api.requests.length).toBe(before);
    const rejected = JSON.parse((await sluice('sync rejected typo --json')).stdout) as { rejected: { error: string }[] };
    expect(rejected.rejected.map((r) => r.error)).toEqual([placed]);
    const preview = await sluice('sync preview typo');
    expect(preview.stdout).toContain(`# would be rejected: ${placed}`);
  });
});

describe('a SQL file with a syntax error on line 3', () => {
  it.each(ENGINES)('on %s, the run fails naming the sync, queries/bad.sql and line 3', async (engine) => {
    const run = await sluice(`sync run bad_${engine}`);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(new RegExp(`error: sync bad_${engine}: queries/bad\\.sql:3:6: .*"?people`));
  });

  it('validate --deep reports each engine at queries/bad.sql:3:6 under the sync', async () => {
    const out = await sluice('validate --deep');
    for (const engine of ENGINES) expect(out.stdout).toContain(`queries/bad.sql:3:6: syncs.bad_${engine}.from.sql: `);
    // MariaDB's message quotes the user's SQL only, never Sluice's LIMIT 0 wrapper.
    expect(out.stdout).toContain("near 'people' at line 3");
    expect(out.stdout).not.toContain('sluice_describe');
  });
});

describe('validate --deep', () => {
  const withProject = async (text: string, check: () => Promise<void>) => {
    await writeFile(join(dir, 'sluice.yaml'), text);
    try {
      await check();
    } finally {
      await writeFile(join(dir, 'sluice.yaml'), project(api.url));
    }
  };
  const contacts = (mapping: string, more: { connections?: Record<string, string>; syncs?: Record<string, SyncYaml> } = {}) =>
    sluiceYaml({
      connections: {
        model: '{ type: sqlite, path: model.db }',
        ...more.connections,
        api: `{ type: http, connector: ./connectors/people.yaml, base_url: "${api.url}", auth: { type: none } }`,
      },
      syncs: {
        contacts: insertSync('{ connection: model, sql: queries/people.sql }', 'add_contact', [`mapping: { full_name: ${mapping} }`]),
        ...more.syncs,
      },
    });

  it('passes (exit 0) when every column a sync reads exists', async () => {
    await withProject(contacts('name'), async () => {
      const out = await sluice('validate --deep');
      expect(out.stderr).toBe('');
      expect(out.code).toBe(0);
      expect(out.stdout).toBe('ok: 2 connections, 1 sync, 0 pipelines; reached 2 connections, checked the columns of 1 sync\n');
    });
  });

  it('names a mapping source column the query does not give, at its line in sluice.yaml', async () => {
    await withProject(contacts('nmae'), async () => {
      const out = await sluice('validate --deep --json');
      expect(out.code).toBe(2);
      const { ok, issues } = JSON.parse(out.stdout) as { ok: boolean; issues: { file: string; line: number; path: string; message: string }[] };
      expect(ok).toBe(false);
      // The mapped column is missing, so the template reading row.full_name is fine: it is the mapping's name.
      expect(issues).toEqual([
        {
          file: 'sluice.yaml',
          line: 11,
          column: 27,
          path: 'syncs.contacts.mapping.full_name',
          message: 'no source column "nmae" (did you mean "name"?) (the query gives id, email, name)',
        },
      ]);
    });
  });

  it('reports a connection that does not answer by name, exits 2, and still checks the others', async () => {
    const text = contacts('nmae', {
      connections: { gone: '{ type: postgres, url: "postgres://postgres:pw-7c1d@127.0.0.1:1/test" }' },
      syncs: { from_gone: insertSync('{ connection: gone, sql: "SELECT 1 AS id" }', 'add_contact') },
    });
    await withProject(text, async () => {
      const out = await sluice('validate --deep');
      expect(out.code).toBe(2);
      expect(out.stdout).toMatch(/^sluice\.yaml:4:3: connections\.gone: connection "gone" cannot be reached: .*ECONNREFUSED/m);
      expect(out.stdout).toContain('syncs.contacts.mapping.full_name: no source column "nmae"');
      expect(out.stdout).not.toContain('pw-7c1d');
      expect(out.stderr).toBe('2 issues found\n');
    });
  });
});
