import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** A secret as stored: AES-256-GCM output plus the id of the key that sealed it. */
export interface SealedSecret {
  nonce: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
  /** First 8 hex characters of sha256(key): tells a wrong key from a damaged value. */
  keyId: string;
}

/** A secret that cannot be decrypted (another key, or a damaged value); its message says what to do. */
export class SecretDecryptError extends Error {
  override name = 'SecretDecryptError';
  constructor(
    readonly secretName: string,
    readonly reason: 'wrong_key' | 'damaged',
  ) {
    super(
      reason === 'wrong_key'
        ? `cannot decrypt secret "${secretName}": it was encrypted with another key (set SLUICE_SECRET_KEY to the key used before, or reconnect)`
        : `cannot decrypt secret "${secretName}": the stored value is damaged (reconnect to store it again)`,
    );
  }
}

const ALGORITHM = 'aes-256-gcm';
const NONCE_BYTES = 12;

/** The key id stored beside each secret: the first 8 hex characters of sha256(key). */
export function secretKeyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/** Encrypts and decrypts secrets with one 32-byte key; the secret's name is bound in as AAD. */
export class SecretBox {
  readonly keyId: string;
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new Error(`a secret key is 32 bytes, got ${key.length}`);
    this.#key = Buffer.from(key);
    this.keyId = secretKeyId(key);
  }

  /** Encrypts a value under a fresh random nonce. */
  seal(name: string, value: string): SealedSecret {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.#key, nonce);
    // The name as AAD: a ciphertext copied onto another secret's row fails to open.
    cipher.setAAD(Buffer.from(name, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    return { nonce, ciphertext, tag: cipher.getAuthTag(), keyId: this.keyId };
  }

  /** Decrypts a sealed value; throws SecretDecryptError rather than ever returning garbage. */
  open(name: string, sealed: SealedSecret): string {
    if (sealed.keyId !== this.keyId) throw new SecretDecryptError(name, 'wrong_key');
    try {
      const decipher = createDecipheriv(ALGORITHM, this.#key, sealed.nonce);
      decipher.setAAD(Buffer.from(name, 'utf8'));
      decipher.setAuthTag(sealed.tag);
      return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretDecryptError(name, 'damaged');
    }
  }
}
