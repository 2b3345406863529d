import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { PipelineSummary } from '../api/pipelines.js';
import type { RunRecord, RunStarted } from '../api/runs.js';
import { stepName } from '../sync/run-pipeline.js';
import { sweepStaleRuns } from '../sync/sweep-stale-runs.js';
import { checkRequestVariables } from './check-request-variables.js';
import { findEntry } from './find-entry.js';
import { parseInput } from './parse-input.js';
import { runLock } from './run-manager.js';
import type { ServerContext } from './server-context.js';

const nameParams = z.object({ name: z.string() });
const limitQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(20) });
const runBody = z.strictObject({ vars: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).optional() }).optional();

/** Pipelines: list (steps, schedule, next and last run), start a run, run history. */
export const pipelinesRoutes: FastifyPluginAsync<{ ctx: ServerContext }> = async (app, { ctx }) => {
  const lastRun = async (name: string) => (await ctx.store.listRuns(name, { limit: 5 })).find((r) => r.kind === 'pipeline') ?? null;

  app.get('/api/pipelines', async (): Promise<PipelineSummary[]> => {
    const loaded = await ctx.load();
    return Promise.all(
      Object.entries(loaded.project.pipelines).map(async ([name, p]) => ({
        name,
        description: p.description ?? null,
        steps: p.steps.map(stepName),
        schedule: p.schedule ?? null,
        nextRunAt: ctx.scheduler?.nextRunAt('pipeline', name) ?? null,
        lastRun: await lastRun(name),
        runningRunId: ctx.runs.holder(runLock('pipeline', name)) ?? null,
      })),
    );
  });

  app.post('/api/pipelines/:name/runs', async (request, reply) => {
    const { name } = parseInput(nameParams, request.params, 'params');
    const body = parseInput(runBody, request.body);
    const loaded = await ctx.load();
    findEntry(loaded.project.pipelines, name, 'pipeline');
    checkRequestVariables(loaded, { kind: 'pipeline', name }, body?.vars);
    const run = ctx.startRun(loaded, { kind: 'pipeline', name, vars: body?.vars, trigger: 'api' });
    await run.queued;
    return reply.code(202).send({ runId: run.job.runId } satisfies RunStarted);
  });

  app.get('/api/pipelines/:name/runs', async (request): Promise<RunRecord[]> => {
    const { name } = parseInput(nameParams, request.params, 'params');
    const { limit } = parseInput(limitQuery, request.query, 'query');
    const loaded = await ctx.load();
    findEntry(loaded.project.pipelines, name, 'pipeline');
    await sweepStaleRuns(ctx.store, name, { env: ctx.env });
    return (await ctx.store.listRuns(name, { limit })).filter((r) => r.kind === 'pipeline');
  });
};
