import type { LoadedProject } from '../config/load-project.js';
import { openHttpConnection } from './open-http-connection.js';
import { openSqlDatabase } from '../sources/open-sql-database.js';
import type { StateStore } from '../state/state-store.js';

/** The outcome of reaching a connection. */
export interface ConnectionTestResult {
  ok: boolean;
  message: string;
  ms: number;
}

/**
 * Reaches a connection: a database answers its version (as `sluice connections test`); an HTTP connection gets a GET
 * on its base URL with its credentials (an OAuth token is obtained or refreshed on the way).
 */
export async function testConnection(loaded: LoadedProject, store: StateStore, name: string): Promise<ConnectionTestResult> {
  const connection = loaded.project.connections[name]!;
  const started = performance.now();
  const done = (ok: boolean, message: string): ConnectionTestResult => ({ ok, message: loaded.redactor.mask(message), ms: Math.round(performance.now() - started) });
  try {
    if (connection.type !== 'http') {
      const db = await openSqlDatabase(connection, { projectDir: loaded.dir, redactor: loaded.redactor });
      try {
        return done(true, await db.test());
      } finally {
        await db.close();
      }
    }
    const spec = loaded.connectors[name]!.spec;
    const http = await openHttpConnection({ name, connection, spec, store, redactor: loaded.redactor });
    try {
      const url = http.baseUrl();
      const outcome = await http.client.send({ method: 'GET', url, headers: {} }, { classify: () => ({ action: 'success' }), auth: http.auth });
      if (!outcome.ok) return done(false, outcome.error);
      const { status } = outcome.response;
      const via = connection.auth.type === 'none' ? 'without credentials' : `with ${connection.auth.type} credentials`;
      if (status === 401 || status === 403) return done(false, `${new URL(url).host} refused the credentials (HTTP ${status})`);
      return done(status < 500, `${new URL(url).host} answered HTTP ${status} ${via}`);
    } finally {
      await http.close();
    }
  } catch (e) {
    return done(false, e instanceof Error ? e.message : String(e));
  }
}
