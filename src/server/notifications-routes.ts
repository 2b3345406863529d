import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { MAX_NOTIFICATION_RUNS, type SyncNotifications } from '../api/notifications.js';
import { sweepStaleRuns } from '../sync/sweep-stale-runs.js';
import { findEntry } from './find-entry.js';
import { parseInput } from './parse-input.js';
import type { ServerContext } from './server-context.js';

const nameParams = z.object({ name: z.string() });
const notificationsQuery = z.strictObject({
  runs: z.coerce.number().int().min(1).max(MAX_NOTIFICATION_RUNS).default(10),
});

/** The notifications of a sync's last runs (as `sluice sync runs` lists them): read-only, for the sync page. */
export const notificationsRoutes: FastifyPluginAsync<{ ctx: ServerContext }> = async (app, { ctx }) => {
  app.get('/api/syncs/:name/notifications', async (request): Promise<SyncNotifications> => {
    const { name } = parseInput(nameParams, request.params, 'params');
    const query = parseInput(notificationsQuery, request.query, 'query');
    const loaded = await ctx.load();
    findEntry(loaded.project.syncs, name, 'sync');
    await sweepStaleRuns(ctx.store, name, { env: ctx.env });
    const runs = (await ctx.store.listRuns(name, { limit: query.runs })).filter((r) => r.kind !== 'pipeline');
    const notifications = await ctx.store.listNotifications(runs.map((r) => r.id));
    return loaded.redactor.maskValue({ runs, notifications });
  });
};
