import type { LoadedProject } from '../config/load-project.js';
import { readSyncQuery } from '../config/read-sync-query.js';
import { resolveSqlVariables } from '../config/resolve-sql-variables.js';
import { openSqlDatabase } from '../databases/open-sql-database.js';
import type { Column, Row } from '../rows/row.js';
import type { Source } from '../sources/source.js';
import type { StateStore } from '../state/state-store.js';

/** The first rows a sync's source yields (its SQL query, table or HTTP stream), with their columns; nothing is recorded. */
export async function sampleSync(options: { loaded: LoadedProject; store: StateStore; sync: string; limit: number }): Promise<{ columns: Column[]; rows: Row[] }> {
  const { loaded, store, sync: name, limit } = options;
  const sync = loaded.project.syncs[name]!;
  const connection = loaded.project.connections[sync.from.connection]!;
  const run = { id: 'sample', started_at: new Date().toISOString() };
  let source: Source;
  let close: () => Promise<void>;
  if (connection.type === 'http') {
    const { openHttpStreamSource } = await import('../sources/http-stream-source.js');
    // The sync's own cursor scope, so the sample is what the next run would read; the cursor is never committed here.
    const stream = await openHttpStreamSource({ loaded, connectionName: sync.from.connection, stream: sync.from.stream!, store, scope: `sync:${name}`, run, vars: {} });
    source = stream;
    close = () => stream.close();
  } else {
    const sql = resolveSqlVariables(await readSyncQuery(loaded, name), sync.from.variables, { runId: run.id, now: new Date(run.started_at), engine: connection.type });
    const db = await openSqlDatabase(connection, { projectDir: loaded.dir, redactor: loaded.redactor });
    source = db.query(sql);
    close = () => db.close();
  }
  try {
    const rows: Row[] = [];
    for await (const batch of source.read({ batchSize: Math.max(1, limit) })) {
      rows.push(...batch.slice(0, limit - rows.length));
      if (rows.length >= limit) break;
    }
    return { columns: await source.describe(), rows };
  } finally {
    await close();
  }
}
