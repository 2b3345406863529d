import { isAbsolute, resolve } from 'node:path';
import type { Connection } from '../config/project-schema.js';
import type { Redactor } from '../log/redactor.js';
import type { Column } from '../rows/row.js';
import { openSshTunnel, urlHostPort, withHostPort } from '../databases/ssh-tunnel.js';
import { FatalDeliveryError, type Destination } from './destination.js';
import { openDuckdbTableDestination } from '../databases/duckdb/duckdb-table-destination.js';
import { openMysqlTableDestination } from '../databases/mysql/mysql-table-destination.js';
import { openPostgresTableDestination } from '../databases/postgres/postgres-table-destination.js';
import { openSqliteTableDestination } from '../databases/sqlite/sqlite-table-destination.js';
import type { LoadMode } from './table-destination.js';
import { parseTableName } from '../databases/table-name.js';

/** Options of openTableDestination. */
export interface OpenTableDestinationOptions {
  /** A database connection of the project (duckdb, sqlite, postgres or mysql). */
  connection: Connection;
  /** The table, optionally schema-qualified: `sf_leads`, `analytics.sf_leads`. */
  table: string;
  /** Key columns (source names after mapping); empty for append-only tables. */
  key: string[];
  /**
   * The source's columns after mapping renames: the table is created or extended from them. Empty for a read that
   * returned no records: the existing table's columns are used, and a missing table is not created.
   */
  columns: Column[];
  /** Relative DuckDB and SQLite paths resolve against it. */
  projectDir: string;
  /** Learns the connection's password so that no message shows it. */
  redactor?: Redactor;
  loadMode?: LoadMode;
}

/** Opens a database table as a sync destination; the table is created or extended at the first write. */
export async function openTableDestination(options: OpenTableDestinationOptions): Promise<Destination> {
  const { connection, redactor } = options;
  let table;
  try {
    table = parseTableName(options.table);
  } catch (e) {
    throw new FatalDeliveryError((e as Error).message);
  }
  const spec = { table, key: options.key, columns: options.columns, loadMode: options.loadMode, redactor };
  const file = (p: string) => (p === ':memory:' || isAbsolute(p) ? p : resolve(options.projectDir, p));
  const fail = (e: unknown, what: string): never => {
    const message = `cannot open ${what}: ${e instanceof Error ? e.message : String(e)}`;
    throw e instanceof FatalDeliveryError ? e : new FatalDeliveryError(redactor ? redactor.mask(message) : message);
  };
  switch (connection.type) {
    case 'duckdb':
      return openDuckdbTableDestination({ ...spec, path: file(connection.path) }).catch((e) => fail(e, `DuckDB ${connection.path}`));
    case 'sqlite':
      return openSqliteTableDestination({ ...spec, path: file(connection.path) }).catch((e) => fail(e, `SQLite ${connection.path}`));
    case 'postgres':
    case 'mysql': {
      redactor?.add(urlPassword(connection.url), connection.ssh?.password, connection.ssh?.passphrase);
      const open = connection.type === 'postgres' ? openPostgresTableDestination : openMysqlTableDestination;
      const what = connection.type === 'postgres' ? 'PostgreSQL' : 'MySQL';
      if (!connection.ssh) return open({ ...spec, url: connection.url }).catch((e) => fail(e, what));
      const tunnel = await openSshTunnel(connection.ssh, urlHostPort(connection.url, connection.type === 'postgres' ? 5432 : 3306), options).catch(
        (e) => fail(e, `the SSH tunnel for ${what}`),
      );
      try {
        return closingAlso(await open({ ...spec, url: withHostPort(connection.url, tunnel.host, tunnel.port) }), tunnel.close);
      } catch (e) {
        await tunnel.close();
        return fail(e, what);
      }
    }
    default:
      throw new FatalDeliveryError(`a ${connection.type} connection cannot be a table destination (use duckdb, sqlite, postgres or mysql)`);
  }
}

function urlPassword(url: string): string | undefined {
  try {
    const p = new URL(url).password;
    return p ? decodeURIComponent(p) : undefined;
  } catch {
    return undefined;
  }
}

/** The destination, whose close also closes what it runs through (an SSH tunnel). */
function closingAlso(destination: Destination, close: () => Promise<void>): Destination {
  return {
    supports: (op) => destination.supports(op),
    batchSize: (op) => destination.batchSize(op),
    concurrency: destination.concurrency,
    write: (items, o) => destination.write(items, o),
    preview: (items) => destination.preview(items),
    close: async () => {
      try {
        await destination.close();
      } finally {
        await close();
      }
    },
  };
}
