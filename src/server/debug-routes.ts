import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { SyncDebug } from '../api/debug.js';
import { findSyncDebug, MAX_DEBUG_EXCHANGES, MAX_DEBUG_KEY_CHARS } from '../sync/find-sync-debug.js';
import { findEntry } from './find-entry.js';
import { parseInput } from './parse-input.js';
import type { ServerContext } from './server-context.js';

const nameParams = z.object({ name: z.string() });
const debugQuery = z.strictObject({
  // Lengths checked first and alone: a value past them is refused without being echoed back.
  key: z.string().min(1).max(MAX_DEBUG_KEY_CHARS),
  run: z.string().max(100).regex(/^[\w.:-]+$/, 'a run id as the runs list gives it').optional(),
  limit: z.coerce.number().int().min(1).max(MAX_DEBUG_EXCHANGES).default(50),
});

/** The debugger: the HTTP exchanges behind one record key of a sync (as `sluice sync debug`). */
export const debugRoutes: FastifyPluginAsync<{ ctx: ServerContext }> = async (app, { ctx }) => {
  app.get('/api/syncs/:name/debug', async (request): Promise<SyncDebug> => {
    const { name } = parseInput(nameParams, request.params, 'params');
    const query = parseInput(debugQuery, request.query, 'query');
    const loaded = await ctx.load();
    findEntry(loaded.project.syncs, name, 'sync');
    return findSyncDebug(loaded, ctx.store, name, { key: query.key, runId: query.run, limit: query.limit });
  });
};
