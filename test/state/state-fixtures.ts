import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach } from 'vitest';
import { migrations } from '../../src/state/migrations.js';
import { openStateStore } from '../../src/state/open-state-store.js';
import { PostgresStateStore } from '../../src/state/postgres-state-store.js';
import { SecretBox } from '../../src/state/secret-box.js';
import { SqliteStateStore } from '../../src/state/sqlite-state-store.js';
import type { LedgerEntry, StateStore } from '../../src/state/state-store.js';

/** The PostgreSQL server the tests use (trust auth, database `test`). */
export const POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** One isolated state (a temp folder or a fresh PostgreSQL schema) that stores can be opened on. */
export interface StateFixture {
  /** A short name for test titles. */
  readonly kind: 'sqlite' | 'postgres';
  /** The `state:` value of this fixture. */
  readonly state: string;
  /** The project folder (a temp dir: key files land here). */
  readonly projectDir: string;
  /** Opens a migrated store on this state; closed by destroy(). */
  open(options?: { secretKey?: string; env?: NodeJS.ProcessEnv }): Promise<StateStore>;
  /** Creates the state as an older Sluice left it (only the steps up to `version`), and a store on it not yet migrated. */
  openAt(version: number): Promise<StateStore>;
  /** The versions recorded in schema_migrations, in order. */
  migrationVersions(): Promise<number[]>;
  /** Runs SQL on the state's tables as an older Sluice would have written them (PostgreSQL: in the state's schema). */
  exec(sql: string): Promise<void>;
  /** Closes every store opened and removes the state. */
  destroy(): Promise<void>;
}

/** Each kind of state, by the name test titles give it: for `describe.each`. */
export const STATE_KINDS: [string, () => Promise<StateFixture>][] = [
  ['SQLite', sqliteFixture],
  ['PostgreSQL', postgresFixture],
];

/** In the enclosing describe: before each test, a fresh state and a store opened on it, handed to `use`; after it, the state destroyed. */
export function openStoreForEachTest(createFixture: () => Promise<StateFixture>, use: (store: StateStore, fixture: StateFixture) => void): void {
  let fixture: StateFixture | undefined;
  beforeEach(async () => {
    fixture = await createFixture();
    use(await fixture.open(), fixture);
  });
  afterEach(async () => {
    await fixture?.destroy();
  });
}

/** A fresh random key as 64 hex characters. */
export const randomKey = () => randomBytes(32).toString('hex');

const secretBox = (key: string) => async () => new SecretBox(Buffer.from(key, 'hex'));
const stepsUpTo = (version: number) => migrations.filter((m) => m.version <= version);

function baseFixture(kind: StateFixture['kind'], state: string, projectDir: string, secretKey: string) {
  const opened: StateStore[] = [];
  return {
    kind,
    state,
    projectDir,
    opened,
    async open(options: { secretKey?: string; env?: NodeJS.ProcessEnv } = {}) {
      const store = await openStateStore({
        state,
        projectDir,
        secretKey: options.env ? options.secretKey : (options.secretKey ?? secretKey),
        env: options.env ?? {},
      });
      opened.push(store);
      return store;
    },
  };
}

/** A SQLite state in a temp folder. */
export async function sqliteFixture(): Promise<StateFixture> {
  const projectDir = await mkdtemp(path.join(os.tmpdir(), 'sluice-state-'));
  const key = randomKey();
  const base = baseFixture('sqlite', '.sluice', projectDir, key);
  return {
    ...base,
    async openAt(version) {
      const dir = path.join(projectDir, '.sluice');
      await mkdir(dir, { recursive: true });
      const db = new Database(path.join(dir, 'state.db'));
      try {
        db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
        for (const m of stepsUpTo(version)) {
          db.exec(m.sqlite);
          db.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(m.version, m.name, new Date().toISOString());
        }
      } finally {
        db.close();
      }
      const store = new SqliteStateStore({ dir, secretBox: secretBox(key) });
      base.opened.push(store);
      return store;
    },
    async exec(sql) {
      const db = new Database(path.join(projectDir, '.sluice', 'state.db'));
      try {
        db.exec(sql);
      } finally {
        db.close();
      }
    },
    async migrationVersions() {
      const db = new Database(path.join(projectDir, '.sluice', 'state.db'), { readonly: true });
      try {
        return (db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as { version: number }[]).map(
          (r) => r.version,
        );
      } finally {
        db.close();
      }
    },
    async destroy() {
      await Promise.all(base.opened.map((s) => s.close()));
      await rm(projectDir, { recursive: true, force: true });
    },
  };
}

/** A PostgreSQL state in a fresh schema with a random suffix, dropped by destroy(). */
export async function postgresFixture(): Promise<StateFixture> {
  const projectDir = await mkdtemp(path.join(os.tmpdir(), 'sluice-state-'));
  const schema = `sluice_test_${randomBytes(5).toString('hex')}`;
  const key = randomKey();
  const base = baseFixture('postgres', `${POSTGRES_URL}?schema=${schema}`, projectDir, key);
  const query = async <R extends pg.QueryResultRow>(sql: string): Promise<R[]> => {
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    try {
      return (await client.query<R>(sql)).rows;
    } finally {
      await client.end();
    }
  };
  return {
    ...base,
    async openAt(version) {
      const steps = stepsUpTo(version).map(
        (m) => `${m.postgres}; INSERT INTO schema_migrations (version, name, applied_at) VALUES (${m.version}, '${m.name}', now());`,
      );
      await query(`CREATE SCHEMA "${schema}"; SET search_path TO "${schema}";
        CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());
        ${steps.join('\n')}`);
      const store = new PostgresStateStore({ url: base.state, secretBox: secretBox(key) });
      base.opened.push(store);
      return store;
    },
    async exec(sql) {
      await query(`SET search_path TO "${schema}"; ${sql}`);
    },
    async migrationVersions() {
      const rows = await query<{ version: number }>(`SELECT version FROM "${schema}".schema_migrations ORDER BY version`);
      return rows.map((r) => r.version);
    },
    async destroy() {
      await Promise.all(base.opened.map((s) => s.close()));
      await query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await rm(projectDir, { recursive: true, force: true });
    },
  };
}

/** Writes ledger entries as a delivery does (one confirmed batch, which also marks the plan snapshot stale). */
export async function putLedgerEntries(store: StateStore, sync: string, entries: LedgerEntry[]): Promise<void> {
  await store.applyLedgerChanges(sync, { put: entries, deleted: [], rejected: [], cleared: [] });
}

/** Forgets ledger keys as a confirmed mirror delete does. */
export async function deleteLedgerEntries(store: StateStore, sync: string, keys: string[]): Promise<void> {
  await store.applyLedgerChanges(sync, { put: [], deleted: keys, rejected: [], cleared: [] });
}

/** Forgets a whole sync's ledger and rejected rows through the store's public members. */
export async function resetSync(store: StateStore, sync: string): Promise<void> {
  const keys = (await store.listLedger(sync)).map((e) => e.key);
  if (keys.length) await deleteLedgerEntries(store, sync, keys);
  await store.deleteRejected(sync, (await store.listRejected(sync)).map((r) => r.key));
}
