import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { RejectedRow, RunRecord, RunStarted } from '../api/runs.js';
import type { SyncPreview, SyncSummary } from '../api/syncs.js';
import type { LoadedProject } from '../config/load-project.js';
import type { Sync } from '../config/project-schema.js';
import { listSyncRecords } from '../sync/list-sync-records.js';
import { baselineTrigger, checkBaselineMode } from '../sync/plan-baseline.js';
import { previewSync } from '../sync/preview-sync.js';
import { sweepStaleRuns } from '../sync/sweep-stale-runs.js';
import { checkRequestVariables } from './check-request-variables.js';
import { findEntry } from './find-entry.js';
import { parseInput } from './parse-input.js';
import { rawEntry, readRawProject } from './read-raw-project.js';
import { runLock } from './run-manager.js';
import { sampleSync } from './sample-sync.js';
import { saveProjectText } from './save-project-text.js';
import type { ServerContext } from './server-context.js';
import { updateYamlEntry } from './update-yaml-entry.js';

const nameParams = z.object({ name: z.string() });
const limitQuery = (fallback: number, max: number) => z.object({ limit: z.coerce.number().int().min(1).max(max).default(fallback) });
const varsSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String));
const previewBody = z.strictObject({ limit: z.number().int().min(1).max(100).optional(), vars: varsSchema.optional(), baseline: z.boolean().optional() }).optional();
const runBody = z
  .strictObject({ vars: varsSchema.optional(), full: z.boolean().optional(), baseline: z.boolean().optional() })
  .refine((b) => !(b.full && b.baseline), { message: 'baseline records what the destination already holds and full sends every row again: give one of them' })
  .optional();
const retryBody = z.strictObject({ asRejected: z.boolean().optional() }).optional();
const entryBody = z.record(z.string(), z.unknown());
const recordsQuery = z.object({
  key: z.string().optional(),
  status: z.enum(['failed', 'delivered']).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(100),
  after: z.string().optional(),
});

/** A sync as `GET /api/syncs` lists it: its settings, next scheduled run, last run, and the run going on now. */
async function summarize(ctx: ServerContext, name: string, sync: Sync): Promise<SyncSummary> {
  const [lastRun] = (await ctx.store.listRuns(name, { limit: 5 })).filter((r) => r.kind !== 'pipeline');
  return {
    name,
    description: sync.description ?? null,
    from: sync.from,
    to: sync.to,
    mode: sync.mode,
    key: sync.key ?? null,
    schedule: sync.schedule ?? null,
    nextRunAt: ctx.scheduler?.nextRunAt('sync', name) ?? null,
    lastRun: lastRun ?? null,
    runningRunId: ctx.runs.holder(runLock('sync', name)) ?? null,
  };
}

async function detail(ctx: ServerContext, loaded: LoadedProject, name: string) {
  const sync = findEntry(loaded.project.syncs, name, 'sync');
  const { data } = await readRawProject(ctx.projectFile);
  return { ...(await summarize(ctx, name, sync)), config: rawEntry(data, 'syncs', name) ?? null };
}

/** Syncs: list, read and write back, sample the source, preview, runs, rejected rows and their retry. */
export const syncsRoutes: FastifyPluginAsync<{ ctx: ServerContext }> = async (app, { ctx }) => {
  const loadSync = async (params: unknown) => {
    const { name } = parseInput(nameParams, params, 'params');
    const loaded = await ctx.load();
    findEntry(loaded.project.syncs, name, 'sync');
    return { name, loaded };
  };

  app.get('/api/syncs', async (): Promise<SyncSummary[]> => {
    const loaded = await ctx.load();
    return Promise.all(Object.entries(loaded.project.syncs).map(([name, sync]) => summarize(ctx, name, sync)));
  });

  app.get('/api/syncs/:name', async (request) => {
    const { name, loaded } = await loadSync(request.params);
    return detail(ctx, loaded, name);
  });

  app.put('/api/syncs/:name', async (request) => {
    const { name } = parseInput(nameParams, request.params, 'params');
    const value = parseInput(entryBody, request.body);
    await ctx.edit(async () => {
      const { text } = await readRawProject(ctx.projectFile);
      await saveProjectText({ file: ctx.projectFile, text: updateYamlEntry(text, ['syncs', name], value), write: true, env: ctx.env });
    });
    ctx.projectChanged();
    return detail(ctx, await ctx.load(), name);
  });

  app.get('/api/syncs/:name/sample', async (request) => {
    const { name, loaded } = await loadSync(request.params);
    const { limit } = parseInput(limitQuery(20, 1000), request.query, 'query');
    return sampleSync({ loaded, store: ctx.store, sync: name, limit });
  });

  app.post('/api/syncs/:name/preview', async (request): Promise<SyncPreview> => {
    const { name, loaded } = await loadSync(request.params);
    const body = parseInput(previewBody, request.body);
    checkRequestVariables(loaded, { kind: 'sync', name }, body?.vars);
    return previewSync({ loaded, store: ctx.store, sync: name, limit: body?.limit, vars: body?.vars, baseline: body?.baseline });
  });

  app.get('/api/syncs/:name/runs', async (request): Promise<RunRecord[]> => {
    const { name } = await loadSync(request.params);
    const { limit } = parseInput(limitQuery(20, 500), request.query, 'query');
    await sweepStaleRuns(ctx.store, name, { env: ctx.env });
    return (await ctx.store.listRuns(name, { limit })).filter((r) => r.kind !== 'pipeline');
  });

  app.post('/api/syncs/:name/runs', async (request, reply) => {
    const { name, loaded } = await loadSync(request.params);
    const body = parseInput(runBody, request.body);
    checkRequestVariables(loaded, { kind: 'sync', name }, body?.vars);
    // A baseline's trigger says so from the start: a queued run's record is made before a worker takes it.
    if (body?.baseline) await checkBaselineMode(loaded, name);
    const baseline = body?.baseline === true;
    const run = ctx.startRun(loaded, { kind: 'sync', name, vars: body?.vars, full: body?.full, baseline, trigger: baseline ? baselineTrigger('api') : 'api' });
    await run.queued;
    return reply.code(202).send({ runId: run.job.runId } satisfies RunStarted);
  });

  app.get('/api/syncs/:name/rejected', async (request): Promise<RejectedRow[]> => {
    const { name, loaded } = await loadSync(request.params);
    const { limit } = parseInput(limitQuery(100, 10_000), request.query, 'query');
    return loaded.redactor.maskValue(await ctx.store.listRejected(name, { limit }));
  });

  app.get('/api/syncs/:name/records', async (request) => {
    const { name, loaded } = await loadSync(request.params);
    const query = parseInput(recordsQuery, request.query, 'query');
    return loaded.redactor.maskValue(await listSyncRecords(ctx.store, name, query));
  });

  app.post('/api/syncs/:name/rejected/retry', async (request, reply) => {
    const { name, loaded } = await loadSync(request.params);
    const body = parseInput(retryBody, request.body);
    const run = ctx.startRun(loaded, { kind: 'retry', name, asRejected: body?.asRejected, trigger: 'api' });
    await run.queued;
    return reply.code(202).send({ runId: run.job.runId } satisfies RunStarted);
  });
};
