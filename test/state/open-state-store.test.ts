import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { openStateStore } from '../../src/state/open-state-store.js';
import { parsePostgresStateUrl, PostgresStateStore } from '../../src/state/postgres-state-store.js';
import { SqliteStateStore } from '../../src/state/sqlite-state-store.js';

describe('openStateStore', () => {
  let projectDir: string;
  beforeEach(async () => {
    projectDir = await mkdtemp(path.join(os.tmpdir(), 'sluice-open-'));
  });
  afterEach(async () => {
    await rm(projectDir, { recursive: true, force: true });
  });

  it('opens SQLite in a folder relative to the project, with a .gitignore that keeps it out of git', async () => {
    const store = await openStateStore({ state: 'var/state', projectDir, env: {} });
    try {
      expect(store).toBeInstanceOf(SqliteStateStore);
      expect((store as SqliteStateStore).file).toBe(path.join(projectDir, 'var', 'state', 'state.db'));
      expect((await stat(path.join(projectDir, 'var', 'state', 'state.db'))).isFile()).toBe(true);
      expect(await readFile(path.join(projectDir, 'var', 'state', '.gitignore'), 'utf8')).toBe('*\n');
    } finally {
      await store.close();
    }
  });

  it('opens PostgreSQL for a postgresql:// URL, in the schema the URL names', async () => {
    const schema = `sluice_open_${randomBytes(5).toString('hex')}`;
    const store = await openStateStore({ state: `postgresql://postgres@127.0.0.1:5432/test?schema=${schema}`, projectDir, env: {} });
    try {
      expect(store).toBeInstanceOf(PostgresStateStore);
      expect((store as PostgresStateStore).schema).toBe(schema);
      await store.setValue('k', 'v');
      expect(await store.getValue('k')).toBe('v');
    } finally {
      await store.close();
      const client = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
      await client.connect();
      await client.query(`DROP SCHEMA "${schema}" CASCADE`);
      await client.end();
    }
  });

  it('refuses another URL scheme without printing the URL', async () => {
    const error = await openStateStore({ state: 'mysql://root:hunter22@db/state', projectDir, env: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(
      /sluice\.yaml: state: "mysql:\/\/" state is not supported: use a folder path \(SQLite, default \.sluice\) or a postgres:\/\/ URL$/,
    );
    expect((error as Error).message).not.toContain('hunter22');
  });

  it('refuses a schema that is not a plain identifier, as a configuration error', async () => {
    const error = await openStateStore({ state: 'postgres://postgres@127.0.0.1:5432/test?schema=a"b', projectDir, env: {} }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/sluice\.yaml: state: schema "a"b" is not a plain identifier \(letters, digits and _\)$/);
  });

  it('refuses a malformed postgres URL without printing it', async () => {
    const error = await openStateStore({ state: 'postgres://u:s3cret-pw@[bad/db', projectDir, env: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/sluice\.yaml: state: is not a valid postgres:\/\/ URL$/);
    expect((error as Error).message).not.toContain('s3cret-pw');
  });
});

describe('parsePostgresStateUrl', () => {
  it('takes ?schema= out of the connection string and keeps the other parameters', () => {
    expect(parsePostgresStateUrl('postgres://u:p@h:5433/db?sslmode=require&schema=state_a')).toEqual({
      connectionString: 'postgres://u:p@h:5433/db?sslmode=require',
      schema: 'state_a',
    });
    expect(parsePostgresStateUrl('postgresql://h/db').schema).toBeUndefined();
  });
});
