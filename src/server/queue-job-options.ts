import type { JobsOptions } from 'bullmq';
import type { QueueTiming } from './queue-timing.js';

/** How a run is put on the queue: its run id as job id (added once however often it is re-queued), retried with backoff. */
export function queueJobOptions(runId: string, timing: QueueTiming): JobsOptions {
  return {
    jobId: runId,
    attempts: timing.attempts,
    backoff: { type: 'exponential', delay: timing.backoffMs },
    removeOnComplete: { count: 1000 },
    removeOnFail: { count: 1000 },
  };
}
