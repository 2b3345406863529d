import { randomBytes } from 'node:crypto';
import type { StateStore } from '../state/state-store.js';

/** Where an API token came from: the caller, the environment, the state store, or generated now. */
export type ApiTokenSource = 'option' | 'env' | 'stored' | 'generated';

/** A token and where it came from (`sluice serve` prints a generated or stored one). */
export interface ApiToken {
  token: string;
  source: ApiTokenSource;
}

/** The state-store secrets holding generated tokens. */
export const API_TOKEN_SECRET = 'api_token';
export const OPERATOR_TOKEN_SECRET = 'api_operator_token';

/** Tokens shorter than this are refused: a guessable token is no lock. */
const MIN_TOKEN_LENGTH = 16;

async function resolveToken(store: StateStore, given: string | undefined, fromEnv: string | undefined, secret: string, variable: string): Promise<ApiToken> {
  for (const [token, source] of [[given, 'option'], [fromEnv, 'env']] as const) {
    if (!token) continue;
    if (token.length < MIN_TOKEN_LENGTH) throw new Error(`${variable} is too short: use at least ${MIN_TOKEN_LENGTH} characters (a random one: openssl rand -base64 24)`);
    return { token, source };
  }
  const stored = await store.getSecret(secret);
  if (stored) return { token: stored, source: 'stored' };
  const token = randomBytes(24).toString('base64url');
  await store.putSecret(secret, token);
  return { token, source: 'generated' };
}

/**
 * The two tokens of the server. The admin token (given, else SLUICE_API_TOKEN, else stored, else generated) may do
 * everything; the operator token (SLUICE_OPERATOR_TOKEN, else stored, else generated) may read, preview, run and
 * retry, but not change connectors, connections, syncs or SQL.
 */
export async function resolveApiTokens(options: {
  store: StateStore;
  token?: string;
  operatorToken?: string;
  env?: NodeJS.ProcessEnv;
}): Promise<{ admin: ApiToken; operator: ApiToken }> {
  const env = options.env ?? process.env;
  const admin = await resolveToken(options.store, options.token, env.SLUICE_API_TOKEN, API_TOKEN_SECRET, 'SLUICE_API_TOKEN');
  const operator = await resolveToken(options.store, options.operatorToken, env.SLUICE_OPERATOR_TOKEN, OPERATOR_TOKEN_SECRET, 'SLUICE_OPERATOR_TOKEN');
  if (operator.token === admin.token) throw new Error('SLUICE_OPERATOR_TOKEN equals the admin token (SLUICE_API_TOKEN): give the operators their own');
  return { admin, operator };
}

/**
 * The metrics token (SLUICE_METRICS_TOKEN, or given): it may read /metrics and nothing else, so a Prometheus server
 * holds no token that runs syncs. None when unset: /metrics then takes the operator (or admin) token.
 */
export function resolveMetricsToken(options: { token?: string; env?: NodeJS.ProcessEnv; others: string[] }): string | undefined {
  const token = options.token || (options.env ?? process.env).SLUICE_METRICS_TOKEN || undefined;
  if (token === undefined) return undefined;
  if (token.length < MIN_TOKEN_LENGTH) throw new Error(`SLUICE_METRICS_TOKEN is too short: use at least ${MIN_TOKEN_LENGTH} characters (a random one: openssl rand -base64 24)`);
  if (options.others.includes(token)) throw new Error('SLUICE_METRICS_TOKEN equals the admin or operator token: give the metrics scraper its own');
  return token;
}
