import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { didYouMean } from './closest-match.js';
import { ConfigError } from './config-error.js';
import { displayPath } from './display-path.js';
import type { LoadedProject } from './load-project.js';
import { quoteIdentifier, type SqlEngine } from './quote-identifier.js';
import { sqlFilePath } from './sql-file-path.js';

/**
 * The SQL text a sync reads (variables not yet resolved): its `from.sql` file (a path ending in .sql, relative
 * to the project) or inline SQL, or `SELECT * FROM <table>` for `from.table` with the name quoted for the engine.
 */
export async function readSyncQuery(loaded: LoadedProject, syncName: string): Promise<string> {
  const file = displayPath(loaded.file);
  const sync = loaded.project.syncs[syncName];
  if (!sync) {
    const names = Object.keys(loaded.project.syncs);
    throw new ConfigError([{ file, path: 'syncs', message: `unknown sync "${syncName}"${didYouMean(syncName, names) || ` (defined: ${names.join(', ') || 'none'})`}` }]);
  }
  const { from } = sync;
  if (from.sql !== undefined) {
    const path = sqlFilePath(from.sql);
    if (path === undefined) return from.sql;
    try {
      return await (loaded.files?.read(resolve(loaded.dir, path)) ?? readFile(resolve(loaded.dir, path), 'utf8'));
    } catch {
      throw new ConfigError([{ file, path: `syncs.${syncName}.from.sql`, message: `sql file "${path}" not found (looked for ${displayPath(resolve(loaded.dir, path))})` }]);
    }
  }
  if (from.table !== undefined) {
    const type = loaded.project.connections[from.connection]?.type;
    return `SELECT * FROM ${quoteTableName(from.table, type === 'http' ? undefined : type)}`;
  }
  throw new ConfigError([{ file, path: `syncs.${syncName}.from`, message: `sync ${syncName} reads the http stream "${from.stream}": it has no SQL` }]);
}

/** A possibly qualified table name (`schema.table`) quoted for the engine: "a"."b", `a`.`b`, or one BigQuery `p.d.t`. */
export function quoteTableName(name: string, engine: SqlEngine | undefined): string {
  // A BigQuery path is quoted whole: its project part may hold dashes.
  if (engine === 'bigquery') return quoteIdentifier(name, engine);
  return name
    .split('.')
    .map((part) => quoteIdentifier(part, engine))
    .join('.');
}
