import type { RunRecord, StateStore } from '../state/state-store.js';
import { AlreadyRunningError } from './already-running-error.js';
import { processEnded, thisProcess } from './lease-process.js';
import { leaseTiming, type LeaseTiming } from './lease-timing.js';
import { keepLeaseRenewed, type HeldLease } from './lease-renewal.js';
import { runLeaseName } from './run-lease-name.js';
import { markStopped, stoppedBecause, sweepStaleRuns } from './sweep-stale-runs.js';

export type { HeldLease };

/** Options of holdLease: the timing (default from SLUICE_LEASE_TTL_MS) and the run's own abort signal. */
export interface HoldLeaseOptions extends Partial<LeaseTiming> {
  env?: NodeJS.ProcessEnv;
  /** The run's cancel signal, folded into the lease's. */
  signal?: AbortSignal;
}

/**
 * Takes the lease of a run's sync or pipeline, so that no other process runs it at the same time, and keeps it renewed.
 * Throws AlreadyRunningError when a live run holds it. A lease left by a run that stopped (expired, or its process
 * on this machine ended) is taken over, and that run is recorded as failed.
 */
export async function holdLease(store: StateStore, run: RunRecord, options: HoldLeaseOptions = {}): Promise<HeldLease> {
  const { ttlMs, renewEveryMs } = leaseTiming(options);
  const name = runLeaseName(run.kind, run.name);
  const request = { owner: run.id, ttlMs, process: thisProcess() };
  let taken = await store.acquireLease(name, request);
  if (!taken.acquired && processEnded(taken.holder.process)) {
    taken = await store.acquireLease(name, { ...request, takeOverFrom: taken.holder.owner });
  }
  if (!taken.acquired) throw new AlreadyRunningError(taken.holder);
  // A lease this very run left (an earlier attempt of a resumed queue job) is taken back, not recorded as a failure.
  const replaced = taken.replaced?.owner === run.id ? null : taken.replaced;
  // Best effort: the history is tidied, but a failure to tidy it must not stop the run.
  await Promise.resolve()
    .then(() => replaced && markStopped(store, replaced.owner, stoppedBecause(replaced)))
    .then(() => sweepStaleRuns(store, run.name, { ttlMs }))
    .catch(() => undefined);

  return keepLeaseRenewed({
    ttlMs, renewEveryMs, name, signal: options.signal,
    renew: async () => ((await store.renewLease(name, run.id, ttlMs)) ? null : `the run lost its lease on ${name}: it expired and another run took it over`),
    free: () => store.releaseLease(name, run.id),
  });
}
