import type { Queue } from 'bullmq';
import type { StateStore } from '../state/state-store.js';
import { processEnded } from '../sync/lease-process.js';
import { leaseTiming } from '../sync/lease-timing.js';
import { runLeaseName } from '../sync/run-lease-name.js';
import { whyStopped } from '../sync/sweep-stale-runs.js';
import { failQueuedRun } from './fail-queued-run.js';
import { queueJobOptions } from './queue-job-options.js';
import type { QueueTiming } from './queue-timing.js';
import { readQueuedJob } from './queued-job.js';
import type { RunJob } from './run-job.js';

/** What one pass of the reconciler did, by run id. */
export interface Reconciled {
  requeued: string[];
  failed: string[];
}

/**
 * Brings Redis in line with the state store, which holds the truth about runs: a run recorded `queued` whose job is
 * gone from Redis (Redis restarted, its data lost) is queued again under the same job id, and so is a `running` one
 * whose job is gone and whose worker stopped (its lease expired or its process ended); a `queued` or `running` run
 * whose job failed for good is recorded as failed. Runs queued less than `graceMs` ago are left alone
 * (their server may be adding the job right now). Several servers may reconcile at once: a job id is added only once.
 */
export async function reconcileQueuedRuns(options: {
  store: StateStore;
  queue: Queue<RunJob>;
  /** Every sync and pipeline name of the project. */
  names: string[];
  timing: QueueTiming;
  graceMs?: number;
}): Promise<Reconciled> {
  const { store, queue, timing } = options;
  const graceMs = options.graceMs ?? 2000;
  const done: Reconciled = { requeued: [], failed: [] };
  for (const name of options.names) {
    const runs = [...(await store.listRuns(name, { status: 'queued' })), ...(await store.listRuns(name, { status: 'running' }))];
    for (const run of runs) {
      const job = await queue.getJob(run.id);
      if (job) {
        if ((await job.getState()) !== 'failed') continue;
        // An earlier attempt that still holds the run's lease records its own end.
        const lease = run.status === 'running' ? await store.getLease(runLeaseName(run.kind, run.name)) : null;
        if (lease?.owner === run.id && !lease.expired && !processEnded(lease.process)) continue;
        if (await failQueuedRun(store, run.id, job.failedReason || 'no reason given')) done.failed.push(run.id);
        continue;
      }
      if (run.status === 'queued' && Date.now() - Date.parse(run.startedAt) < graceMs) continue;
      // A running run without its job is its worker's to finish, unless that worker stopped too: then it is resumed.
      if (run.status === 'running' && !whyStopped(run, await store.getLease(runLeaseName(run.kind, run.name)), leaseTiming().ttlMs)) continue;
      const kept = await readQueuedJob(store, run.id);
      // A running run that was never queued (the CLI's, a pipeline's step) is the lease sweep's to judge.
      if (!kept && run.status === 'running') continue;
      if (!kept) {
        if (await failQueuedRun(store, run.id, 'its job vanished from Redis and was not kept to be queued again')) done.failed.push(run.id);
        continue;
      }
      await queue.add('run', kept, queueJobOptions(kept.runId, timing));
      done.requeued.push(run.id);
    }
  }
  return done;
}
