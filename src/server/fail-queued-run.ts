import type { StateStore } from '../state/state-store.js';
import { runEndMessage } from '../sync/run-end-messages.js';
import { forgetQueuedJob } from './queued-job.js';

/**
 * Records a queued run whose job failed for good (its tries used up, or it vanished and cannot be queued again) as
 * failed, unless it ended meanwhile; true when it was recorded now. The job kept to queue it again goes with it.
 */
export async function failQueuedRun(store: StateStore, runId: string, why: string): Promise<boolean> {
  const patch = { status: 'failed' as const, error: runEndMessage('queue_job_failed', { detail: why }), finishedAt: new Date().toISOString() };
  if (!(await store.getRun(runId))) return false;
  const failed = (await store.updateRun(runId, patch, { ifStatus: 'queued' })) || (await store.updateRun(runId, patch, { ifStatus: 'running' }));
  if (failed) await forgetQueuedJob(store, runId);
  return failed;
}
