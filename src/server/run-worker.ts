import { networkPolicyFromEnv } from '../http/network-policy.js';
import { Worker } from 'bullmq';
import { dirname } from 'node:path';
import { findProjectFile, loadProject } from '../config/load-project.js';
import type { StateStore } from '../state/state-store.js';
import { executeRun, type RunOutcome } from './execute-run.js';
import { openProjectStore } from './open-project-store.js';
import type { QueuedRunReport } from './redis-run-executor.js';
import { redisConnection } from './redis-connection.js';
import { RUN_QUEUE, runJobSchema, type RunJob } from './run-job.js';

/** Options of a queue worker. */
export interface RunWorkerOptions {
  /** A directory holding sluice.yaml, or the file; default: the nearest sluice.yaml from the cwd. */
  project?: string;
  /** Jobs processed at once (different syncs; the server never queues two runs of one sync). */
  concurrency: number;
  url: string;
  /** BullMQ key prefix (tests isolate themselves with their own). */
  prefix?: string;
  store?: StateStore;
  /** Where `SLUICE_ALLOWED_HOSTS` is read (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Told when a job starts and ends. */
  onJob?: (event: 'started' | 'finished' | 'failed', job: RunJob, detail?: string) => void;
}

/** A running worker. */
export interface RunWorker {
  /** Waits for the jobs in hand, then disconnects. */
  close(): Promise<void>;
}

/** Takes runs off the Redis queue and executes them with the engine, reporting progress through the job. */
export async function startRunWorker(options: RunWorkerOptions): Promise<RunWorker> {
  const projectFile = await findProjectFile(options.project, process.cwd());
  const store = options.store ?? (await openProjectStore(projectFile));
  // Queued runs come from API users: the worker refuses private addresses as the server does.
  const networkPolicy = networkPolicyFromEnv(options.env ?? process.env, { serverMode: true });
  const worker = new Worker<RunJob, RunOutcome>(
    RUN_QUEUE,
    async (bullJob) => {
      const job = runJobSchema.parse(bullJob.data);
      options.onJob?.('started', job);
      // The project as it is on disk now: edits made through the server reach the workers.
      const loaded = await loadProject({ project: projectFile, cwd: dirname(projectFile), secrets: store, networkPolicy });
      const report = (r: QueuedRunReport) => void bullJob.updateProgress(r).catch(() => undefined);
      try {
        const outcome = await executeRun(job, { loaded, store, onProgress: (progress) => report({ progress }), onStep: (step) => report({ step }) });
        options.onJob?.('finished', job, outcome.run?.status);
        return outcome;
      } catch (e) {
        const message = loaded.redactor.mask(e instanceof Error ? e.message : String(e));
        options.onJob?.('failed', job, message);
        throw new Error(message);
      }
    },
    { connection: redisConnection(options.url), prefix: options.prefix, concurrency: options.concurrency },
  );
  await worker.waitUntilReady();
  return {
    async close() {
      await worker.close();
      if (!options.store) await store.close();
    },
  };
}
