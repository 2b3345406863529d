import { randomBytes } from 'node:crypto';
import { chmod, link, readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../config/config-error.js';
import { displayPath } from '../config/display-path.js';
import { makePrivateDir } from './private-state-dir.js';

/** Decodes a key given as 64 hex characters or 44 base64 characters (32 bytes); null when it is neither. */
export function decodeSecretKey(text: string): Buffer | null {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, 'hex');
  if (/^[A-Za-z0-9+/]{43}=$/.test(t)) {
    const key = Buffer.from(t, 'base64');
    if (key.length === 32) return key;
  }
  return null;
}

/** Decodes `SLUICE_SECRET_KEY` (or a key option); a malformed key is a ConfigError that never shows the value. */
export function parseSecretKey(text: string, source = 'SLUICE_SECRET_KEY'): Buffer {
  const key = decodeSecretKey(text);
  if (key) return key;
  throw new ConfigError([
    {
      file: 'environment',
      path: source,
      message: `must be a 32-byte key written as 64 hex characters or 44 base64 characters (got ${text.trim().length} characters); generate one with: openssl rand -hex 32`,
    },
  ]);
}

/** Where the key is looked for, as messages name it. */
export interface SecretKeyOptions {
  /** The key text (SLUICE_SECRET_KEY); empty or absent: the key file. */
  key?: string;
  keyFile: string;
  /** The ids of the keys the stored secrets were sealed with: a new key is made only while there is none. */
  sealedKeyIds?: () => Promise<string[]>;
  /** The state as messages name it (a folder, or PostgreSQL and its schema; never a URL, it may hold a password). */
  stateName?: string;
}

/**
 * The secret key: the given text (SLUICE_SECRET_KEY) when set, else the key file, which is created
 * once (32 random bytes in hex, mode 0600) when missing — unless secrets sealed with another key are
 * stored: a new key could never open them, so that is a configuration error saying how to recover.
 */
export async function resolveSecretKey(options: SecretKeyOptions): Promise<Buffer> {
  if (options.key !== undefined && options.key !== '') return parseSecretKey(options.key);
  const existing = await readKeyFile(options.keyFile);
  if (existing) return existing;
  const sealed = (await options.sealedKeyIds?.()) ?? [];
  if (sealed.length) throw lostKeyError(options.keyFile, options.stateName ?? path.dirname(options.keyFile), sealed);
  return createKeyFile(options.keyFile);
}

function lostKeyError(keyFile: string, stateName: string, keyIds: string[]): ConfigError {
  const ids = keyIds.join(', ');
  return new ConfigError([
    {
      file: displayPath(keyFile),
      path: '',
      message:
        `the secret key file is missing, but the state (${stateName}) holds secrets sealed with key ${ids}; ` +
        'a new key could never decrypt them, so none was made. Restore the key file from a backup, or set SLUICE_SECRET_KEY ' +
        `to the key used before; if that key is lost for good, run "sluice secrets reset --yes" to delete the stored secrets, ` +
        'then enter them again (sluice connect for OAuth connections, the UI for ${secret:} values; sluice serve makes new API tokens)',
    },
  ]);
}

async function readKeyFile(file: string): Promise<Buffer | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const key = decodeSecretKey(text);
  if (key) return key;
  throw new ConfigError([
    {
      file,
      path: '',
      message: 'the secret key file must hold a 32-byte key as 64 hex characters (delete it only if no secret was stored with it)',
    },
  ]);
}

async function createKeyFile(file: string): Promise<Buffer> {
  await makePrivateDir(path.dirname(file));
  const key = randomBytes(32);
  // Written aside then hard-linked into place: the link fails if another process won the race,
  // and nobody ever reads a half-written key.
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temp, key.toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  await chmod(temp, 0o600);
  try {
    await link(temp, file);
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const winner = await readKeyFile(file);
    if (!winner) throw error;
    return winner;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}
