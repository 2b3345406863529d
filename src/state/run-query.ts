import type { RunKind, RunStatus } from '../api/runs.js';

/** Which runs `findRuns` returns, newest first (or oldest first), one page at a time. */
export interface RunQuery {
  /** One sync's or pipeline's runs; every run when absent. */
  name?: string;
  kinds?: readonly RunKind[];
  status?: RunStatus;
  /** true: only runs that delivered some rows and failed others (failed or invalid); false: no such run. */
  partial?: boolean;
  /** Runs started at or after this ISO time. */
  since?: string;
  /** Runs started before this ISO time. */
  until?: string;
  /** The last run of the previous page: the page goes on after it (in the order asked). */
  after?: { startedAt: string; id: string };
  oldestFirst?: boolean;
  limit: number;
}

/**
 * The WHERE and ORDER BY of a RunQuery for either store, with its parameters in order. `startedAt` is the column as
 * compared (Postgres keeps microseconds, a cursor milliseconds: it is compared truncated); `time` casts a parameter.
 */
export function runQuerySql(
  query: RunQuery,
  dialect: { placeholder: (n: number) => string; startedAt: string; time: (p: string) => string },
): { where: string; order: string; params: unknown[] } {
  const params: unknown[] = [];
  const p = (value: unknown) => {
    params.push(value);
    return dialect.placeholder(params.length);
  };
  const clauses: string[] = [];
  const at = dialect.startedAt;
  if (query.name !== undefined) clauses.push(`name = ${p(query.name)}`);
  if (query.kinds?.length) clauses.push(`kind IN (${query.kinds.map((k) => p(k)).join(', ')})`);
  if (query.status !== undefined) clauses.push(`status = ${p(query.status)}`);
  const partial = `(status IN ('succeeded', 'failed') AND delivered > 0 AND failed + invalid > 0)`;
  if (query.partial === true) clauses.push(partial);
  if (query.partial === false) clauses.push(`NOT ${partial}`);
  if (query.since !== undefined) clauses.push(`${at} >= ${dialect.time(p(query.since))}`);
  if (query.until !== undefined) clauses.push(`${at} < ${dialect.time(p(query.until))}`);
  if (query.after) {
    // Each parameter once in the text: SQLite's `?` are bound in order.
    const { startedAt, id } = query.after;
    const op = query.oldestFirst ? '>' : '<';
    clauses.push(`(${at} ${op} ${dialect.time(p(startedAt))} OR (${at} = ${dialect.time(p(startedAt))} AND id ${op} ${p(id)}))`);
  }
  const dir = query.oldestFirst ? 'ASC' : 'DESC';
  return {
    where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '',
    order: `ORDER BY ${at} ${dir}, id ${dir} LIMIT ${p(query.limit)}`,
    params,
  };
}
