import { openDatabase, type DatabaseConnection, type OpenDatabaseOptions } from './open-database.js';
import type { SqlDatabase } from './sql-database.js';

/** Opens the reader of a connection's database (queries as sources, SQL steps); a failure is the driver's own error. */
export function openSqlDatabase(connection: DatabaseConnection, options: Omit<OpenDatabaseOptions, 'failure'>): Promise<SqlDatabase> {
  return openDatabase(connection, options, 'reader');
}
