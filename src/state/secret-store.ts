/** Secrets, encrypted at rest. */
export interface SecretStore {
  /** A secret, decrypted; null when unset. A wrong key throws a clear error. */
  getSecret(name: string): Promise<string | null>;
  /** Stores a secret encrypted (AES-256-GCM), replacing it atomically. */
  putSecret(name: string, value: string): Promise<void>;
  deleteSecret(name: string): Promise<void>;
  /** The ids of the keys the stored secrets were sealed with (none when no secret is stored); names and values stay hidden. */
  secretKeyIds(): Promise<string[]>;
  /** Forgets every stored secret (their key is lost for good); returns how many there were. */
  deleteAllSecrets(): Promise<number>;
}
