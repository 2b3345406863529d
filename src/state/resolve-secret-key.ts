import { randomBytes } from 'node:crypto';
import { chmod, link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../config/config-error.js';

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

/**
 * The secret key: the given text (SLUICE_SECRET_KEY) when set, else the key file, which is created
 * once (32 random bytes in hex, mode 0600) when missing.
 */
export async function resolveSecretKey(options: { key?: string; keyFile: string }): Promise<Buffer> {
  if (options.key !== undefined && options.key !== '') return parseSecretKey(options.key);
  const existing = await readKeyFile(options.keyFile);
  if (existing) return existing;
  return createKeyFile(options.keyFile);
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
  await mkdir(path.dirname(file), { recursive: true });
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
