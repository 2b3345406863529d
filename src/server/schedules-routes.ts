import { Cron } from 'croner';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { ScheduleSummary } from '../api/schedules.js';
import { HttpError } from './http-error.js';
import { parseInput } from './parse-input.js';
import { runLock } from './run-manager.js';
import { schedulePausedAt, setSchedulePaused } from './schedule-pause.js';
import { scheduledItems } from './scheduler.js';
import type { ServerContext } from './server-context.js';

const itemParams = z.object({ kind: z.enum(['sync', 'pipeline']), name: z.string().min(1).max(200) });

/** The next `count` times of a cron expression in a zone; none when croner cannot read it. */
function nextRuns(schedule: string, timezone: string, count: number): string[] {
  try {
    return new Cron(schedule, { timezone, paused: true }).nextRuns(count).map((d) => d.toISOString());
  } catch {
    return [];
  }
}

/** Schedules: every scheduled sync and pipeline with its next runs; pause and resume (the scheduler skips a paused one). */
export const schedulesRoutes: FastifyPluginAsync<{ ctx: ServerContext }> = async (app, { ctx }) => {
  const timezone = () => ctx.scheduler?.timezone ?? (ctx.env.SLUICE_TIMEZONE || 'UTC');

  app.get('/api/schedules', async (): Promise<ScheduleSummary[]> => {
    const loaded = await ctx.load();
    const zone = timezone();
    return Promise.all(
      scheduledItems(loaded.project).map(async (item) => {
        const kinds = item.kind === 'sync' ? ['sync', 'retry'] as const : ['pipeline'] as const;
        const [lastRun] = await ctx.store.findRuns({ name: item.name, kinds, limit: 1 });
        return {
          kind: item.kind,
          name: item.name,
          schedule: item.schedule,
          // A sync's own timezone, else the server's.
          timezone: item.timezone ?? zone,
          nextRuns: nextRuns(item.schedule, item.timezone ?? zone, 3),
          pausedAt: await schedulePausedAt(ctx.store, item.kind, item.name),
          lastRun: lastRun ?? null,
          runningRunId: ctx.runs.holder(runLock(item.kind, item.name)) ?? null,
        };
      }),
    );
  });

  const pauseRoute = (paused: boolean) => async (request: { params: unknown }) => {
    const { kind, name } = parseInput(itemParams, request.params, 'params');
    const loaded = await ctx.load();
    if (!scheduledItems(loaded.project).some((i) => i.kind === kind && i.name === name)) {
      throw new HttpError(404, `no scheduled ${kind} "${name}"`, { code: 'unknown_name', params: { what: `scheduled ${kind}`, name } });
    }
    return { kind, name, pausedAt: await setSchedulePaused(ctx.store, kind, name, paused) };
  };
  app.post('/api/schedules/:kind/:name/pause', pauseRoute(true));
  app.post('/api/schedules/:kind/:name/resume', pauseRoute(false));
};
