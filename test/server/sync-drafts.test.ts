import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookSandbox } from '../../sandbox/webhook/webhook-sandbox.js';
import { createServer } from '../../src/server/create-server.js';
import { readOnlySqlProblem } from '../../src/server/read-only-sql.js';
import { SECRETS, startServerFixture, type ServerFixture } from './server-project.js';

const OPERATOR = 'operator-token-3d9b7e21';
let f: ServerFixture;

beforeAll(async () => {
  f = await startServerFixture({ rows: 150, server: { operatorToken: OPERATOR } });
});

afterAll(async () => {
  await f?.close();
});

async function api(method: 'GET' | 'POST', url: string, payload?: unknown, token = SECRETS.apiToken) {
  const response = await f.server.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload === undefined ? {} : { payload: payload as object }) });
  return { status: response.statusCode, json: response.json() as any, body: response.body };
}

const ordersDraft = (over: Record<string, unknown> = {}) => ({
  from: { connection: 'shop', sql: 'SELECT id, note FROM orders WHERE id <= 2 ORDER BY id' },
  to: { connection: 'sink', endpoint: 'post' },
  mode: 'insert',
  key: 'id',
  ...over,
});

const orderCount = () => {
  const db = new Database(join(f.dir, 'shop.db'), { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM orders').get() as { n: number }).n;
  } finally {
    db.close();
  }
};

describe('sampling a source as typed', () => {
  it('returns the first rows of a query and its columns, bounded by the limit', async () => {
    const { status, json } = await api('POST', '/api/sync-drafts/sample', { from: { connection: 'shop', sql: 'select id, note from orders order by id' }, limit: 3 });
    expect(status).toBe(200);
    expect(json.rows).toEqual([{ id: 1, note: 'order 1' }, { id: 2, note: 'order 2' }, { id: 3, note: 'order 3' }]);
    expect(json.columns.map((c: { name: string }) => c.name)).toEqual(['id', 'note']);
  });

  it('refuses more than 100 rows, and a query that writes, however it is hidden', async () => {
    expect((await api('POST', '/api/sync-drafts/sample', { from: { connection: 'shop', sql: 'select 1' }, limit: 101 })).status).toBe(400);
    const hostile = [
      ['delete from orders', 'starts with DELETE'],
      ['select 1; delete from orders', 'one statement'],
      ["select 1 from orders where note = 'a'; delete from orders; --'", 'one statement'],
      ["select 'a\\'; delete from orders; --'", 'backslash'],
      ['with d as (delete from orders returning *) select * from d', 'holds DELETE'],
      ['select 1 /*! ; delete from orders */', '/*!'],
      ['select $$ \' $$; delete from orders; --\'', '"$"'],
      ['insert into orders values (999, \'x\') returning *', 'starts with INSERT'],
    ];
    for (const [sql, message] of hostile) {
      const { status, json } = await api('POST', '/api/sync-drafts/sample', { from: { connection: 'shop', sql } });
      expect(status, sql).toBe(400);
      expect(json.error, sql).toContain(message);
    }
    expect(orderCount()).toBe(150);
  });

  it('reads MySQL comments as MySQL does: "--x" is code, "#" starts a comment', () => {
    expect(readOnlySqlProblem('select 1 --1; delete from t\n', 'mysql')).toContain('one statement');
    expect(readOnlySqlProblem("select 1 # '\n; delete from t", 'mysql')).toContain('one statement');
    expect(readOnlySqlProblem('select replace(note, \'a\', \'b\') from t', 'postgres')).toBeNull();
    expect(readOnlySqlProblem('select 1 -- a comment; with a semicolon\n', 'postgres')).toBeNull();
    expect(readOnlySqlProblem('select * from t for update', 'postgres')).toContain('UPDATE');
  });

  it('cuts long values, and is for admins only', async () => {
    const long = await api('POST', '/api/sync-drafts/sample', { from: { connection: 'shop', sql: "select printf('%.5000c', 'x') as big" }, limit: 1 });
    expect(long.status).toBe(200);
    expect(long.json.rows[0].big).toHaveLength(2001);
    const refused = await api('POST', '/api/sync-drafts/sample', { from: { connection: 'shop', sql: 'select 1' } }, OPERATOR);
    expect(refused.status).toBe(403);
  });

  it('refuses a huge body before reading it', async () => {
    const { status } = await api('POST', '/api/sync-drafts/sample', { from: { connection: 'shop', sql: `select '${'x'.repeat(2_000_000)}'` } });
    expect(status).toBe(413);
  });
});

describe('what a destination offers', () => {
  it("lists the connector's endpoints with the modes each serves, for operators too", async () => {
    const { status, json } = await api('GET', '/api/sync-drafts/destinations/sink', undefined, OPERATOR);
    expect(status).toBe(200);
    const post = json.endpoints.find((e: { name: string }) => e.name === 'post');
    expect(post).toMatchObject({ operation: 'create', modes: ['insert', 'append'], wholeRow: true });
    expect(json.endpoints.find((e: { name: string }) => e.name === 'put').modes).toEqual(['insert', 'update', 'upsert', 'append']);
    expect((await api('GET', '/api/sync-drafts/destinations/shop')).json).toMatchObject({ kind: 'table' });
    expect((await api('GET', '/api/sync-drafts/destinations/nope')).status).toBe(404);
    for (const name of ['constructor', '__proto__', 'toString']) {
      expect((await api('GET', `/api/sync-drafts/destinations/${name}`)).status, name).toBe(404);
      expect((await api('GET', `/api/sync-drafts/context?sync=${name}`)).status, name).toBe(404);
    }
  });
});

describe('previewing a sync as edited', () => {
  it('plans the unsaved settings, not the saved ones, and sends nothing', async () => {
    const { status, json } = await api('POST', '/api/sync-drafts/preview', { name: 'orders_to_sink', sync: ordersDraft() });
    expect(status).toBe(200);
    expect(json.counts.added).toBe(2);
    expect(json.requests).toHaveLength(2);
    expect(json.requests[0].text).toContain('"note":"order 1"');
    expect(JSON.stringify(json)).not.toContain(SECRETS.sinkToken);
    expect(f.sink.state.hooks).toHaveLength(0);
  });

  it('refuses a name every object inherits, or one with path characters', async () => {
    for (const name of ['__proto__', '../x', 'a/b']) {
      const { status, json } = await api('POST', '/api/sync-drafts/preview', { name, sync: ordersDraft() });
      expect(status, name).toBe(400);
      expect(json.error).toContain('body.name');
    }
  });

  it('checks the draft as saving would: a bad key names the file and the key', async () => {
    const { status, json } = await api('POST', '/api/sync-drafts/preview', { name: 'orders_to_sink', sync: ordersDraft({ mode: 'sideways' }) });
    expect(status).toBe(422);
    expect(json.issues[0]).toMatchObject({ file: 'sluice.yaml', path: 'syncs.orders_to_sink.mode' });
    const writing = await api('POST', '/api/sync-drafts/preview', { name: 'x', sync: ordersDraft({ from: { connection: 'shop', sql: 'delete from orders returning *' } }) });
    expect(writing.status).toBe(400);
    expect(orderCount()).toBe(150);
  });
});

describe('saving a sync', () => {
  it('creates a new sync keeping the comments, and writes its SQL into a file', async () => {
    const { status } = await api('POST', '/api/sync-drafts/save', { name: 'first_orders', create: true, sqlFile: 'queries/first_orders.sql', sync: ordersDraft({ schedule: '0 9 * * *' }) });
    expect(status).toBe(200);
    const yaml = await readFile(join(f.dir, 'sluice.yaml'), 'utf8');
    expect(yaml).toContain('# keep this comment');
    expect(yaml).toContain('first_orders:');
    expect(yaml).toContain('sql: queries/first_orders.sql');
    expect(await readFile(join(f.dir, 'queries/first_orders.sql'), 'utf8')).toBe('SELECT id, note FROM orders WHERE id <= 2 ORDER BY id');
    const context = await api('GET', '/api/sync-drafts/context?sync=first_orders');
    expect(context.json).toEqual({ sqlFolder: 'queries', sql: { text: 'SELECT id, note FROM orders WHERE id <= 2 ORDER BY id', file: 'queries/first_orders.sql' } });
    expect((await api('POST', '/api/sync-drafts/save', { name: 'first_orders', create: true, sync: ordersDraft() })).status).toBe(409);
  });

  it('refuses names and files with path characters, and leaves nothing behind', async () => {
    const before = await readFile(join(f.dir, 'sluice.yaml'), 'utf8');
    for (const name of ['../evil', 'a/b', '.hidden', 'x'.repeat(101), 'a b', '__proto__']) {
      const { status } = await api('POST', '/api/sync-drafts/save', { name, create: true, sync: ordersDraft() });
      expect(status, name).toBe(400);
    }
    for (const sqlFile of ['../outside.sql', '/tmp/abs.sql', 'queries/x.txt', 'a b.sql']) {
      const { status } = await api('POST', '/api/sync-drafts/save', { name: 'ok_name', create: true, sqlFile, sync: ordersDraft() });
      expect(status, sqlFile).toBe(400);
    }
    expect(await readFile(join(f.dir, 'sluice.yaml'), 'utf8')).toBe(before);
    expect((await readdir(f.dir)).filter((n) => n.startsWith('.sluice-edit'))).toEqual([]);
    expect((await api('POST', '/api/sync-drafts/save', { name: 'ok_name', create: true, sync: ordersDraft() }, OPERATOR)).status).toBe(403);
  });

  it('an invalid draft writes neither sluice.yaml nor the SQL file', async () => {
    const before = await readFile(join(f.dir, 'sluice.yaml'), 'utf8');
    const { status } = await api('POST', '/api/sync-drafts/save', { name: 'broken', create: true, sqlFile: 'queries/broken.sql', sync: ordersDraft({ to: { connection: 'sink', endpoint: 'nope' } }) });
    expect(status).toBe(422);
    expect(await readFile(join(f.dir, 'sluice.yaml'), 'utf8')).toBe(before);
    expect(await readdir(join(f.dir, 'queries'))).toEqual(['first_orders.sql']);
  });
});

describe('sampling an HTTP stream', () => {
  it('reads the first records of a stream as typed, and refuses a stream the connector does not have', async () => {
    const sink = await startWebhookSandbox();
    const dir = await mkdtemp(join(tmpdir(), 'sluice-drafts-stream-'));
    try {
      for (const id of [1, 2, 3]) await fetch(`${sink.url}/hooks/people`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id, name: `person ${id}` }) });
      await mkdir(join(dir, 'connectors'));
      await writeFile(join(dir, 'connectors/reader.yaml'), 'name: reader\nbase_url: http://127.0.0.1:9\nstreams:\n  people:\n    path: /hooks/people\n    records: "$"\n    primary_key: id\n');
      await writeFile(join(dir, 'sluice.yaml'), `version: 1\nconnections:\n  api: { type: http, connector: ./connectors/reader.yaml, base_url: "${sink.url}" }\n`);
      const server = await createServer({ project: dir, token: SECRETS.apiToken, env: { ...process.env, SLUICE_ALLOWED_HOSTS: '127.0.0.1' } });
      try {
        const call = (payload: object) => server.app.inject({ method: 'POST', url: '/api/sync-drafts/sample', headers: { authorization: `Bearer ${SECRETS.apiToken}` }, payload });
        const sample = await call({ from: { connection: 'api', stream: 'people' }, limit: 2 });
        expect(sample.statusCode).toBe(200);
        expect(sample.json().rows.map((r: { body: { name: string } }) => r.body.name)).toEqual(['person 1', 'person 2']);
        const unknown = await call({ from: { connection: 'api', stream: 'nope' } });
        expect(unknown.statusCode).toBe(400);
        expect(unknown.json().error).toContain('has no stream "nope"');
        const sql = await call({ from: { connection: 'api', sql: 'select 1' } });
        expect(sql.json().error).toContain('is an HTTP API: it is read by a stream');
        const streams = await server.app.inject({ method: 'GET', url: '/api/sync-drafts/destinations/api', headers: { authorization: `Bearer ${SECRETS.apiToken}` } });
        expect(streams.json()).toMatchObject({ kind: 'http', streams: ['people'], endpoints: [] });
      } finally {
        await server.close();
      }
    } finally {
      await sink.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('time bounds', () => {
  it('stops a sample and a preview that read for longer than SLUICE_DRAFT_TIMEOUT_MS, saying so', async () => {
    const slow = await startServerFixture({ rows: 1, server: { env: { ...process.env, SLUICE_SECRET_KEY: '', SLUICE_ALLOWED_HOSTS: '127.0.0.1', SLUICE_DRAFT_TIMEOUT_MS: '300' } } });
    try {
      // PostgreSQL (the fixture's crm connection) is asked to sleep 20 s: the read is cancelled on the server.
      const sleepy = 'select 1 as id, pg_sleep(20)::text as note';
      const call = (url: string, payload: object) => slow.server.app.inject({ method: 'POST', url, headers: slow.auth, payload });
      const started = Date.now();
      const preview = await call('/api/sync-drafts/preview', { name: 'orders_to_sink', sync: ordersDraft({ from: { connection: 'crm', sql: sleepy } }) });
      expect(preview.json().error).toBe('the preview read its source for longer than 0.3 s and was stopped');
      expect(preview.statusCode).toBe(422);
      const sample = await call('/api/sync-drafts/sample', { from: { connection: 'crm', sql: sleepy } });
      expect(sample.json().error).toBe('the sample took longer than 0.3 s and was stopped');
      expect(sample.statusCode).toBe(422);
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await slow.close();
    }
  });
});
