import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeSecretKey, resolveSecretKey } from './resolve-secret-key.js';

describe('resolveSecretKey', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-key-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prefers the given key over the key file', async () => {
    const key = randomBytes(32);
    expect((await resolveSecretKey({ key: key.toString('hex'), keyFile: path.join(dir, 'secret.key') })).equals(key)).toBe(true);
    expect(await readdir(dir)).toEqual([]);
  });

  it('makes one key when several openers race, and every opener gets it', async () => {
    const keyFile = path.join(dir, 'nested', 'secret.key');
    const keys = await Promise.all(Array.from({ length: 8 }, () => resolveSecretKey({ keyFile })));
    for (const k of keys) expect(k.equals(keys[0]!)).toBe(true);
    expect(await readdir(path.dirname(keyFile))).toEqual(['secret.key']);
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
  });
});

describe('decodeSecretKey', () => {
  it('reads 64 hex or 44 base64 characters, trimmed, and nothing else', () => {
    const key = randomBytes(32);
    expect(decodeSecretKey(key.toString('hex').toUpperCase())?.equals(key)).toBe(true);
    expect(decodeSecretKey(` ${key.toString('base64')}\n`)?.equals(key)).toBe(true);
    expect(decodeSecretKey(key.toString('base64url'))).toBeNull();
    expect(decodeSecretKey(randomBytes(33).toString('hex'))).toBeNull();
    expect(decodeSecretKey('')).toBeNull();
  });
});
