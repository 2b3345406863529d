import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../config/config-error.js';
import { displayPath } from '../config/display-path.js';
import { makePrivateDir, PRIVATE_FILE_MODE, tightenStateDir } from './private-state-dir.js';
import { parsePostgresStateUrl, PostgresStateStore, STATE_SCHEMA_PATTERN } from './postgres-state-store.js';
import { parseSecretKey, resolveSecretKey, type SecretKeyOptions } from './resolve-secret-key.js';
import { SecretBox } from './secret-box.js';
import { SqliteStateStore } from './sqlite-state-store.js';
import { secretKeyFile, stateLocation } from './state-location.js';
import type { StateStore } from './state-store.js';

/** Where a project keeps its state: a folder (SQLite) or a PostgreSQL URL. */
export interface OpenStateStoreOptions {
  /** The project's `state:` value: a folder path (relative to projectDir) or a postgres:// URL. */
  state: string;
  projectDir: string;
  /** The secret key (64 hex or 44 base64 characters); default: SLUICE_SECRET_KEY, else a key file. */
  secretKey?: string;
  env?: NodeJS.ProcessEnv;
  /** Open even when the key file is gone while secrets sealed with it are stored (`sluice secrets reset`). */
  lostKeyOk?: boolean;
}

/** Opens the state store the project's `state:` names, with its schema migrated. */
export async function openStateStore(options: OpenStateStoreOptions): Promise<StateStore> {
  const env = options.env ?? process.env;
  const keyText = options.secretKey ?? env.SLUICE_SECRET_KEY;
  // A malformed key fails now, not at the first secret halfway through a run.
  if (keyText !== undefined && keyText !== '') parseSecretKey(keyText);

  const location = stateLocation(options.projectDir, options.state);
  const postgres = location.kind === 'postgres';
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(options.state)?.[1];
  // Messages name the scheme or the schema, never the URL: it may hold a password.
  const stateError = (message: string) =>
    new ConfigError([
      {
        file: path.relative(process.cwd(), path.join(options.projectDir, 'sluice.yaml')) || 'sluice.yaml',
        path: 'state',
        message,
      },
    ]);
  if (!postgres && scheme !== undefined) {
    throw stateError(`"${scheme}://" state is not supported: use a folder path (SQLite, default .sluice) or a postgres:// URL`);
  }
  let schema: string | undefined;
  if (postgres) {
    try {
      schema = parsePostgresStateUrl(options.state).schema;
    } catch {
      throw stateError('is not a valid postgres:// URL');
    }
    if (schema !== undefined && !STATE_SCHEMA_PATTERN.test(schema)) {
      throw stateError(`schema "${schema}" is not a plain identifier (letters, digits and _)`);
    }
  }

  const stateDir = location.kind === 'folder' ? location.dir : undefined;
  const keyFile = secretKeyFile(location);
  const stateName = stateDir !== undefined ? displayPath(stateDir) : `PostgreSQL, schema ${schema ?? 'sluice'}`;
  // The store is made just below; the key is resolved only later, on the first use of a secret.
  const secretBox = lazySecretBox({ key: keyText, keyFile, stateName, sealedKeyIds: () => store.secretKeyIds() });

  if (stateDir !== undefined) await ensureStateDir(stateDir);
  const store: StateStore = postgres
    ? new PostgresStateStore({ url: options.state, secretBox })
    : new SqliteStateStore({ dir: stateDir!, secretBox });
  try {
    await store.migrate();
    // A lost key shows at once, before a command starts work (or a worker a run): no stored secret could be opened.
    const keyFileMissing = (keyText === undefined || keyText === '') && !existsSync(keyFile);
    if (keyFileMissing && !options.lostKeyOk && (await store.secretKeyIds()).length) await secretBox();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

/** The secret box, loaded on first use: a project that stores no secret never needs a key. */
function lazySecretBox(options: SecretKeyOptions): () => Promise<SecretBox> {
  let box: Promise<SecretBox> | undefined;
  return () => {
    if (!box) {
      box = resolveSecretKey(options).then((k) => new SecretBox(k));
      // A failed load (an unreadable key file) is tried again next time, not cached.
      box.catch(() => (box = undefined));
    }
    return box;
  };
}

/**
 * Creates the state folder (0700) with a .gitignore, so the database and the key file are never committed; a folder an
 * older version left 0755 with 0644 files is tightened.
 */
async function ensureStateDir(dir: string): Promise<void> {
  const fresh = !existsSync(dir);
  await makePrivateDir(dir);
  if (fresh) await writeFile(path.join(dir, '.gitignore'), '*\n', { flag: 'wx', mode: PRIVATE_FILE_MODE }).catch(() => undefined);
  await tightenStateDir(dir);
}
