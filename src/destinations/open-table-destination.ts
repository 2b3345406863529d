import type { Connection } from '../config/project-schema.js';
import { openDatabase, TABLE_DATABASE_TYPES } from '../databases/open-database.js';
import { parseTableName } from '../databases/table-name.js';
import type { Redactor } from '../log/redactor.js';
import type { Column } from '../rows/row.js';
import { type Destination } from './destination.js';
import { FatalDeliveryError } from '../rows/delivery-item.js';
import { createTableDestination, type LoadMode } from './table-destination.js';

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
  if (connection.type === 'http' || !TABLE_DATABASE_TYPES.includes(connection.type)) {
    const types = TABLE_DATABASE_TYPES.join(', ').replace(/, (?=[^,]*$)/, ' or ');
    throw new FatalDeliveryError(`a ${connection.type} connection cannot be a table destination (use ${types})`);
  }
  const engine = await openDatabase(
    connection,
    {
      projectDir: options.projectDir,
      redactor,
      failure: (what, e) => {
        const message = `cannot open ${what}: ${e instanceof Error ? e.message : String(e)}`;
        return new FatalDeliveryError(redactor ? redactor.mask(message) : message);
      },
    },
    'tableEngine',
  );
  try {
    return createTableDestination({ engine, table, key: options.key, columns: options.columns, loadMode: options.loadMode, redactor });
  } catch (e) {
    await engine.close();
    throw e;
  }
}
