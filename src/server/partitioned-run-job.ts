import { WaitingChildrenError, type Job, type Queue } from 'bullmq';
import type { LoadedProject } from '../config/load-project.js';
import type { StateStore } from '../state/state-store.js';
import { choosePartitionCount } from '../sync/choose-partition-count.js';
import { closePartitionedRun } from '../sync/close-partitioned-run.js';
import { forgetPartitionedRun } from '../sync/forget-partitioned-run.js';
import { openPartitionedRun } from '../sync/open-partitioned-run.js';
import { findSync } from '../sync/open-sync-endpoints.js';
import { readPartitionedRunPlan, readPartitionReports, savePartitionedRunPlan } from '../sync/partition-report.js';
import { executeRun, type RunHooks, type RunOutcome } from './execute-run.js';
import { partitionJobId } from './partition-job-id.js';
import { queueJobOptions } from './queue-job-options.js';
import type { QueueTiming } from './queue-timing.js';
import type { RunJob } from './run-job.js';

/** Whether a run of this job is split into partitions (a sync with `partitions` above 1 or `auto`; a baseline never is). */
export function isPartitionedJob(job: RunJob, loaded: LoadedProject): boolean {
  if (job.kind !== 'sync' || job.baseline || job.partition) return false;
  const partitions = loaded.project.syncs[job.name]?.partitions ?? 1;
  return partitions === 'auto' || partitions > 1;
}

/**
 * The job of a partitioned sync's run (a sync with `partitions`), in BullMQ's parent and children steps: it opens the
 * run and adds one child job per partition not done yet (any worker takes them), then waits for its children without
 * holding a worker; when the last one finishes BullMQ hands it back, and it closes the run with their counts added
 * up. Processing it again (after a crash, or re-queued after Redis lost it) adds only the partitions not done.
 * A child that fails for good fails it (and its run).
 *
 * With `partitions: auto` it first chooses how many (choosePartitionCount: the run planned, one partition per so many
 * rows to send, at most one per live worker); a run that stays one job is run by this job as any other run. The
 * choice is kept with the run, so a repeated job keeps it.
 */
export async function processPartitionedRun(
  bullJob: Job<RunJob>,
  token: string | undefined,
  options: { job: RunJob; loaded: LoadedProject; store: StateStore; queue: Queue<RunJob>; timing: QueueTiming; hooks?: RunHooks;
    /** Rows to send per partition under `partitions: auto` (default: SLUICE_PARTITION_ROWS, else 50,000). */
    rowsPerPartition?: number;
  },
): Promise<RunOutcome> {
  const { job, loaded, store, queue, timing } = options;
  let chosen = (await readPartitionedRunPlan(store, job.runId))?.of;
  if (chosen === undefined && findSync(loaded, job.name).partitions === 'auto') {
    const record = await store.getRun(job.runId);
    const workers = await queue.getWorkersCount();
    // The run stays queued while its job plans it: whoever follows it sees that it is being planned.
    options.hooks?.onProgress?.({ runId: job.runId, sync: job.name, phase: 'planning', planned: 0, sent: 0, delivered: 0, failed: 0, rate: 0, etaSeconds: null });
    // A plan that fails (a key read twice, a source that cannot be read) leaves the run one job: the run meets the same
    // failure and records it as any run does, rather than this job failing its tries unrecorded.
    const choice = await choosePartitionCount({
      loaded, store, sync: job.name, run: { id: job.runId, startedAt: record?.startedAt ?? new Date().toISOString() }, workers,
      vars: job.vars, full: job.full, rowsPerPartition: options.rowsPerPartition, signal: options.hooks?.signal,
    }).catch(() => ({ of: 1 }));
    chosen = choice.of;
    // Kept before it runs: a repeat of this job (its worker killed) resumes the run as one job, not split.
    if (chosen === 1) await savePartitionedRunPlan(store, job.runId, { of: 1, ledgerEmpty: false });
  }
  if (chosen === 1) {
    const outcome = await executeRun(job, { loaded, store, ...options.hooks });
    await forgetPartitionedRun(store, { id: job.runId, name: job.name }, 1);
    return outcome;
  }
  const opened = await openPartitionedRun({ loaded, store, sync: job.name, runId: job.runId, trigger: job.trigger, of: chosen });
  if (!opened.started) return opened.summary ?? { run: opened.run };
  const { plan } = opened;
  const reports = await readPartitionReports(store, job.runId, plan.of);
  const left = reports.flatMap((r, index) => (r?.state === 'done' ? [] : [index]));
  if (left.length) {
    const parent = { id: bullJob.id!, queue: bullJob.queueQualifiedName };
    await queue.addBulk(
      left.map((index) => ({
        name: 'partition',
        data: { ...job, partition: { index, of: plan.of, ledgerEmpty: plan.ledgerEmpty } },
        opts: { ...queueJobOptions(partitionJobId(job.runId, index), timing), parent, failParentOnFailure: true },
      })),
    );
    if (token && (await bullJob.moveToWaitingChildren(token))) throw new WaitingChildrenError();
  }
  return closePartitionedRun({ loaded, store, runId: job.runId, plan, signal: options.hooks?.signal });
}
