import type { RunRecord, StateStore } from '../state/state-store.js';
import { AlreadyRunningError } from './already-running-error.js';
import { processEnded, thisProcess } from './lease-process.js';
import { leaseTiming, type LeaseTiming } from './lease-timing.js';
import { keepLeaseRenewed, type HeldLease } from './lease-renewal.js';
import { runEndMessage } from './run-end-messages.js';
import { runLeaseName } from './run-lease-name.js';
import { queuedJobName } from './queued-job-name.js';
import { markStopped, stoppedBecause, sweepStaleRuns } from './sweep-stale-runs.js';

export type { HeldLease };

/** Options of holdLease: the timing (default from SLUICE_LEASE_TTL_MS) and the run's own abort signal. */
export interface HoldLeaseOptions extends Partial<LeaseTiming> {
  env?: NodeJS.ProcessEnv;
  /** The run's cancel signal, folded into the lease's. */
  signal?: AbortSignal;
}

/**
 * Whether the run holding a lease is a queue run still recorded running: its worker stopped, but the queue hands its
 * job to another worker (or a server's reconciler queues it again), which resumes it from the ledger, so another run
 * may not take its sync over meanwhile. One whose job failed for good is recorded failed, and frees its sync.
 */
async function queueResumes(store: StateStore, holder: string, self: string): Promise<boolean> {
  if (holder === self || (await store.getValue(queuedJobName(holder))) === null) return false;
  return (await store.getRun(holder))?.status === 'running';
}

/**
 * Takes the lease of a run's sync or pipeline, so that no other process runs it at the same time, and keeps it renewed.
 * Throws AlreadyRunningError when a live run holds it. A lease left by a run that stopped (expired, or its process
 * on this machine ended) is taken over, and that run is recorded as failed, unless the queue resumes that run.
 */
export async function holdLease(store: StateStore, run: RunRecord, options: HoldLeaseOptions = {}): Promise<HeldLease> {
  const { ttlMs, renewEveryMs } = leaseTiming(options);
  const name = runLeaseName(run.kind, run.name);
  const request = { owner: run.id, ttlMs, process: thisProcess() };
  let taken = await store.acquireLease(name, request);
  if (!taken.acquired && processEnded(taken.holder.process) && !(await queueResumes(store, taken.holder.owner, run.id))) {
    taken = await store.acquireLease(name, { ...request, takeOverFrom: taken.holder.owner });
  }
  if (!taken.acquired) throw new AlreadyRunningError(taken.holder);
  // A lease this very run left (an earlier attempt of a resumed queue job) is taken back, not recorded as a failure.
  const replaced = taken.replaced?.owner === run.id ? null : taken.replaced;
  // An expired lease is taken without asking; a queue run's is given back, for the run the queue resumes.
  if (replaced && (await queueResumes(store, replaced.owner, run.id))) {
    await store.releaseLease(name, run.id);
    throw new AlreadyRunningError(replaced);
  }
  // Best effort: the history is tidied, but a failure to tidy it must not stop the run.
  await Promise.resolve()
    .then(() => replaced && markStopped(store, replaced.owner, stoppedBecause(replaced)))
    .then(() => sweepStaleRuns(store, run.name, { ttlMs }))
    .catch(() => undefined);

  return keepLeaseRenewed({
    ttlMs, renewEveryMs, name, signal: options.signal,
    renew: async () => ((await store.renewLease(name, run.id, ttlMs)) ? null : runEndMessage('lease_taken', { lease: name })),
    free: () => store.releaseLease(name, run.id),
  });
}
