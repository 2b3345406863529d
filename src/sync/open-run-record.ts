import { isFinalStatus, type RunKind, type RunRecord, type StateStore } from '../state/state-store.js';
import { processEnded } from './lease-process.js';
import { runLeaseName } from './run-lease-name.js';

/** Raised when a queue worker is handed a run whose earlier attempt still holds its lease: the job is tried again later. */
export class AttemptStillRunningError extends Error {
  constructor(runId: string, detail: string) {
    super(`run ${runId} is still running in an earlier attempt (${detail}); this attempt waits for it to end or its lease to expire`);
    this.name = 'AttemptStillRunningError';
  }
}

/** A run record opened for this attempt (its counts hold what earlier attempts recorded). */
export interface OpenedRunRecord {
  run: RunRecord;
  /** True when the record existed (queued by a server, or left running by a worker that stopped). */
  resumed: boolean;
}

/**
 * Opens the record a run works under. A new id (the CLI, a server running in process) is recorded now. An id a server
 * already recorded `queued`, or one whose worker stopped mid-run, is opened again as its next attempt, so a queue job
 * retried after a crash continues its run instead of colliding with it. A run whose earlier attempt still holds the
 * lease throws AttemptStillRunningError; one that already ended throws (its job has nothing left to do).
 */
export async function openRunRecord(
  store: StateStore,
  run: { kind: RunKind; name: string; trigger: string; id?: string },
): Promise<OpenedRunRecord> {
  const existing = run.id ? await store.getRun(run.id) : null;
  if (!existing) return { run: await store.createRun(run), resumed: false };
  if (isFinalStatus(existing.status)) throw new Error(`run ${existing.id} already ended (${existing.status}); it is not run again`);
  if (existing.status === 'running') {
    // Another attempt may still be alive (a worker that stalled, not crashed): only an expired lease or an ended process lets this one in.
    const lease = await store.getLease(runLeaseName(existing.kind, existing.name));
    if (lease?.owner === existing.id && !lease.expired && !processEnded(lease.process)) {
      throw new AttemptStillRunningError(existing.id, `process ${lease.process.pid} on ${lease.process.host}, lease until ${lease.expiresAt}`);
    }
  }
  const resumed = await store.resumeRun(existing.id);
  if (!resumed || isFinalStatus(resumed.status)) throw new Error(`run ${existing.id} already ended; it is not run again`);
  return { run: resumed, resumed: true };
}
