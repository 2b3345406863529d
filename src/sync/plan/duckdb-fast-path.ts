import { isAbsolute, resolve } from 'node:path';
import type { LoadedProject } from '../../config/load-project.js';
import { readSyncQuery } from '../../config/read-sync-query.js';
import { resolveSqlVariables } from '../../config/resolve-sql-variables.js';
import type { RunInfo } from '../open-sync-endpoints.js';
import type { DuckdbFastPath } from './plan-sync.js';

/** The query of a sync reading from a DuckDB connection, resolved as its Source runs it; undefined for other sources. */
export async function duckdbFastPath(loaded: LoadedProject, name: string, run: RunInfo, vars?: Record<string, string>): Promise<DuckdbFastPath | undefined> {
  const sync = loaded.project.syncs[name];
  const connection = sync && loaded.project.connections[sync.from.connection];
  if (!sync || connection?.type !== 'duckdb' || connection.path.startsWith('md:')) return undefined;
  const sql = resolveSqlVariables(await readSyncQuery(loaded, name), sync.from.variables, {
    overrides: vars,
    runId: run.id,
    now: new Date(run.started_at),
    engine: 'duckdb',
  });
  const path = connection.path === ':memory:' || isAbsolute(connection.path) ? connection.path : resolve(loaded.dir, connection.path);
  return { duckdbPath: path, projectDir: loaded.dir, sql };
}
