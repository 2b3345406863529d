import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { Connection } from '../config/project-schema.js';
import type { Redactor } from '../log/redactor.js';
import { openBigqueryDatabase } from './bigquery/bigquery-database.js';
import { openDuckdbDatabase } from './duckdb/duckdb-database.js';
import { openMysqlDatabase } from './mysql/mysql-database.js';
import { openPostgresDatabase } from './postgres/postgres-database.js';
import { serviceAccountKeySchema, serviceAccountTokenSource, type TokenSource } from './bigquery/service-account-token-source.js';
import type { SqlDatabase } from './sql-database.js';
import { openSqliteDatabase } from './sqlite/sqlite-database.js';
import { openSshTunnel, urlHostPort, withHostPort } from './ssh-tunnel.js';

/** A connection that is a SQL database (every type but http). */
export type SqlConnection = Exclude<Connection, { type: 'http' }>;

/** Options of openSqlDatabase. */
export interface OpenSqlDatabaseOptions {
  /** The project directory: relative file paths (DuckDB, SQLite, keys) resolve against it. */
  projectDir: string;
  /** Learns the connection's secrets (passwords, tokens, keys) so that no output shows them. */
  redactor?: Redactor;
}

/** Opens the SQL database of a connection (through its SSH tunnel when it has one). */
export async function openSqlDatabase(connection: SqlConnection, options: OpenSqlDatabaseOptions): Promise<SqlDatabase> {
  const file = (p: string) => (p === ':memory:' || isAbsolute(p) ? p : resolve(options.projectDir, p));
  switch (connection.type) {
    case 'duckdb':
      return openDuckdbDatabase(file(connection.path), { fileSearchPath: options.projectDir });
    case 'sqlite':
      return openSqliteDatabase(file(connection.path));
    case 'postgres':
    case 'mysql': {
      registerUrlSecrets(connection.url, options.redactor);
      options.redactor?.add(connection.ssh?.password, connection.ssh?.passphrase);
      const open = connection.type === 'postgres' ? openPostgresDatabase : openMysqlDatabase;
      if (!connection.ssh) return open(connection.url);
      const tunnel = await openSshTunnel(connection.ssh, urlHostPort(connection.url, connection.type === 'postgres' ? 5432 : 3306), options);
      try {
        return await open(withHostPort(connection.url, tunnel.host, tunnel.port), { onClose: tunnel.close });
      } catch (e) {
        await tunnel.close();
        throw e;
      }
    }
    case 'bigquery':
      return openBigqueryDatabase({
        projectId: connection.project_id,
        location: connection.location,
        apiEndpoint: connection.api_endpoint,
        tokens: await bigqueryTokens(connection, file, options.redactor),
      });
  }
}

function registerUrlSecrets(url: string, redactor: Redactor | undefined): void {
  if (!redactor) return;
  try {
    const u = new URL(url);
    redactor.add(decodeURIComponent(u.password));
    redactor.add(u.searchParams.get('password'));
  } catch {
    // Not a URL: the driver reports it; there is no password to find.
  }
}

async function bigqueryTokens(
  connection: Extract<SqlConnection, { type: 'bigquery' }>,
  file: (p: string) => string,
  redactor: Redactor | undefined,
): Promise<TokenSource> {
  if (connection.access_token) {
    const token = connection.access_token;
    redactor?.add(token);
    return { token: async () => token, invalidate: () => undefined };
  }
  if (!connection.credentials) {
    throw new Error('bigquery connection: give access_token or credentials (the path to a service-account JSON key)');
  }
  const path = file(connection.credentials);
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
