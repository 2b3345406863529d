import { isAbsolute, resolve } from 'node:path';
import type { Connection } from '../config/project-schema.js';
import type { Redactor } from '../log/redactor.js';
import { DATABASE_LABELS } from './database-labels.js';
import type { SqlDatabase } from './sql-database.js';
import type { TableEngine } from './table-engine.js';

/** A connection that is a database (every type but http). */
export type DatabaseConnection = Exclude<Connection, { type: 'http' }>;

/** A database engine's name, as a connection's `type` spells it. */
export type DatabaseType = DatabaseConnection['type'];

/** Options of openDatabase. */
export interface OpenDatabaseOptions {
  /** The project directory: relative file paths (DuckDB and SQLite files, BigQuery keys) resolve against it. */
  projectDir: string;
  /** Learns the connection's secrets (passwords, tokens, keys) so that no output shows them. */
  redactor?: Redactor;
  /**
   * The error to throw when opening fails, given what failed (`PostgreSQL`, `the SSH tunnel for MySQL`, `DuckDB
   * data/x.duckdb`) and the driver's error; without it the driver's error goes on as it is.
   */
  failure?: (what: string, error: unknown) => Error;
}

/** The parts of a database Sluice opens: the reader of queries, and the table engine a table destination writes through. */
export interface DatabaseParts {
  reader: SqlDatabase;
  tableEngine: TableEngine;
}

/** What an engine's opener is given besides its connection. */
interface OpenContext {
  projectDir: string;
  redactor: Redactor | undefined;
  /** Closes the SSH tunnel; the opened part calls it from its own close. */
  onClose: (() => Promise<void>) | undefined;
}

/** How to open one engine's parts. */
interface DatabaseEngine<C extends DatabaseConnection> {
  /** The fields naming files, resolved against the project directory before an opener sees them. */
  files: readonly (keyof C & string)[];
  /** A server's port when its URL names none: the engine is reached by `url`, through `ssh` when the connection has it. */
  defaultPort?: number;
  /** Opens the reader; `connection` has its files resolved and its URL pointed at the tunnel. */
  reader(connection: C, context: OpenContext): Promise<SqlDatabase>;
  /** Opens the table engine; absent when the engine cannot be a table destination. */
  tableEngine?(connection: C, context: OpenContext): Promise<TableEngine>;
}

type DatabaseEngines = { [T in DatabaseType]: DatabaseEngine<Extract<DatabaseConnection, { type: T }>> };

/**
 * Every engine, by connection type; the order is the one messages list them in. Each driver is loaded when a
 * connection of its type is opened: a run from PostgreSQL does not load DuckDB's library (tens of MB) nor the others.
 */
const ENGINES: DatabaseEngines = {
  duckdb: {
    files: ['path'],
    reader: async (c, { projectDir }) => (await import('./duckdb/duckdb-database.js')).openDuckdbDatabase(c.path, { fileSearchPath: projectDir }),
    tableEngine: async (c) => (await import('./duckdb/duckdb-table-engine.js')).openDuckdbTableEngine(c.path),
  },
  sqlite: {
    files: ['path'],
    reader: async (c) => (await import('./sqlite/sqlite-database.js')).openSqliteDatabase(c.path),
    tableEngine: async (c) => (await import('./sqlite/sqlite-table-engine.js')).openSqliteTableEngine(c.path),
  },
  postgres: {
    files: [],
    defaultPort: 5432,
    reader: async (c, { onClose }) => (await import('./postgres/postgres-database.js')).openPostgresDatabase(c.url, { onClose }),
    tableEngine: async (c, { onClose }) => (await import('./postgres/postgres-table-engine.js')).openPostgresTableEngine(c.url, { onClose }),
  },
  mysql: {
    files: [],
    defaultPort: 3306,
    reader: async (c, { onClose }) => (await import('./mysql/mysql-database.js')).openMysqlDatabase(c.url, { onClose }),
    tableEngine: async (c, { onClose }) => (await import('./mysql/mysql-table-engine.js')).openMysqlTableEngine(c.url, { onClose }),
  },
  bigquery: {
    files: ['credentials'],
    reader: async (c, { redactor }) => {
      const [{ openBigqueryDatabase }, { bigqueryTokens }] = await Promise.all([import('./bigquery/bigquery-database.js'), import('./bigquery/bigquery-tokens.js')]);
      return openBigqueryDatabase({ projectId: c.project_id, location: c.location, apiEndpoint: c.api_endpoint, tokens: await bigqueryTokens(c, redactor) });
    },
  },
};

/** The connection types whose databases can be table destinations, in the order messages list them. */
export const TABLE_DATABASE_TYPES = (Object.keys(ENGINES) as DatabaseType[]).filter((type) => ENGINES[type].tableEngine !== undefined);

/**
 * Opens one part of a connection's database: relative files resolved against the project, the secrets told to the
 * redactor, the SSH tunnel opened when the connection has one (the part closes it when it closes).
 */
export async function openDatabase<P extends keyof DatabaseParts>(
  connection: DatabaseConnection,
  options: OpenDatabaseOptions,
  part: P,
): Promise<DatabaseParts[P]> {
  // The record pairs each type with its own connection shape; TypeScript cannot follow that pairing through an index.
  const engine = ENGINES[connection.type] as DatabaseEngine<DatabaseConnection>;
  const open = engine[part] as ((connection: DatabaseConnection, context: OpenContext) => Promise<DatabaseParts[P]>) | undefined;
  if (!open) throw new Error(`a ${connection.type} connection has no ${part}`);
  const { projectDir, redactor } = options;
  const fail = (what: string, e: unknown): never => {
    throw options.failure ? options.failure(what, e) : e;
  };
  const label = DATABASE_LABELS[connection.type];
  const what = 'path' in connection ? `${label} ${connection.path}` : label;
  let reached: DatabaseConnection = connection;
  for (const field of engine.files) {
    const value = connection[field];
    // A file field holds a path: the copy keeps the connection's shape.
    if (typeof value === 'string') reached = { ...reached, [field]: fileIn(projectDir, value) } as DatabaseConnection;
  }
  let onClose: (() => Promise<void>) | undefined;
  if ('url' in connection) {
    registerUrlSecrets(connection.url, redactor);
    redactor?.add(connection.ssh?.password, connection.ssh?.passphrase);
    if (connection.ssh) {
      const { ssh, url } = connection;
      const { openSshTunnel, urlHostPort, withHostPort } = await import('./ssh-tunnel.js');
      const tunnel = await openSshTunnel(ssh, urlHostPort(url, engine.defaultPort!), options).catch((e: unknown) => fail(`the SSH tunnel for ${what}`, e));
      reached = { ...connection, url: withHostPort(url, tunnel.host, tunnel.port) };
      onClose = tunnel.close;
    }
  }
  try {
    return await open(reached, { projectDir, redactor, onClose });
  } catch (e) {
    await onClose?.();
    return fail(what, e);
  }
}

/** A file path of the project: `:memory:` and absolute paths as they are, others relative to the project directory. */
function fileIn(projectDir: string, path: string): string {
  return path === ':memory:' || isAbsolute(path) ? path : resolve(projectDir, path);
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
