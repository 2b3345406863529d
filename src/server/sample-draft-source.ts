import type { LoadedProject } from '../config/load-project.js';
import type { Variable } from '../config/project-schema.js';
import { quoteTableName } from '../config/read-sync-query.js';
import { resolveSqlVariables } from '../config/resolve-sql-variables.js';
import { openSqlDatabase } from '../databases/open-sql-database.js';
import { stripTrailingSemicolons } from '../databases/limit-zero-sql.js';
import type { Column, Row } from '../rows/row.js';
import type { Source } from '../sources/source.js';
import type { StateStore } from '../state/state-store.js';
import { HttpError } from './http-error.js';
import { readOnlySqlProblem } from './read-only-sql.js';

/** The most rows a draft's sample returns, and how long it may take. */
export const MAX_DRAFT_SAMPLE_ROWS = 100;
export const DRAFT_SAMPLE_TIMEOUT_MS = 30_000;
/** A longer text value is cut in a sample (it is for reading, not for sending). */
export const MAX_SAMPLE_VALUE_CHARS = 2000;

/** What a draft sync reads: one of a query's text, a table or a stream of a connection. */
export interface DraftSource {
  connection: string;
  sql?: string;
  table?: string;
  stream?: string;
  variables?: Record<string, Variable>;
}

/**
 * A value as a sample shows it, bounded: a long text cut with "…", bytes as their count, a bigint as its digits
 * (JSON has none), an object by its JSON when short, else that JSON cut.
 */
function sampleValue(value: unknown): unknown {
  const cut = (text: string) => (text.length > MAX_SAMPLE_VALUE_CHARS ? `${text.slice(0, MAX_SAMPLE_VALUE_CHARS)}…` : text);
  if (typeof value === 'string') return cut(value);
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return `<${value.byteLength} bytes>`;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value !== null && typeof value === 'object') {
    const json = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    return json.length > MAX_SAMPLE_VALUE_CHARS ? cut(json) : value;
  }
  return value;
}

/**
 * The first rows of a source that is not saved yet (the wizard's SQL editor): the query must only read (see
 * readOnlySqlProblem), runs wrapped in a LIMIT, and is stopped after DRAFT_SAMPLE_TIMEOUT_MS; nothing is recorded.
 */
export async function sampleDraftSource(options: {
  loaded: LoadedProject;
  store: StateStore;
  from: DraftSource;
  limit: number;
  timeoutMs?: number;
}): Promise<{ columns: Column[]; rows: Row[] }> {
  const { loaded, from } = options;
  const limit = Math.min(Math.max(1, options.limit), MAX_DRAFT_SAMPLE_ROWS);
  const connection = loaded.project.connections[from.connection];
  if (!connection) throw new HttpError(400, `body.from.connection: no connection "${from.connection}" in sluice.yaml`);
  const given = [from.sql, from.table, from.stream].filter((x) => x !== undefined).length;
  if (given !== 1) throw new HttpError(400, 'body.from: give exactly one of sql, table or stream');
  const run = { id: 'sample', started_at: new Date().toISOString() };
  const signal = AbortSignal.timeout(options.timeoutMs ?? DRAFT_SAMPLE_TIMEOUT_MS);
  let source: Source;
  let close: () => Promise<void>;
  if (connection.type === 'http') {
    if (from.stream === undefined) throw new HttpError(400, `body.from: connection "${from.connection}" is an HTTP API: it is read by a stream`);
    const stream = loaded.connectors[from.connection]?.spec.streams[from.stream];
    if (!stream) throw new HttpError(400, `body.from.stream: the connector of "${from.connection}" has no stream "${from.stream}"`);
    const { openHttpStreamSource } = await import('../sources/http-stream-source.js');
    // A scope of its own: no sync's cursor is read, so the sample starts where a first run would.
    const opened = await openHttpStreamSource({ loaded, connectionName: from.connection, stream: from.stream, store: options.store, scope: 'draft-sample', run, vars: {} });
    source = opened;
    close = () => opened.close();
  } else {
    if (from.stream !== undefined) throw new HttpError(400, `body.from: connection "${from.connection}" is a database: it is read by sql or table`);
    const text = from.sql ?? `SELECT * FROM ${quoteTableName(from.table!, connection.type)}`;
    const sql = resolveSqlVariables(text, from.variables ?? {}, { runId: run.id, now: new Date(run.started_at), engine: connection.type });
    const problem = readOnlySqlProblem(sql, connection.type);
    if (problem) throw new HttpError(400, `body.from.sql: ${problem}`);
    const db = await openSqlDatabase(connection, { projectDir: loaded.dir, redactor: loaded.redactor });
    // The newlines keep a trailing `-- comment` from swallowing the wrapper; the LIMIT lets the database stop early.
    source = db.query(`SELECT * FROM (\n${stripTrailingSemicolons(sql)}\n) AS sluice_sample LIMIT ${limit}`);
    close = () => db.close();
  }
  const timedOut = () => new HttpError(422, `the sample took longer than ${(options.timeoutMs ?? DRAFT_SAMPLE_TIMEOUT_MS) / 1000} s and was stopped`);
  try {
    const rows: Row[] = [];
    for await (const batch of source.read({ batchSize: limit, signal })) {
      for (const row of batch.slice(0, limit - rows.length)) rows.push(Object.fromEntries(Object.entries(row).map(([k, v]) => [k, sampleValue(v)])));
      if (rows.length >= limit) break;
    }
    const columns = await Promise.race([
      source.describe(),
      new Promise<never>((_, reject) => {
        if (signal.aborted) reject(timedOut());
        signal.addEventListener('abort', () => reject(timedOut()), { once: true });
      }),
    ]);
    return { columns, rows };
  } catch (e) {
    if (signal.aborted) throw timedOut();
    throw e;
  } finally {
    await close();
  }
}
