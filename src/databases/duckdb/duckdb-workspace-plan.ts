import type { DuckDBConnection } from '@duckdb/node-api';
import type { WorkspaceRows } from '../../sources/source.js';
import { stripTrailingSemicolons } from '../limit-zero-sql.js';

/** A DuckDB query and where it reads: its database file (or `:memory:`) and the folder relative file paths resolve against. */
export interface DuckdbQueryPlace {
  /** The database file (absolute) or `:memory:`. */
  path: string;
  fileSearchPath?: string;
  sql: string;
}

/**
 * A DuckDB query made readable in the planner's DuckDB workspace, as its Source reads it: the database file attached
 * read-only and made the default catalog (under the name DuckDB gives the file, so queries naming that catalog read
 * the same), relative file paths resolving against the same folder. Null when the query cannot run there.
 */
export async function duckdbWorkspacePlan(workspace: DuckDBConnection, place: DuckdbQueryPlace): Promise<WorkspaceRows | null> {
  const sql = stripTrailingSemicolons(place.sql);
  const home = String((await workspace.runAndReadAll('SELECT current_database()')).getRows()[0]![0]);
  let attached: string | null = null;
  const release = async () => {
    await workspace.run(`USE ${identifier(home)}`);
    if (attached) await workspace.run(`DETACH ${identifier(attached)}`).catch(() => undefined);
    if (place.fileSearchPath !== undefined) await workspace.run('RESET file_search_path');
  };
  try {
    if (place.fileSearchPath !== undefined) await workspace.run(`SET file_search_path = ${literal(place.fileSearchPath)}`);
    if (place.path !== ':memory:') {
      await workspace.run(`ATTACH ${literal(place.path)} (READ_ONLY)`);
      const found = await workspace.runAndReadAll('SELECT database_name FROM duckdb_databases() WHERE path = $1', [place.path]);
      attached = (found.getRows()[0]?.[0] as string | undefined) ?? null;
      if (!attached) throw new Error('attached database not found');
      await workspace.run(`USE ${identifier(attached)}`);
    }
    const prepared = await workspace.prepare(`SELECT * FROM (\n${sql}\n) AS sluice_q`);
    const columns = Array.from({ length: prepared.columnCount }, (_, i) => ({ name: prepared.columnName(i), type: prepared.columnType(i) }));
    prepared.destroySync();
    // Files read by a `:memory:` connection could change between two scans; an attached read-only file cannot.
    return { sql, columns, stable: place.path !== ':memory:', release };
  } catch {
    await release().catch(() => undefined);
    return null;
  }
}

const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;
const identifier = (name: string) => `"${name.replaceAll('"', '""')}"`;
