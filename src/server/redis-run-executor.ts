import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { isFinalStatus, type StateStore } from '../state/state-store.js';
import type { PipelineStepResult } from '../sync/run-pipeline.js';
import type { RunProgress } from '../sync/run-sync.js';
import type { RunOutcome } from './execute-run.js';
import { failQueuedRun } from './fail-queued-run.js';
import { saveProjectRevision } from './project-revision.js';
import { queueJobOptions } from './queue-job-options.js';
import { queueTiming, type QueueTiming } from './queue-timing.js';
import { readQueuedJob, saveQueuedJob } from './queued-job.js';
import { reconcileQueuedRuns } from './reconcile-queued-runs.js';
import { partitionOfJob } from './partition-job-id.js';
import { PartitionProgress } from './partition-progress.js';
import { readPartitionedRunPlan, readPartitionReports } from '../sync/partition-report.js';
import { redisConnection } from './redis-connection.js';
import { cancelQueuedRun } from './queued-run-cancel.js';
import { RUN_QUEUE, type RunJob } from './run-job.js';
import type { RunEvent, RunExecutor } from './run-manager.js';

interface Waiter {
  onProgress: (p: RunProgress) => void;
  onStep: (s: PipelineStepResult) => void;
  resolve: (outcome: RunOutcome) => void;
  /** When the store was first seen saying the run ended (the job's own outcome is waited for one more poll). */
  finalSeen: boolean;
}

/** A message a worker reports through job progress: a sync's progress or a finished pipeline step. */
export type QueuedRunReport = { progress: RunProgress } | { step: PipelineStepResult };

type FollowEvent = Exclude<RunEvent, { type: 'done' }>;

/** The event a worker's report stands for (null for anything else a job's progress may hold). */
function reportEvent(data: unknown): FollowEvent | null {
  if (typeof data !== 'object' || data === null) return null;
  const report = data as QueuedRunReport;
  return 'progress' in report ? { type: 'progress', data: report.progress } : 'step' in report ? { type: 'step', data: report.step } : null;
}

/**
 * The id of the last entry of the queue's event stream ('0-0' when it has none). QueueEvents reads on from there:
 * from '$' it would skip whatever is added while its first read is on its way, and again each time a read times out
 * before any event came (it asks for '$' anew), so a server could miss a progress report sent after it began to follow.
 */
async function eventStreamEnd(url: string, key: string): Promise<string> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    const [last] = await redis.xrevrange(key, '+', '-', 'COUNT', 1);
    return last?.[0] ?? '0-0';
  } finally {
    redis.disconnect();
  }
}

/** Options of the Redis executor. */
export interface RedisRunExecutorOptions {
  url: string;
  prefix?: string;
  /** The state store shared with the workers: runs are recorded there `queued` before they are put on the queue. */
  store: StateStore;
  /** Every sync and pipeline name of the project, for the reconciler (it reads the runs of each). */
  names: () => Promise<string[]>;
  /**
   * The project's sluice.yaml: each job carries the revision of its files stored from here, which the workers run.
   * Unset: jobs carry none and workers load the project from their own disk.
   */
  projectFile?: string;
  /** Default: queueTiming() of the environment. */
  timing?: QueueTiming;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

/**
 * Puts jobs on the Redis run queue for `sluice worker` and relays their progress and outcome back. The state store
 * holds the truth: a run is recorded `queued` before its job is added, the outcome of a run waited on is also read
 * from the store (a completion Redis lost still ends the wait), and a reconciler re-queues runs whose job vanished.
 */
export async function redisRunExecutor(options: RedisRunExecutorOptions): Promise<RunExecutor> {
  const { store } = options;
  const timing = options.timing ?? queueTiming();
  const log = options.log ?? (() => undefined);
  const connection = redisConnection(options.url);
  const queue = new Queue<RunJob>(RUN_QUEUE, { connection, prefix: options.prefix });
  let events: QueueEvents | undefined;
  try {
    await queue.waitUntilReady();
    events = new QueueEvents(RUN_QUEUE, { connection, prefix: options.prefix, lastEventId: await eventStreamEnd(options.url, queue.toKey('events')) });
    await events.waitUntilReady();
  } catch (e) {
    await Promise.allSettled([queue.close(), events?.close()]);
    throw new Error(`cannot reach Redis at ${safeUrl(options.url)} (SLUICE_REDIS_URL): ${e instanceof Error ? e.message : String(e)}`);
  }
  // Cancels are announced to the workers on a channel (a connection of its own: a subscriber's cannot publish).
  const publisher = new Redis(options.url, { maxRetriesPerRequest: 1, lazyConnect: true });
  publisher.on('error', () => undefined);
  const waiters = new Map<string, Waiter>();
  // Servers other than the one that queued a run hear its progress too: the queue's events reach every listener.
  const followers = new Map<string, Set<(event: FollowEvent) => void>>();
  // Redis errors are retried by the client; the poll and the reconciler carry on meanwhile.
  queue.on('error', () => undefined);
  events.on('error', () => undefined);
  // A partitioned run's partitions report apart (each its own job): the run's progress is theirs added up.
  const partitions = new PartitionProgress();
  const settle = (jobId: string, outcome: RunOutcome) => {
    partitions.drop(jobId);
    const waiter = waiters.get(jobId);
    waiters.delete(jobId);
    waiter?.resolve(outcome);
  };
  const hearRun = (jobId: string, event: FollowEvent) => {
    const waiter = waiters.get(jobId);
    if (waiter) {
      if (event.type === 'progress') waiter.onProgress(event.data);
      else waiter.onStep(event.data);
    }
    for (const listener of followers.get(jobId) ?? []) listener(event);
  };
  /** The partitions that reported before this server heard them, from the store (their reports lag by a second). */
  const seedPartitions = async (runId: string, sync: string) => {
    const plan = await readPartitionedRunPlan(store, runId);
    return plan ? partitions.seed(runId, sync, await readPartitionReports(store, runId, plan.of)) : null;
  };
  events.on('progress', ({ jobId, data }) => {
    const event = reportEvent(data);
    if (!event) return;
    const part = partitionOfJob(jobId);
    if (!part) return hearRun(jobId, event);
    if (event.type !== 'progress' || (!waiters.has(part.runId) && !followers.has(part.runId))) return;
    const first = !partitions.has(part.runId);
    hearRun(part.runId, { type: 'progress', data: partitions.add(part.runId, part.index, { ...event.data, runId: part.runId }) });
    if (first) {
      void seedPartitions(part.runId, event.data.sync).then(
        (sum) => sum && hearRun(part.runId, { type: 'progress', data: sum }),
        () => undefined,
      );
    }
  });
  events.on('completed', ({ jobId, returnvalue }) => {
    if (partitionOfJob(jobId)) return;
    const value: unknown = typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue;
    settle(jobId, value as RunOutcome);
  });
  // Only a job whose tries are used up fails (a try that will be repeated is not reported as failed).
  events.on('failed', ({ jobId, failedReason }) => {
    // A partition out of tries failed its run itself, and its parent job fails with it.
    if (partitionOfJob(jobId)) return;
    void failQueuedRun(store, jobId, failedReason)
      .catch(() => false)
      .then(async () => settle(jobId, { run: await store.getRun(jobId).catch(() => null), error: failedReason }));
  });

  // The store's word ends a wait too: a completion event lost with Redis, or missed while disconnected.
  const poll = setInterval(() => {
    for (const [runId, waiter] of waiters) {
      store.getRun(runId).then(
        (run) => {
          if (!run || !isFinalStatus(run.status)) return;
          if (waiter.finalSeen) settle(runId, { run });
          // The job's own outcome (the full summary) usually arrives within a poll: it is preferred.
          waiter.finalSeen = true;
        },
        () => undefined,
      );
    }
  }, timing.pollMs);
  poll.unref();

  // The revisions of queued and running runs, which pruning keeps (a run re-queued after Redis lost it needs its own).
  const revisionsInUse = async (): Promise<string[]> => {
    const ids = new Set<string>();
    for (const name of await options.names()) {
      for (const status of ['queued', 'running'] as const) {
        for (const run of await store.listRuns(name, { status })) {
          const revision = (await readQueuedJob(store, run.id))?.revision;
          if (revision) ids.add(revision);
        }
      }
    }
    return [...ids];
  };

  let reconciling = false;
  const reconcile = async () => {
    if (reconciling) return;
    reconciling = true;
    try {
      const done = await reconcileQueuedRuns({ store, queue, names: await options.names(), timing });
      for (const id of done.requeued) log('warn', `run ${id} was queued but its job was gone from Redis: queued again`);
      for (const id of done.failed) log('warn', `run ${id} recorded as failed: its queue job failed for good`);
    } catch (e) {
      log('warn', `queued runs not reconciled: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      reconciling = false;
    }
  };
  await reconcile();
  const reconciler = setInterval(() => void reconcile(), timing.reconcileMs);
  reconciler.unref();

  return {
    execute(job, hooks) {
      return new Promise<RunOutcome>((resolve, reject) => {
        waiters.set(job.runId, { onProgress: hooks.onProgress, onStep: hooks.onStep, resolve, finalSeen: false });
        hooks.signal.addEventListener('abort', () =>
          settle(job.runId, { run: null, error: 'the server stopped waiting; the run goes on in its worker' }),
        );
        // Recorded before it is queued: a job Redis loses is found again from the record, and a worker opens it.
        const enqueue = async () => {
          await store.createRun({ kind: job.kind, name: job.name, trigger: job.trigger, id: job.runId, status: 'queued' });
          // The project travels with the job: workers on other machines run these files, not their own disk's.
          const queued = options.projectFile
            ? { ...job, revision: await saveProjectRevision(store, options.projectFile, { inUse: revisionsInUse, log: (m) => log('warn', m) }) }
            : job;
          await saveQueuedJob(store, queued);
          // Every server finds the run from here on; a Redis that is down holds the answer no longer than this.
          hooks.onQueued();
          await queue.add('run', queued, queueJobOptions(job.runId, timing));
        };
        enqueue().catch(async (e: unknown) => {
          waiters.delete(job.runId);
          const error = e instanceof Error ? e : new Error(String(e));
          // Not queued: the record says so, rather than waiting for a worker that will never come.
          await failQueuedRun(store, job.runId, `it could not be queued (${error.message})`).catch(() => false);
          reject(error);
        });
      });
    },
    async cancel(runId) {
      const answer = await cancelQueuedRun({ store, queue, publisher, prefix: options.prefix }, runId);
      // A run cancelled before any worker took it ended here: its wait ends now, and its sync is free.
      const run = answer === 'cancelling' && waiters.has(runId) ? await store.getRun(runId) : null;
      if (run && isFinalStatus(run.status)) settle(runId, { run });
      return answer;
    },
    follow(runId, listener) {
      let heard = false;
      const hear = (event: FollowEvent) => {
        heard = true;
        listener(event);
      };
      let listeners = followers.get(runId);
      if (!listeners) followers.set(runId, (listeners = new Set()));
      listeners.add(hear);
      // Every report from now on comes through the events; the job keeps the latest one, so a server that begins to
      // follow mid-run (or between two reports) shows where the run is at once, unless a newer report came first.
      queue.getJob(runId).then(
        (job) => {
          const event = reportEvent(job?.progress);
          if (event && !heard && listeners.has(hear)) return hear(event);
          // A partitioned run's job reports nothing itself: its partitions' reports are in the store.
          if (!event && job && !heard) {
            void seedPartitions(runId, job.data.name).then(
              (sum) => sum && !heard && listeners.has(hear) && hear({ type: 'progress', data: sum }),
              () => undefined,
            );
          }
        },
        () => undefined,
      );
      return () => {
        listeners.delete(hear);
        if (listeners.size === 0) followers.delete(runId);
        if (listeners.size === 0 && !waiters.has(runId)) partitions.drop(runId);
      };
    },
    async close() {
      followers.clear();
      clearInterval(poll);
      clearInterval(reconciler);
      publisher.disconnect();
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
