// End to end, as a user runs it: the built CLI against real SQLite, DuckDB, PostgreSQL and MariaDB sources, with
// hostile `--var` values. A refused value exits 2 naming the variable and the sync, before anything runs: nothing
// reaches the sink, the source table is still there, no run is recorded. Legitimate values still deliver.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startWebhookSandbox, type WebhookSandbox } from '../../sandbox/webhook/webhook-sandbox.js';
import type { Connection } from '../../src/config/project-schema.js';
import { openSqlDatabase } from '../../src/databases/open-sql-database.js';
import type { CommandResult } from '../examples/run-command.js';
import { startServerFixture, type ServerFixture } from '../server/server-project.js';
import { MYSQL_URL, POSTGRES_URL } from '../sources/sql-engines.js';

const TOKEN = 'sink-token-5d1e0c77';
const suffix = Math.random().toString(36).slice(2, 8);

const CONNECTOR = `name: people
base_url: http://127.0.0.1:1
auth: [{ type: bearer }]
endpoints:
  add_person:
    operation: create
    method: POST
    path: "/hooks/people/{{ row.id }}"
    body: '{ "id": {{ row.id | json }}, "name": {{ row.name | json }}, "score": {{ row.score | json }}, "neg": {{ row.neg | json }} }'
`;

type Engine = 'sqlite' | 'duckdb' | 'postgres' | 'mysql';

/** Each engine's connection, and its table as a schema.table identifier (the legitimate `--var table=` value). */
const ENGINES: Record<Engine, { connection: Connection; table: string }> = {
  sqlite: { connection: { type: 'sqlite', path: 'people.db' }, table: 'main.people' },
  duckdb: { connection: { type: 'duckdb', path: 'people.duckdb' }, table: 'main.people' },
  postgres: { connection: { type: 'postgres', url: POSTGRES_URL }, table: `sec_${suffix}.people` },
  mysql: { connection: { type: 'mysql', url: MYSQL_URL }, table: `test.people_${suffix}` },
};
const engineNames = Object.keys(ENGINES) as Engine[];

// The default table is a decoy that does not exist: a run that got past the checks with the defaults would fail.
const project = () => `version: 1
connections:
${engineNames.map((e) => `  src_${e}: ${JSON.stringify(ENGINES[e].connection)}`).join('\n')}
  sink:
    type: http
    connector: ./people.yaml
    base_url: "\${env:SINK_URL}"
    auth: { type: bearer, token: "\${env:SINK_TOKEN}" }
syncs:
${engineNames
  .map(
    (e) => `  people_${e}:
    from:
      connection: src_${e}
      sql: "SELECT id, name, score, 0 -$min$ AS neg FROM $table$ WHERE name <> '$skip$' AND score >= $min$ ORDER BY id"
      variables:
        table: { type: identifier, default: no_such_table }
        skip: { type: string, default: nobody }
        min: { type: number, default: 0 }
    to: { connection: sink, endpoint: add_person }
    mode: append
    key: id`,
  )
  .join('\n')}
pipelines:
  nightly:
    steps: [people_sqlite]
`;

const ROWS = "(1, 'Ada Lovelace', 10), (2, 'Grace Hopper', -3), (3, 'Linus', -7), (4, 'Edsger Dijkstra', 0)";

/** The statements that create each engine's table, and the query that counts its rows. */
function tableSql(engine: Engine): { create: string; count: string; drop: string } {
  const table = ENGINES[engine].table;
  const create = `CREATE TABLE ${table} (id INTEGER, name VARCHAR(100), score INTEGER); INSERT INTO ${table} VALUES ${ROWS};`;
  if (engine === 'postgres') {
    const schema = table.split('.')[0]!;
    return { create: `CREATE SCHEMA ${schema}; ${create}`, count: `SELECT count(*) AS n FROM ${table}`, drop: `DROP SCHEMA ${schema} CASCADE` };
  }
  return { create, count: `SELECT count(*) AS n FROM ${table}`, drop: `DROP TABLE ${table}` };
}

let dir: string;
let sink: WebhookSandbox;

/** Runs a statement on an engine in this process, closing the database after (DuckDB allows one process a file). */
async function onEngine<T>(engine: Engine, use: (db: Awaited<ReturnType<typeof openSqlDatabase>>) => Promise<T>): Promise<T> {
  const db = await openSqlDatabase(ENGINES[engine].connection as Exclude<Connection, { type: 'http' }>, { projectDir: dir });
  try {
    return await use(db);
  } finally {
    await db.close();
  }
}

/** The row count of the engine's table: throws when the table is gone. */
async function rowCount(engine: Engine): Promise<number> {
  return onEngine(engine, async (db) => {
    for await (const batch of db.query(tableSql(engine).count).read({ batchSize: 10 })) return Number(batch[0]!.n);
    throw new Error('no count');
  });
}

const cli = resolve(__dirname, '../../bin/sluice.js');
// Spawned with an argument list (no shell), so a value keeps its quotes and newlines; asynchronous, so the sink in
// this process keeps answering.
const sluice = (...args: string[]) =>
  new Promise<CommandResult>((done) => {
    const child = spawn(process.execPath, [cli, '--project', dir, ...args], { cwd: dir, env: env() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
const env = () => ({ ...process.env, SINK_URL: sink.url, SINK_TOKEN: TOKEN, SLUICE_SECRET_KEY: '' });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-security-'));
  sink = await startWebhookSandbox({ auth: { bearer: TOKEN } });
  await writeFile(join(dir, 'people.yaml'), CONNECTOR);
  await writeFile(join(dir, 'sluice.yaml'), project());
  for (const engine of engineNames) await onEngine(engine, (db) => db.execute(tableSql(engine).create));
}, 60_000);

afterAll(async () => {
  for (const engine of ['postgres', 'mysql'] as const) await onEngine(engine, (db) => db.execute(tableSql(engine).drop)).catch(() => undefined);
  await sink?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

beforeEach(() => sink.reset());

/** The run history of a sync or pipeline, as `sluice sync runs NAME --json` lists it. */
async function runsOf(name: string): Promise<unknown[]> {
  const r = await sluice('sync', 'runs', name, '--json');
  expect(r.code).toBe(0);
  return (JSON.parse(r.stdout) as { runs: unknown[] }).runs;
}

// Each value is hostile for the variable it is given to (an identifier, a string inside '...', a number after `-`).
const HOSTILE: [variable: string, value: string, reason: string][] = [
  ['table', 't--', 'expected an identifier'],
  ['table', 'x"; DROP TABLE t; --', 'expected an identifier'],
  ['table', '-1', 'expected an identifier'],
  ['table', '1 OR 1=1', 'expected an identifier'],
  ['skip', 'x"; DROP TABLE t; --', 'a string must not contain "'],
  ['skip', "' OR ''='", "a string must not contain '"],
  ['skip', 'a/*', 'a string must not contain /*'],
  ['skip', 'a\nb', 'a string must not contain a line break'],
  ['skip', 't--', 'a string must not contain --'],
  ['min', '1 OR 1=1', 'expected a number'],
  ['min', '--1', 'expected a number'],
];

describe.each(engineNames)('hostile --var values on %s', (engine) => {
  const sync = `people_${engine}`;

  it('exit 2 naming the variable and the sync; nothing is sent, the table stays, no run is recorded', async () => {
    // One run per round, each variable given its next hostile value: every refused value is listed.
    const rounds: (typeof HOSTILE)[] = [];
    for (const entry of HOSTILE) {
      const round = rounds.find((r) => !r.some(([v]) => v === entry[0]));
      if (round) round.push(entry);
      else rounds.push([entry]);
    }
    for (const round of rounds) {
      const r = await sluice('sync', 'run', sync, ...round.flatMap(([variable, value]) => ['--var', `${variable}=${value}`]));
      expect(r.code, r.stderr).toBe(2);
      for (const [variable, value, reason] of round) {
        expect(r.stderr).toContain(`sluice.yaml: syncs.${sync}.from.variables.${variable}: --var ${variable}: ${reason}`);
        expect(r.stderr).toContain(`got ${JSON.stringify(value)}`);
      }
    }
    const preview = await sluice('sync', 'preview', sync, '--var', 'table=t--');
    expect(preview.code, preview.stderr).toBe(2);
    expect(preview.stderr).toContain(`syncs.${sync}.from.variables.table: --var table: expected an identifier`);
    expect(sink.state.hooks).toEqual([]);
    expect(await rowCount(engine)).toBe(4);
    expect(await runsOf(sync)).toEqual([]);
  }, 120_000);

  it('delivers with legitimate values: a schema.table identifier, a negative number as minus that number, a string with spaces', async () => {
    const r = await sluice('sync', 'run', sync, '--var', `table=${ENGINES[engine].table}`, '--var', 'min=-5', '--var', 'skip=Ada Lovelace');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`sync ${sync} succeeded`);
    // score >= -5 keeps Grace (-3), Edsger (0) and Ada (10), but not Linus (-7); Ada is skipped by name; 0 -(-5) is 5.
    expect(sink.state.hooks.map((h) => h.body).sort((a, b) => (a as { id: number }).id - (b as { id: number }).id)).toEqual([
      { id: 2, name: 'Grace Hopper', score: -3, neg: 5 },
      { id: 4, name: 'Edsger Dijkstra', score: 0, neg: 5 },
    ]);
    expect(await runsOf(sync)).toEqual([expect.objectContaining({ status: 'succeeded' })]);
  }, 60_000);
});

describe('exit codes for names that do not exist', () => {
  it('an unknown --var name exits 2 with the nearest declared name, and records no run', async () => {
    const before = await runsOf('people_sqlite');
    const r = await sluice('sync', 'run', 'people_sqlite', '--var', 'tabel=main.people');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'error: sluice.yaml: syncs.people_sqlite.from.variables: --var tabel: sync people_sqlite declares no variable "tabel" (did you mean "table"?) ' +
        '(declared: table, skip, min; built-in: today, yesterday, now)\n',
    );
    const p = await sluice('pipeline', 'run', 'nightly', '--var', 'mni=1');
    expect(p.code).toBe(2);
    expect(p.stderr).toContain('sluice.yaml: pipelines.nightly: --var mni: no sync of pipeline nightly declares "mni" (did you mean "min"?)');
    expect(sink.state.hooks).toEqual([]);
    expect(await runsOf('people_sqlite')).toEqual(before);
    expect(await runsOf('nightly')).toEqual([]);
  }, 60_000);

  it('a wrong-typed --var to a pipeline exits 2 naming the step\'s sync, and records no run', async () => {
    const before = await runsOf('people_sqlite');
    const r = await sluice('pipeline', 'run', 'nightly', '--var', 'min=1 OR 1=1');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: sluice.yaml: syncs.people_sqlite.from.variables.min: --var min: expected a number, got "1 OR 1=1"\n');
    expect(await runsOf('nightly')).toEqual([]);
    expect(await runsOf('people_sqlite')).toEqual(before);
  }, 60_000);

  it('an unknown pipeline or sync exits 2 with the nearest name, and records no run', async () => {
    const p = await sluice('pipeline', 'run', 'nightyl');
    expect(p.code).toBe(2);
    expect(p.stderr).toBe('error: sluice.yaml: pipelines: unknown pipeline "nightyl" (did you mean "nightly"?) (known: nightly)\n');
    const s = await sluice('sync', 'run', 'people_sqlit');
    expect(s.code).toBe(2);
    expect(s.stderr).toContain('sluice.yaml: syncs: unknown sync "people_sqlit" (did you mean "people_sqlite"?)');
    expect(await runsOf('nightly')).toEqual([]);
    expect(sink.state.hooks).toEqual([]);
  }, 60_000);
});

describe('the same checks on vars given through the REST API', () => {
  let f: ServerFixture;
  const extra = `  orders_from:
    from:
      connection: shop
      sql: "SELECT id, note FROM orders WHERE id >= $min$ ORDER BY id"
      variables:
        min: { type: number, default: 1 }
    to: { connection: sink, endpoint: post }
    mode: insert
    key: id
pipelines:
  nightly:
    steps: [orders_from]
`;
  beforeAll(async () => {
    f = await startServerFixture({ rows: 3, extra });
  });
  afterAll(async () => {
    await f?.close();
  });
  const call = async (method: 'GET' | 'POST', url: string, body?: object) => {
    const r = await f.server.app.inject({ method, url, headers: f.auth, ...(body ? { payload: body } : {}) });
    return { status: r.statusCode, json: r.json() as Record<string, unknown> & unknown[] };
  };

  it('answers 400 with the CLI message and starts no run, for a sync run, a preview and a pipeline run', async () => {
    const wrongType = await call('POST', '/api/syncs/orders_from/runs', { vars: { min: '1 OR 1=1' } });
    expect(wrongType.status).toBe(400);
    expect(wrongType.json.error).toMatch(/sluice\.yaml: syncs\.orders_from\.from\.variables\.min: --var min: expected a number, got "1 OR 1=1"$/);
    const unknown = await call('POST', '/api/syncs/orders_from/runs', { vars: { mni: '2' } });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error).toContain('--var mni: sync orders_from declares no variable "mni" (did you mean "min"?)');
    const preview = await call('POST', '/api/syncs/orders_from/preview', { vars: { min: '--1' } });
    expect(preview.status).toBe(400);
    expect(preview.json.error).toContain('--var min: expected a number, got "--1"');
    const pipeline = await call('POST', '/api/pipelines/nightly/runs', { vars: { min: '1; DROP TABLE orders' } });
    expect(pipeline.status).toBe(400);
    expect(pipeline.json.error).toContain('syncs.orders_from.from.variables.min: --var min: expected a number, got "1; DROP TABLE orders"');
    expect((await call('GET', '/api/syncs/orders_from/runs')).json).toEqual([]);
    expect((await call('GET', '/api/pipelines/nightly/runs')).json).toEqual([]);
    expect(f.sink.state.hooks).toEqual([]);
  });

  it('previews with a legitimate value', async () => {
    const preview = await call('POST', '/api/syncs/orders_from/preview', { vars: { min: '2' } });
    expect(preview.status).toBe(200);
    expect(preview.json).toMatchObject({ counts: { read: 2, added: 2 } });
  });
});
