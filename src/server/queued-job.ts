import type { StateStore } from '../state/state-store.js';
import { queuedJobName as valueName } from '../sync/queued-job-name.js';
import { runJobSchema, type RunJob } from './run-job.js';

/** Keeps a queued run's job (its vars and `full`, which the run record lacks) so it can be queued again if Redis loses it. */
export async function saveQueuedJob(store: StateStore, job: RunJob): Promise<void> {
  await store.setValue(valueName(job.runId), JSON.stringify(job));
}

/** The job a queued run was queued with; null when none was kept. */
export async function readQueuedJob(store: StateStore, runId: string): Promise<RunJob | null> {
  const text = await store.getValue(valueName(runId));
  if (text === null) return null;
  const parsed = runJobSchema.safeParse(JSON.parse(text));
  return parsed.success ? parsed.data : null;
}

/** Removes the job kept for a run once the run has ended: only a queued or running run is ever queued again. */
export async function forgetQueuedJob(store: StateStore, runId: string): Promise<void> {
  await store.deleteValues([valueName(runId)]);
}
