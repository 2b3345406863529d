import type { StateStore } from '../state/state-store.js';

/**
 * Records a queued run whose job failed for good (its tries used up, or it vanished and cannot be queued again) as
 * failed, unless it ended meanwhile; true when it was recorded now.
 */
export async function failQueuedRun(store: StateStore, runId: string, why: string): Promise<boolean> {
  const patch = { status: 'failed' as const, error: `the run's queue job failed for good: ${why}`, finishedAt: new Date().toISOString() };
  if (!(await store.getRun(runId))) return false;
  return (await store.updateRun(runId, patch, { ifStatus: 'queued' })) || store.updateRun(runId, patch, { ifStatus: 'running' });
}
