import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

/** How to open a DuckDB database. */
export interface OpenDuckdbOptions {
  /** Through DuckDB's instance cache, so that another opener of the same file in this process shares one database. */
  cached?: boolean;
  /** Where relative file paths inside queries (`read_csv('data/x.csv')`) resolve: the project directory. */
  fileSearchPath?: string;
}

/** Opens a DuckDB database file (created when missing, with its folder), `:memory:` or a MotherDuck `md:` database. */
export async function openDuckdbInstance(path: string, options: OpenDuckdbOptions = {}): Promise<DuckDBInstance> {
  if (path !== ':memory:' && !path.startsWith('md:')) await mkdir(dirname(path), { recursive: true });
  const settings: Record<string, string> = options.fileSearchPath ? { file_search_path: options.fileSearchPath } : {};
  // An in-memory database is private to its opener: the cache would hand the same one to every caller.
  return options.cached && path !== ':memory:' ? DuckDBInstance.fromCache(path, settings) : DuckDBInstance.create(path, settings);
}
