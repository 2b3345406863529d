import { randomBytes } from 'node:crypto';
import type { StateStore } from '../state/state-store.js';

/** Where the API token came from: the caller, SLUICE_API_TOKEN, the state store, or generated now. */
export type ApiTokenSource = 'option' | 'env' | 'stored' | 'generated';

/** The state-store secret holding a generated API token. */
export const API_TOKEN_SECRET = 'api_token';

/** The API token: given, else SLUICE_API_TOKEN, else the one stored (encrypted) in the state, else a new one stored there. */
export async function resolveApiToken(options: {
  store: StateStore;
  token?: string;
  env?: NodeJS.ProcessEnv;
}): Promise<{ token: string; source: ApiTokenSource }> {
  if (options.token) return { token: options.token, source: 'option' };
  const fromEnv = (options.env ?? process.env).SLUICE_API_TOKEN;
  if (fromEnv) return { token: fromEnv, source: 'env' };
  const stored = await options.store.getSecret(API_TOKEN_SECRET);
  if (stored) return { token: stored, source: 'stored' };
  const token = randomBytes(24).toString('base64url');
  await options.store.putSecret(API_TOKEN_SECRET, token);
  return { token, source: 'generated' };
}
