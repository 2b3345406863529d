import { Queue, QueueEvents } from 'bullmq';
import type { PipelineStepResult } from '../sync/run-pipeline.js';
import type { RunProgress } from '../sync/run-sync.js';
import type { RunOutcome } from './execute-run.js';
import { redisConnection } from './redis-connection.js';
import { RUN_QUEUE } from './run-job.js';
import type { RunExecutor } from './run-manager.js';

interface Waiter {
  onProgress: (p: RunProgress) => void;
  onStep: (s: PipelineStepResult) => void;
  resolve: (outcome: RunOutcome) => void;
}

/** A message a worker reports through job progress: a sync's progress or a finished pipeline step. */
export type QueuedRunReport = { progress: RunProgress } | { step: PipelineStepResult };

/** Puts jobs on the Redis run queue for `sluice worker` and relays their progress and outcome back. */
export async function redisRunExecutor(options: { url: string; prefix?: string }): Promise<RunExecutor> {
  const connection = redisConnection(options.url);
  const queue = new Queue(RUN_QUEUE, { connection, prefix: options.prefix });
  const events = new QueueEvents(RUN_QUEUE, { connection, prefix: options.prefix });
  const waiters = new Map<string, Waiter>();
  try {
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
  } catch (e) {
    await Promise.allSettled([queue.close(), events.close()]);
    throw new Error(`cannot reach Redis at ${safeUrl(options.url)} (SLUICE_REDIS_URL): ${e instanceof Error ? e.message : String(e)}`);
  }
  const settle = (jobId: string, outcome: RunOutcome) => {
    const waiter = waiters.get(jobId);
    waiters.delete(jobId);
    waiter?.resolve(outcome);
  };
  events.on('progress', ({ jobId, data }) => {
    const waiter = waiters.get(jobId);
    if (!waiter || typeof data !== 'object' || data === null) return;
    const report = data as QueuedRunReport;
    if ('progress' in report) waiter.onProgress(report.progress);
    else if ('step' in report) waiter.onStep(report.step);
  });
  events.on('completed', ({ jobId, returnvalue }) => {
    const value: unknown = typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue;
    settle(jobId, value as RunOutcome);
  });
  events.on('failed', ({ jobId, failedReason }) => settle(jobId, { run: null, error: failedReason }));

  return {
    execute(job, hooks) {
      return new Promise<RunOutcome>((resolve, reject) => {
        waiters.set(job.runId, { onProgress: hooks.onProgress, onStep: hooks.onStep, resolve });
        hooks.signal.addEventListener('abort', () =>
          settle(job.runId, { run: null, error: 'the server stopped waiting; the run goes on in its worker' }),
        );
        queue.add('run', job, { jobId: job.runId, removeOnComplete: { count: 1000 }, removeOnFail: { count: 1000 } }).catch((e: unknown) => {
          waiters.delete(job.runId);
          reject(e instanceof Error ? e : new Error(String(e)));
        });
      });
    },
    async close() {
      await Promise.allSettled([events.close(), queue.close()]);
    },
  };
}

/** The URL without its password, for messages. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '****';
    return u.href;
  } catch {
    return 'the configured URL';
  }
}
