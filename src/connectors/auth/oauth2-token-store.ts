import { z } from 'zod';
import type { StateStore } from '../../state/state-store.js';

/** The tokens of one OAuth connection, as stored (encrypted) in the state store. */
export const oauth2TokenSchema = z.looseObject({
  access_token: z.string(),
  refresh_token: z.string().nullable().default(null),
  /** ISO time the access token expires; null when the provider gave no `expires_in` (Salesforce). */
  expires_at: z.string().nullable().default(null),
  /** ISO time the token was obtained, so "ahead of expiry" can scale with short-lived tokens. */
  obtained_at: z.string().optional(),
  instance_url: z.string().optional(),
  scope: z.string().optional(),
  token_type: z.string().default('Bearer'),
});

export type OAuth2Token = z.infer<typeof oauth2TokenSchema>;

/** Where one connection's OAuth tokens live. */
export interface OAuth2TokenStore {
  /** The stored tokens, or null when the connection was never authorized. */
  read(): Promise<OAuth2Token | null>;
  /** Replaces the stored tokens atomically (encrypted at rest). */
  write(token: OAuth2Token): Promise<void>;
}

/** The state-store key of a connection's tokens. */
export const oauth2TokenKey = (connectionName: string) => `oauth:${connectionName}`;

/** A token store over the state store's encrypted secrets, under `oauth:<connection name>`. */
export function createOAuth2TokenStore(store: StateStore, connectionName: string): OAuth2TokenStore {
  const key = oauth2TokenKey(connectionName);
  return {
    async read() {
      const text = await store.getSecret(key);
      if (text === null) return null;
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      const parsed = oauth2TokenSchema.safeParse(json);
      if (!parsed.success) throw new Error(`the stored OAuth tokens of connection "${connectionName}" are unreadable: reconnect with \`sluice connect ${connectionName}\``);
      return parsed.data;
    },
    write: (token) => store.putSecret(key, JSON.stringify(token)),
  };
}
