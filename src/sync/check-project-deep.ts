import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { checkSyncColumns } from '../config/check-sync-columns.js';
import { ConfigError, type ConfigIssue } from '../config/config-error.js';
import { displayPath } from '../config/display-path.js';
import type { LoadedProject } from '../config/load-project.js';
import { parseYaml, type YamlFile } from '../config/load-yaml.js';
import type { Sync } from '../config/project-schema.js';
import { readSyncQuery } from '../config/read-sync-query.js';
import { resolveSqlVariables } from '../config/resolve-sql-variables.js';
import { sqlFilePath } from '../config/sql-file-path.js';
import { templatePosition } from '../config/template-position.js';
import { testConnection } from '../connectors/test-connection.js';
import { openSqlDatabase } from '../databases/open-sql-database.js';
import type { SqlDatabase } from '../databases/sql-database.js';
import { SqlQueryError } from '../databases/sql-query-error.js';
import type { StateStore } from '../state/state-store.js';
import { syncEndpoints } from './open-sync-endpoints.js';

/** What `sluice validate --deep` found, besides what loading the project checks. */
export interface DeepCheck {
  issues: ConfigIssue[];
  /** Connections that answered. */
  reached: string[];
  /** Syncs whose columns were learnt and checked. */
  checked: string[];
}

/**
 * Checks what only the real systems can tell: each connection answers (its connection test; one that does not is an
 * issue, and the others are still checked), each sync's query runs (with LIMIT 0, so no row is read) and gives the
 * columns its mapping, key and endpoint templates (`row.X`) read. Sends nothing to an API but connection tests.
 */
export async function checkProjectDeep(loaded: LoadedProject, store: StateStore): Promise<DeepCheck> {
  const yaml = parseYaml(await readFile(loaded.file, 'utf8'), displayPath(loaded.file));
  const issues: ConfigIssue[] = [];
  const reached: string[] = [];
  const checked: string[] = [];
  for (const name of Object.keys(loaded.project.connections)) {
    const result = await testConnection(loaded, store, name);
    if (result.ok) reached.push(name);
    else issues.push(yaml.issue(['connections', name], `connection "${name}" cannot be reached: ${result.message}`, 'key'));
  }

  const databases = new Map<string, SqlDatabase>();
  try {
    for (const [name, sync] of Object.entries(loaded.project.syncs)) {
      const source = loaded.project.connections[sync.from.connection];
      // A stream's columns are known only by reading it; an unreachable connection is reported once, above.
      if (!source || source.type === 'http' || !reached.includes(sync.from.connection)) continue;
      let db = databases.get(sync.from.connection);
      if (!db) {
        db = await openSqlDatabase(source, { projectDir: loaded.dir, redactor: loaded.redactor });
        databases.set(sync.from.connection, db);
      }
      let columns: string[];
      try {
        const sql = resolveSqlVariables(await readSyncQuery(loaded, name), sync.from.variables, {
          runId: 'validate',
          now: new Date(),
          engine: source.type,
        });
        columns = (await db.query(sql).describe()).map((c) => c.name);
      } catch (e) {
        issues.push(...queryIssues(e, name, sync, yaml, loaded.dir));
        continue;
      }
      const connector = loaded.connectors[sync.to.connection];
      const endpoints = connector ? Object.values(syncEndpoints(sync, connector.spec.endpoints)).filter((e) => e !== undefined) : [];
      issues.push(...checkSyncColumns({ name, sync, columns, projectYaml: yaml, connector, endpoints }));
      checked.push(name);
    }
  } finally {
    for (const db of databases.values()) await db.close().catch(() => undefined);
  }
  return { issues: issues.map((i) => ({ ...i, message: loaded.redactor.mask(i.message) })), reached, checked };
}

/** A query that does not run, placed where its SQL is written: the SQL file's line, or inside sluice.yaml. */
function queryIssues(error: unknown, name: string, sync: Sync, yaml: YamlFile, dir: string): ConfigIssue[] {
  if (error instanceof ConfigError) return error.issues;
  // The key path names the sync.
  const message = error instanceof Error ? error.message : String(error);
  const { from } = sync;
  if (!(error instanceof SqlQueryError)) return [yaml.issue(['syncs', name, 'from', 'connection'], message)];
  const place = error.place;
  const file = from.sql !== undefined ? sqlFilePath(from.sql) : undefined;
  if (file !== undefined) {
    return [{ file: displayPath(resolve(dir, file)), ...(place ? { line: place.line, column: place.column ?? 1 } : {}), path: `syncs.${name}.from.sql`, message }];
  }
  const key = from.sql !== undefined ? 'sql' : 'table';
  const path = ['syncs', name, 'from', key];
  // Lines of a block scalar (`sql: |`) are lines of the file; in a one-line value they are only the SQL's own.
  if (place && yaml.scalar(path)?.style === 'block') {
    return [{ file: yaml.file, ...templatePosition(yaml, path, { line: place.line, column: place.column ?? 1 }), path: path.join('.'), message }];
  }
  const within = place ? `line ${place.line}${place.column !== undefined ? `, column ${place.column}` : ''} of the SQL: ` : '';
  return [yaml.issue(path, `${within}${message}`)];
}
