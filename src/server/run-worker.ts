import { networkPolicyFromEnv } from '../http/network-policy.js';
import { Queue, UnrecoverableError, WaitingChildrenError, Worker } from 'bullmq';
import { dirname } from 'node:path';
import { ConfigError } from '../config/config-error.js';
import { findProjectFile, loadProject } from '../config/load-project.js';
import { openProjectStore } from '../state/open-project-store.js';
import { isFinalStatus, type StateStore } from '../state/state-store.js';
import { executeRun, type RunOutcome } from './execute-run.js';
import { failQueuedRun } from './fail-queued-run.js';
import { forgetQueuedJob } from './queued-job.js';
import { revisionFiles } from './project-revision.js';
import { queueTiming, type QueueTiming } from './queue-timing.js';
import type { QueuedRunReport } from './redis-run-executor.js';
import type { RunProgress } from '../sync/run-sync.js';
import { redisConnection } from './redis-connection.js';
import { Redis } from 'ioredis';
import { RedisRequestQuotas } from '../http/redis-request-quotas.js';
import { RUN_QUEUE, runJobSchema, type RunJob } from './run-job.js';
import { isPartitionedJob, processPartitionedRun } from './partitioned-run-job.js';
import { runSyncPartition } from '../sync/run-sync-partition.js';
import { readPartitionedRunPlan } from '../sync/partition-report.js';
import { runLeaseName } from '../sync/run-lease-name.js';
import { forgetPartitionedRun } from '../sync/forget-partitioned-run.js';
import { partitionRows } from '../sync/choose-partition-count.js';
import { cancelChannel, WorkerRunCancels } from './queued-run-cancel.js';

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
  /** Told when a job starts and ends (`retrying`: this try failed, the queue tries again later). */
  onJob?: (event: 'started' | 'resumed' | 'waiting' | 'finished' | 'retrying' | 'failed', job: RunJob, detail?: string) => void;
  /** Default: queueTiming() of `env`. */
  timing?: QueueTiming;
}

/** A running worker. */
export interface RunWorker {
  /** Waits for the jobs in hand, then disconnects. */
  close(): Promise<void>;
}

/** Takes runs off the Redis queue and executes them with the engine, reporting progress through the job. */
export async function startRunWorker(options: RunWorkerOptions): Promise<RunWorker> {
  // Read once, before anything opens, so a wrong value stops the worker at its start rather than each auto-split run.
  const rowsPerPartition = partitionRows(options.env ?? process.env);
  const projectFile = await findProjectFile(options.project, process.cwd());
  const store = options.store ?? (await openProjectStore(projectFile));
  // Queued runs come from API users: the worker refuses private addresses as the server does.
  const networkPolicy = networkPolicyFromEnv(options.env ?? process.env, { serverMode: true });
  const timing = options.timing ?? queueTiming(options.env ?? process.env);
  const quotaRedis = new Redis(options.url, { maxRetriesPerRequest: null, lazyConnect: true });
  const quotas = new RedisRequestQuotas(quotaRedis, { prefix: options.prefix ?? 'bull' });
  // A partitioned sync's run adds its partitions' jobs to the queue it was taken from.
  const queue = new Queue<RunJob>(RUN_QUEUE, { connection: redisConnection(options.url), prefix: options.prefix });
  queue.on('error', () => undefined);
  // A server's cancel reaches the run at once through the channel, or within a check of the store.
  const cancels = new WorkerRunCancels(store, { checkMs: timing.pollMs });
  const cancelListener = new Redis(options.url, { maxRetriesPerRequest: null, lazyConnect: true });
  cancelListener.on('error', () => undefined);
  cancelListener.on('message', (_channel: string, runId: string) => cancels.cancel(runId));
  await cancelListener.subscribe(cancelChannel(options.prefix));
  const worker = new Worker<RunJob, RunOutcome>(
    RUN_QUEUE,
    async (bullJob, token) => {
      const job = runJobSchema.parse(bullJob.data);
      // Executing a job twice is harmless: a run that already ended is not run again (its worker stopped before
      // the queue heard of the end), and one a crashed worker left half done continues where the ledger says.
      const record = await store.getRun(job.runId);
      if (record && isFinalStatus(record.status)) {
        if (!job.partition) await forgetQueuedJob(store, job.runId).catch(() => undefined);
        return { run: record };
      }
      // A partition's job names its partition in every report of it.
      const part = job.partition ? `partition ${job.partition.index + 1} of ${job.partition.of}` : null;
      const about = (detail: string | undefined) => (part ? (detail ? `${part}: ${detail}` : part) : detail);
      if (job.partition) {
        // A partition's run is running already (its run's job opened it): a partition resumes only when handed on.
        const again = bullJob.attemptsMade > 0 || bullJob.stalledCounter > 0;
        options.onJob?.(again ? 'resumed' : 'started', job, about(undefined));
      } else {
        // A partitioned run's job comes back when its partitions are done (or to add those Redis lost): no new attempt.
        const split = record?.status === 'running' ? await readPartitionedRunPlan(store, job.runId) : null;
        const detail = split && split.of > 1 ? `its ${split.of} partitions` : record && record.attempt > 0 ? `attempt ${record.attempt + 1}` : undefined;
        options.onJob?.(record?.status === 'running' ? 'resumed' : 'started', job, detail);
      }
      let redact = (text: string) => text;
      const cancel = await cancels.watch(job.runId);
      const { signal } = cancel;
      try {
        // The project revision the server queued (its files from the state store; relative paths such as a SQLite
        // file still resolve in this worker's project folder); a job without one (an older server's) reads the disk.
        const dir = dirname(projectFile);
        const files = job.revision ? await revisionFiles(store, job.revision, dir) : undefined;
        // Every worker sending to a connection shares its requests_per_second through Redis, as it shares the queue.
        const loaded = await loadProject({ project: projectFile, cwd: dir, secrets: store, networkPolicy, requestQuotas: quotas, ...(files ? { files } : {}) });
        redact = (text) => loaded.redactor.mask(text);
        const report = (r: QueuedRunReport) => void bullJob.updateProgress(r).catch(() => undefined);
        const onProgress = (progress: RunProgress) => report({ progress });
        let outcome: RunOutcome;
        if (job.partition) {
          // One hash bucket of a partitioned run: its job's progress is the bucket's, which servers add up.
          const { index, of, ledgerEmpty } = job.partition;
          await runSyncPartition({ loaded, store, sync: job.name, runId: job.runId, partition: { index, of }, ledgerEmpty, vars: job.vars, full: job.full, onProgress, signal });
          outcome = { run: (await store.getRun(job.runId))! };
        } else if (isPartitionedJob(job, loaded)) {
          outcome = await processPartitionedRun(bullJob, token, {
            job, loaded, store, queue, timing, rowsPerPartition, hooks: { onProgress, onStep: (step) => report({ step }), signal },
          });
        } else {
          outcome = await executeRun(job, { loaded, store, onProgress, onStep: (step) => report({ step }), signal });
        }
        // A run that ended is never queued again: the job kept for that goes (a partition's run ends with its run's job).
        if (!job.partition && outcome.run && isFinalStatus(outcome.run.status)) await forgetQueuedJob(store, job.runId).catch(() => undefined);
        options.onJob?.('finished', job, part ?? outcome.run?.status);
        return outcome;
      } catch (e) {
        // The run's job waits for its partitions: BullMQ hands it back when they are done.
        if (e instanceof WaitingChildrenError) {
          const split = await readPartitionedRunPlan(store, job.runId).catch(() => null);
          options.onJob?.('waiting', job, split ? `for its ${split.of} partitions` : 'for its partitions');
          throw e;
        }
        const message = redact(e instanceof Error ? e.message : String(e));
        // A configuration error stays one however often it is tried: the run fails now.
        if (e instanceof ConfigError) {
          options.onJob?.('failed', job, about(message));
          await failQueuedRun(store, job.runId, message).catch(() => false);
          if (job.partition) await freeSyncLease(store, job);
          throw new UnrecoverableError(message);
        }
        // Anything else may pass (a store or network outage, an earlier attempt still holding the run): tried again later.
        const last = bullJob.attemptsMade + 1 >= (bullJob.opts.attempts ?? 1);
        options.onJob?.(last ? 'failed' : 'retrying', job, about(message));
        // A partition out of tries fails its run now (its parent job fails with it) and frees the sync for the next run.
        if (last && job.partition) {
          await failQueuedRun(store, job.runId, `partition ${job.partition.index + 1} of ${job.partition.of}: ${message}`).catch(() => false);
          await freeSyncLease(store, job);
        }
        throw new Error(message);
      } finally {
        await cancel.stop();
      }
    },
    {
      connection: redisConnection(options.url),
      prefix: options.prefix,
      concurrency: options.concurrency,
      // A crashed worker stops renewing its hold on the job: after lockMs another worker takes the job and resumes the run.
      lockDuration: timing.lockMs,
      stalledInterval: timing.lockMs,
      maxStalledCount: 2,
    },
  );
  await worker.waitUntilReady();
  return {
    async close() {
      await worker.close();
      cancelListener.disconnect();
      await queue.close().catch(() => undefined);
      quotaRedis.disconnect();
      if (!options.store) await store.close();
    },
  };
}

/**
 * Frees the sync's lease a partitioned run holds, once the run failed for good (else it would hold it until it
 * expires), and removes what the run kept for its partitions (no job closes it).
 */
async function freeSyncLease(store: StateStore, job: RunJob): Promise<void> {
  await store.releaseLease(runLeaseName('sync', job.name), job.runId).catch(() => undefined);
  if (job.partition) await forgetPartitionedRun(store, { id: job.runId, name: job.name }, job.partition.of).catch(() => undefined);
}
