import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretBox, SecretDecryptError } from './secret-box.js';

describe('SecretBox', () => {
  const key = randomBytes(32);
  const box = new SecretBox(key);

  it('opens what it sealed, under a fresh nonce each time', () => {
    const a = box.seal('oauth:backlog', 'token-ü-"x"');
    const b = box.seal('oauth:backlog', 'token-ü-"x"');
    expect(box.open('oauth:backlog', a)).toBe('token-ü-"x"');
    expect(a.nonce).toHaveLength(12);
    expect(a.tag).toHaveLength(16);
    expect(a.nonce.equals(b.nonce)).toBe(false);
    expect(a.ciphertext.equals(b.ciphertext)).toBe(false);
  });

  it('stores the first 8 hex characters of sha256(key) as the key id', () => {
    expect(box.keyId).toBe(createHash('sha256').update(key).digest('hex').slice(0, 8));
    expect(box.seal('x', 'y').keyId).toBe(box.keyId);
  });

  it('refuses a value sealed under another name (the name is the AAD)', () => {
    const sealed = box.seal('oauth:backlog', 'token');
    expect(() => box.open('oauth:other', sealed)).toThrow(
      'cannot decrypt secret "oauth:other": the stored value is damaged (reconnect to store it again)',
    );
  });

  it('refuses a tampered ciphertext rather than returning garbage', () => {
    const sealed = box.seal('s', 'token-value');
    sealed.ciphertext[0] = sealed.ciphertext[0]! ^ 1;
    const error = (() => {
      try {
        box.open('s', sealed);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(SecretDecryptError);
    expect((error as SecretDecryptError).reason).toBe('damaged');
  });

  it('tells a value sealed with another key apart, by its key id', () => {
    const other = new SecretBox(randomBytes(32));
    expect(() => other.open('oauth:backlog', box.seal('oauth:backlog', 'token'))).toThrow(
      'cannot decrypt secret "oauth:backlog": it was encrypted with another key (set SLUICE_SECRET_KEY to the key used before, or reconnect)',
    );
  });

  it('takes only a 32-byte key', () => {
    expect(() => new SecretBox(randomBytes(16))).toThrow('a secret key is 32 bytes, got 16');
  });
});
