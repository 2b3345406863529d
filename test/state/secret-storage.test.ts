import { randomBytes } from 'node:crypto';
import { readFile, stat, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { openStateStore } from '../../src/state/open-state-store.js';
import { POSTGRES_URL, postgresFixture, sqliteFixture, type StateFixture } from './state-fixtures.js';

const PLAINTEXT = `refresh-token-${randomBytes(12).toString('hex')}`;
const NAME = 'oauth:backlog-secret-name';

let fixture: StateFixture | undefined;
afterEach(async () => {
  await fixture?.destroy();
  fixture = undefined;
});

async function fileBytes(file: string): Promise<Buffer> {
  return readFile(file).catch(() => Buffer.alloc(0));
}

describe('secrets at rest', () => {
  it('never writes the plaintext into the SQLite database or its WAL', async () => {
    fixture = await sqliteFixture();
    const store = await fixture.open();
    await store.putSecret(NAME, PLAINTEXT);
    await store.putSecret(NAME, PLAINTEXT + '-rotated');
    const dir = path.join(fixture.projectDir, '.sluice');
    const bytes = Buffer.concat([await fileBytes(path.join(dir, 'state.db')), await fileBytes(path.join(dir, 'state.db-wal'))]);

    // The secret's name is stored in clear: finding it proves these are the bytes that hold the secret.
    expect(bytes.includes(Buffer.from(NAME))).toBe(true);
    expect(bytes.includes(Buffer.from(PLAINTEXT))).toBe(false);
    expect(bytes.includes(Buffer.from(PLAINTEXT, 'utf16le'))).toBe(false);

    await store.close();
    const afterClose = await fileBytes(path.join(dir, 'state.db'));
    expect(afterClose.includes(Buffer.from(NAME))).toBe(true);
    expect(afterClose.includes(Buffer.from(PLAINTEXT))).toBe(false);
  });

  it('never writes the plaintext into the PostgreSQL table', async () => {
    fixture = await postgresFixture();
    const store = await fixture.open();
    await store.putSecret(NAME, PLAINTEXT);
    const schema = new URL(fixture.state).searchParams.get('schema')!;
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    try {
      // Compared as bytes: random ciphertext may hold 0x00, which no PostgreSQL text can.
      const { rows } = await client.query<{ row: string; plaintext_at: number }>(
        `SELECT s::text AS row, position(convert_to($1, 'UTF8') in ciphertext) AS plaintext_at FROM "${schema}".secrets s`,
        [PLAINTEXT],
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]!.row).toContain(NAME);
      expect(rows[0]!.row).not.toContain(PLAINTEXT);
      expect(rows[0]!.row).not.toContain(Buffer.from(PLAINTEXT).toString('hex'));
      expect(rows[0]!.plaintext_at).toBe(0);
    } finally {
      await client.end();
    }
    expect(await store.getSecret(NAME)).toBe(PLAINTEXT);
  });
});

describe('the secret key', () => {
  it('is generated once into <state>/secret.key with mode 0600 and reused by later opens', async () => {
    fixture = await sqliteFixture();
    const first = await fixture.open({ env: {} });
    await first.putSecret(NAME, PLAINTEXT);
    const keyFile = path.join(fixture.projectDir, '.sluice', 'secret.key');
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect(await readFile(keyFile, 'utf8')).toMatch(/^[0-9a-f]{64}\n$/);

    const again = await fixture.open({ env: {} });
    expect(await again.getSecret(NAME)).toBe(PLAINTEXT);
  });

  it('lives in the project .sluice/ folder for a PostgreSQL state with no SLUICE_SECRET_KEY', async () => {
    fixture = await postgresFixture();
    const store = await fixture.open({ env: {} });
    await store.putSecret(NAME, PLAINTEXT);
    const keyFile = path.join(fixture.projectDir, '.sluice', 'secret.key');
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect(await store.getSecret(NAME)).toBe(PLAINTEXT);
  });

  it('is not created for a project that stores no secret', async () => {
    fixture = await postgresFixture();
    const store = await fixture.open({ env: {} });
    await store.setValue('cursor', '1');
    await expect(stat(path.join(fixture.projectDir, '.sluice', 'secret.key'))).rejects.toThrow(/ENOENT/);
  });

  it('reads SLUICE_SECRET_KEY as hex or base64 of the same 32 bytes', async () => {
    fixture = await sqliteFixture();
    const key = randomBytes(32);
    const writer = await fixture.open({ env: { SLUICE_SECRET_KEY: key.toString('hex') } });
    await writer.putSecret(NAME, PLAINTEXT);
    const reader = await fixture.open({ env: { SLUICE_SECRET_KEY: key.toString('base64') } });
    expect(await reader.getSecret(NAME)).toBe(PLAINTEXT);
    // With the env key, no key file is written.
    await expect(stat(path.join(fixture.projectDir, '.sluice', 'secret.key'))).rejects.toThrow(/ENOENT/);
  });

  it('names the key it needs when the environment key changed', async () => {
    fixture = await sqliteFixture();
    const before = await fixture.open({ env: { SLUICE_SECRET_KEY: randomBytes(32).toString('hex') } });
    await before.putSecret('oauth:backlog', PLAINTEXT);
    const after = await fixture.open({ env: { SLUICE_SECRET_KEY: randomBytes(32).toString('base64') } });
    await expect(after.getSecret('oauth:backlog')).rejects.toThrow(
      'cannot decrypt secret "oauth:backlog": it was encrypted with another key (set SLUICE_SECRET_KEY to the key used before, or reconnect)',
    );
  });

  it.each([
    ['too short hex', 'abcd1234', 8],
    ['63 hex characters', 'a'.repeat(63), 63],
    ['base64 of 16 bytes', randomBytes(16).toString('base64'), 24],
    ['a passphrase', 'correct horse battery staple', 28],
  ])('refuses a malformed SLUICE_SECRET_KEY (%s) at open, without echoing it', async (_label, value, length) => {
    fixture = await sqliteFixture();
    const error = await fixture.open({ env: { SLUICE_SECRET_KEY: value } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe(
      `environment: SLUICE_SECRET_KEY: must be a 32-byte key written as 64 hex characters or 44 base64 characters (got ${length} characters); generate one with: openssl rand -hex 32`,
    );
    expect((error as Error).message).not.toContain(value);
  });

  it('refuses a damaged key file instead of making a new key', async () => {
    fixture = await sqliteFixture();
    const keyFile = path.join(fixture.projectDir, '.sluice', 'secret.key');
    await mkdir(path.dirname(keyFile), { recursive: true });
    await writeFile(keyFile, 'not a key\n', { mode: 0o600 });
    const store = await openStateStore({ state: '.sluice', projectDir: fixture.projectDir, env: {} });
    try {
      await expect(store.putSecret(NAME, PLAINTEXT)).rejects.toThrow(
        `${keyFile}: the secret key file must hold a 32-byte key as 64 hex characters (delete it only if no secret was stored with it)`,
      );
      expect(await readFile(keyFile, 'utf8')).toBe('not a key\n');
    } finally {
      await store.close();
    }
  });
});
