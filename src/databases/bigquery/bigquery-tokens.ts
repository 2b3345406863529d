import { readFile } from 'node:fs/promises';
import type { Connection } from '../../config/project-schema.js';
import type { Redactor } from '../../log/redactor.js';
import { serviceAccountKeySchema, serviceAccountTokenSource, type TokenSource } from './service-account-token-source.js';

/** A `type: bigquery` connection. */
export type BigqueryConnection = Extract<Connection, { type: 'bigquery' }>;

/**
 * Where a BigQuery connection's access tokens come from: its fixed `access_token`, or its service-account key file
 * (`credentials`, already resolved against the project). Every token, and the key, is told to the redactor.
 */
export async function bigqueryTokens(connection: BigqueryConnection, redactor: Redactor | undefined): Promise<TokenSource> {
  if (connection.access_token) {
    const token = connection.access_token;
    redactor?.add(token);
    return { token: async () => token, invalidate: () => undefined };
  }
  if (!connection.credentials) {
    throw new Error('bigquery connection: give access_token or credentials (the path to a service-account JSON key)');
  }
  const path = connection.credentials;
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new Error(`bigquery credentials ${path}: ${(e as Error).message}`);
  }
  const key = serviceAccountKeySchema.safeParse(parsed);
  if (!key.success) throw new Error(`bigquery credentials ${path}: not a service-account key (needs client_email and private_key)`);
  redactor?.add(key.data.private_key);
  return serviceAccountTokenSource(key.data, { tokenUrl: connection.token_url, onToken: (t) => redactor?.add(t) });
}
