import { z } from 'zod';
import { runKinds, shownStatuses, type RunRecord } from '../api/runs.js';
import type { RunQuery } from '../state/run-query.js';
import { HttpError } from './http-error.js';

// Run ids are `run_<time>_<random>`; a cursor's id is held to the same few characters.
const runIdPattern = /^[A-Za-z0-9_.:-]{1,100}$/;
const isoTime = z.iso.datetime({ offset: true }).transform((t) => new Date(t).toISOString());

/** GET /api/runs's query: every parameter bounded, unknown ones refused. */
export const runsQuery = z
  .strictObject({
    name: z.string().min(1).max(200).optional().describe('One sync\'s or pipeline\'s runs'),
    kind: z.enum(runKinds).optional().describe('sync: a sync\'s runs and its retries; pipeline; retry: retries only'),
    status: z.enum(shownStatuses).optional().describe('partial: delivered some rows and failed others; failed and succeeded then leave those out'),
    since: isoTime.optional().describe('Runs started at or after this ISO time'),
    until: isoTime.optional().describe('Runs started before this ISO time'),
    limit: z.coerce.number().int().min(1).max(500).default(50).describe('Runs per page (1..500)'),
    cursor: z.string().max(300).optional().describe('The nextCursor of the previous page'),
  })
  .refine((q) => !q.since || !q.until || q.since < q.until, { message: 'since must be before until', path: ['since'] });

/** A page's cursor: where the next page goes on, opaque to clients (base64url of the last run's start and id). */
export function encodeCursor(run: Pick<RunRecord, 'startedAt' | 'id'>): string {
  return Buffer.from(JSON.stringify([run.startedAt, run.id])).toString('base64url');
}

/** The run a cursor names; a cursor this server did not give is a 400. */
export function decodeCursor(cursor: string): { startedAt: string; id: string } {
  const refused = new HttpError(400, 'query.cursor: not a cursor this server gave (use nextCursor as it came)');
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw refused;
  }
  if (!Array.isArray(value) || value.length !== 2) throw refused;
  const [startedAt, id] = value as unknown[];
  if (typeof startedAt !== 'string' || typeof id !== 'string' || !runIdPattern.test(id) || !isoTime.safeParse(startedAt).success) throw refused;
  return { startedAt: new Date(startedAt).toISOString(), id };
}

/** The store query of a parsed GET /api/runs query (one more run than the page, to know whether another follows). */
export function toRunQuery(q: z.infer<typeof runsQuery>): RunQuery {
  const kinds = q.kind === 'sync' ? (['sync', 'retry'] as const) : q.kind ? [q.kind] : undefined;
  const query: RunQuery = { name: q.name, kinds, since: q.since, until: q.until, limit: q.limit + 1 };
  if (q.cursor) query.after = decodeCursor(q.cursor);
  if (q.status === 'partial') query.partial = true;
  else if (q.status) {
    query.status = q.status;
    if (q.status === 'succeeded' || q.status === 'failed') query.partial = false;
  }
  return query;
}
