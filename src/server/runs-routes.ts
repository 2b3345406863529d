import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { RejectedRow, RunDetail, RunRecord } from '../api/runs.js';
import type { NotificationAttempt } from '../state/state-store.js';
import { HttpError } from './http-error.js';
import { parseInput } from './parse-input.js';
import type { ManagedRun } from './run-manager.js';
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

/** Runs: the record (with live progress and the summary), Server-Sent Events while it runs, its rejected rows. */
export const runsRoutes: FastifyPluginAsync<{ ctx: ServerContext }> = async (app, { ctx }) => {
  const find = async (params: unknown) => {
    const { id } = parseInput(idParams, params, 'params');
    const record = await ctx.store.getRun(id);
    const managed = ctx.runs.get(id);
    if (!record && !managed) throw new HttpError(404, `no run "${id}"`);
    return { id, record, managed };
  };

  app.get('/api/runs/:id', async (request): Promise<RunDetail & { notifications: NotificationAttempt[] }> => {
    const { id, record, managed } = await find(request.params);
    return {
      ...(record ?? pendingRecord(managed!)),
      progress: managed && !managed.outcome ? managed.progress : null,
      summary: managed?.outcome ?? null,
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
      send('done', data);
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
          else send('record', r);
        },
        () => undefined,
      );
    }, pollMs);
    cleanups.push(() => clearInterval(poll));
  });

  app.get('/api/runs/:id/rejected', async (request): Promise<RejectedRow[]> => {
    const { id, record, managed } = await find(request.params);
    const name = record?.name ?? managed!.job.name;
    const rows = await ctx.store.listRejected(name, { limit: 1_000_000 });
    return ctx.redactor().maskValue(rows.filter((r) => r.runId === id));
  });
};
