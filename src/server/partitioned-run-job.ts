import { WaitingChildrenError, type Job, type Queue } from 'bullmq';
import type { LoadedProject } from '../config/load-project.js';
import type { StateStore } from '../state/state-store.js';
import { closePartitionedRun } from '../sync/close-partitioned-run.js';
import { openPartitionedRun } from '../sync/open-partitioned-run.js';
import { readPartitionReports } from '../sync/partition-report.js';
import type { RunOutcome } from './execute-run.js';
import { partitionJobId } from './partition-job-id.js';
import { queueJobOptions } from './queue-job-options.js';
import type { QueueTiming } from './queue-timing.js';
import type { RunJob } from './run-job.js';

/**
 * The job of a partitioned sync's run (a sync with `partitions`), in BullMQ's parent and children steps: it opens the
 * run and adds one child job per partition not done yet (any worker takes them), then waits for its children without
 * holding a worker; when the last one finishes BullMQ hands it back, and it closes the run with their counts added
 * up. Processing it again (after a crash, or re-queued after Redis lost it) adds only the partitions not done.
 * A child that fails for good fails it (and its run).
 */
export async function processPartitionedRun(
  bullJob: Job<RunJob>,
  token: string | undefined,
  options: { job: RunJob; loaded: LoadedProject; store: StateStore; queue: Queue<RunJob>; timing: QueueTiming },
): Promise<RunOutcome> {
  const { job, loaded, store, queue, timing } = options;
  const opened = await openPartitionedRun({ loaded, store, sync: job.name, runId: job.runId, trigger: job.trigger });
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
  return closePartitionedRun({ loaded, store, runId: job.runId, plan });
}
