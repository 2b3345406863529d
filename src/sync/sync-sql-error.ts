import type { Sync } from '../config/project-schema.js';
import { sqlFilePath } from '../config/sql-file-path.js';
import { SqlQueryError } from '../databases/sql-query-error.js';
import type { Source } from '../sources/source.js';

/**
 * The engine's refusal of a sync's SQL in the user's words, naming the sync and where its SQL is written:
 * `sync top_scan: queries/top_scan.sql:3:6: syntax error at or near "users"`, `inline SQL of sync top_scan (line 3,
 * column 6): ...`, or `sync top_scan: table customers: ...`. Other errors come back unchanged.
 */
export function syncSqlError(error: unknown, sync: string, from: Sync['from']): unknown {
  if (!(error instanceof SqlQueryError)) return error;
  const { place } = error;
  const file = from.sql !== undefined ? sqlFilePath(from.sql) : undefined;
  let where: string;
  if (file !== undefined) {
    where = `sync ${sync}: ${file}${place ? `:${place.line}${place.column !== undefined ? `:${place.column}` : ''}` : ''}`;
  } else if (from.sql !== undefined) {
    where = `inline SQL of sync ${sync}${place ? ` (line ${place.line}${place.column !== undefined ? `, column ${place.column}` : ''})` : ''}`;
  } else {
    where = `sync ${sync}: table ${from.table}`;
  }
  return new SqlQueryError(`${where}: ${error.message}`, place, { cause: error });
}

/** The source with its SQL errors worded by syncSqlError. */
export function withSyncSqlErrors(source: Source, sync: string, from: Sync['from']): Source {
  const place = (e: unknown): never => {
    throw syncSqlError(e, sync, from);
  };
  return {
    describe: () => source.describe().catch(place),
    async *read(options) {
      try {
        yield* source.read(options);
      } catch (e) {
        place(e);
      }
    },
    ...(source.complete !== undefined ? { complete: source.complete } : {}),
    ...(source.planInWorkspace ? { planInWorkspace: source.planInWorkspace.bind(source) } : {}),
  };
}
