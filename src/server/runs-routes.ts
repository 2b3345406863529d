import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { RejectedRow, RunDetail, RunOutcome, RunRecord, RunsPage } from '../api/runs.js';
import type { NotificationAttempt, StateStore } from '../state/state-store.js';
import { withRunEndCode } from '../sync/run-end-messages.js';
import { sweepStaleRuns } from '../sync/sweep-stale-runs.js';
import { HttpError } from './http-error.js';
import { parseInput } from './parse-input.js';
import type { ManagedRun } from './run-manager.js';
import { encodeCursor, runsQuery, toRunQuery } from './runs-query.js';
import type { ServerContext } from './server-context.js';

const idParams = z.object({ id: z.string() });
const pollMs = 1000;
const heartbeatMs = 15_000;

/** The record of a run this server started but whose record the engine has not written yet (queued on a worker). */
function pendingRecord(run: ManagedRun): RunRecord {
  return {
    id: run.job.runId,
    kind: run.job.kind,
    name: run.job.name,
    status: run.outcome ? 'failed' : 'queued',
    trigger: run.job.trigger,
    startedAt: run.startedAt,
    finishedAt: null,
    counts: { planned: 0, added: 0, changed: 0, removed: 0, unchanged: 0, delivered: 0, failed: 0, invalid: 0 },
    error: run.outcome && 'error' in run.outcome ? run.outcome.error : null,
    attempt: 0,
  };
}

/** A run's outcome (a summary, or a record and an error) with the code and params of each error it says. */
function withRunEndCodes(outcome: unknown): unknown {
  if (!outcome || typeof outcome !== 'object') return outcome;
  const o = outcome as RunOutcome;
  return { ...withRunEndCode(o), ...(o.run ? { run: withRunEndCode(o.run) } : {}) };
}

const rejectedSome = (r: RunRecord) => r.counts.failed + r.counts.invalid > 0;

/**
 * The runs linked to a sync's run by retries: a retry sends again every rejected row its sync holds, so it retries the
 * newest run before it that rejected rows; that run's retries are the retries after it, up to the next run that
 * rejected rows (itself included when it is a retry).
 */
async function retryLinks(store: StateStore, run: RunRecord): Promise<{ retryOf: string | null; retries: string[] }> {
  if (run.kind === 'pipeline') return { retryOf: null, retries: [] };
  const near = { name: run.name, kinds: ['sync', 'retry'] as const, after: { startedAt: run.startedAt, id: run.id }, limit: 50 };
  const retryOf = run.kind === 'retry' ? ((await store.findRuns(near)).find(rejectedSome)?.id ?? null) : null;
  const retries: string[] = [];
  if (rejectedSome(run)) {
    for (const later of await store.findRuns({ ...near, oldestFirst: true })) {
      if (later.kind === 'retry') retries.push(later.id);
      if (rejectedSome(later)) break;
    }
  }
  return { retryOf, retries };
}

/** Runs: the record (with live progress and the summary), Server-Sent Events while it runs, its rejected rows. */
export const runsRoutes: FastifyPluginAsync<{ ctx: ServerContext }> = async (app, { ctx }) => {
  const find = async (params: unknown) => {
    const { id } = parseInput(idParams, params, 'params');
    const record = await ctx.store.getRun(id);
    const managed = ctx.runs.get(id);
    if (!record && !managed) throw new HttpError(404, `no run "${id}"`, { code: 'unknown_name', params: { what: 'run', name: id } });
    return { id, record, managed };
  };

  // One page of runs across syncs and pipelines (or of one), filtered by kind, status and start time.
  app.get('/api/runs', async (request): Promise<RunsPage> => {
    const q = parseInput(runsQuery, request.query, 'query');
    if (q.name) await sweepStaleRuns(ctx.store, q.name, { env: ctx.env });
    const found = await ctx.store.findRuns(toRunQuery(q));
    const runs = found.slice(0, q.limit);
    return { runs: runs.map(withRunEndCode), nextCursor: found.length > q.limit ? encodeCursor(runs[runs.length - 1]!) : null };
  });

  app.get('/api/runs/:id', async (request): Promise<RunDetail & { notifications: NotificationAttempt[] }> => {
    const { id, record, managed } = await find(request.params);
    return {
      ...withRunEndCode(record ?? pendingRecord(managed!)),
      ...(record ? await retryLinks(ctx.store, record) : { retryOf: null, retries: [] }),
      progress: managed && !managed.outcome ? managed.progress : null,
      summary: (withRunEndCodes(managed?.outcome) as RunOutcome | undefined) ?? null,
      // Each attempt at the run's `notify:` targets, once it has ended.
      notifications: record?.finishedAt ? await ctx.store.listNotifications([id]) : [],
    };
  });

  app.get('/api/runs/:id/events', async (request, reply) => {
    const { id, record } = await find(request.params);
    const mask = ctx.redactor();
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    const send = (event: string, data: unknown) => raw.write(`event: ${event}\ndata: ${JSON.stringify(mask.maskValue(data))}\n\n`);
    const cleanups: (() => void)[] = [];
    let ended = false;
    const finish = (data: unknown) => {
      if (ended) return;
      ended = true;
      send('done', withRunEndCodes(data));
      for (const c of cleanups) c();
      raw.end();
    };
    request.raw.on('close', () => cleanups.forEach((c) => c()));
    const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), heartbeatMs);
    cleanups.push(() => clearInterval(heartbeat));

    // Looked up again after the awaits above: the run may have finished meanwhile.
    const managed = ctx.runs.get(id);
    if (managed) {
      if (managed.outcome) return finish(managed.outcome);
      if (managed.progress) send('progress', managed.progress);
      cleanups.push(ctx.runs.subscribe(id, (event) => (event.type === 'done' ? finish(event.data) : send(event.type, event.data))));
      return;
    }
    if (record?.finishedAt) return finish({ run: record });
    // A run started elsewhere: another server on the same queue (its progress comes through Redis), or the CLI.
    // Its record, polled, says when it ends.
    cleanups.push(ctx.runs.follow(id, (event) => send(event.type, event.data)));
    const poll = setInterval(() => {
      ctx.store.getRun(id).then(
        (r) => {
          if (!r) return;
          if (r.finishedAt) finish({ run: r });
          else send('record', withRunEndCode(r));
        },
        () => undefined,
      );
    }, pollMs);
    cleanups.push(() => clearInterval(poll));
  });

  // Stops a run this server runs, or (with a queue) any run a worker runs: its signal reaches the engine, which ends it
  // as cancelled after the rows in flight.
  app.post('/api/runs/:id/cancel', async (request, reply) => {
    const { id, record, managed } = await find(request.params);
    if (managed?.job.kind === 'retry' && !managed.outcome) throw new HttpError(409, `run "${id}" is a retry, which cannot be cancelled; it ends once its rows are sent again`);
    const answer = await ctx.runs.cancel(id);
    if (answer === 'elsewhere') throw new HttpError(409, `run "${id}" runs on a queue worker, which this server cannot stop`);
    if (answer === 'not-running') {
      const status = (await ctx.store.getRun(id))?.status ?? record?.status;
      throw new HttpError(409, status === 'running' || status === 'queued' ? `run "${id}" was not started by this server (the CLI or another server runs it)` : `run "${id}" is not running (${status ?? 'ended'})`);
    }
    return reply.code(202).send({ runId: id });
  });

  app.get('/api/runs/:id/rejected', async (request): Promise<RejectedRow[]> => {
    const { id, record, managed } = await find(request.params);
    const name = record?.name ?? managed!.job.name;
    const rows = await ctx.store.listRejected(name, { limit: 1_000_000 });
    return ctx.redactor().maskValue(rows.filter((r) => r.runId === id));
  });
};
