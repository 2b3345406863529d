import { setMaxListeners } from 'node:events';
import type { RunRecord, StateStore } from '../state/state-store.js';
import { AlreadyRunningError } from './already-running-error.js';
import { processEnded, thisProcess } from './lease-process.js';
import { leaseTiming, type LeaseTiming } from './lease-timing.js';
import { runLeaseName } from './run-lease-name.js';
import { markStopped, stoppedBecause, sweepStaleRuns } from './sweep-stale-runs.js';

/** Options of holdLease: the timing (default from SLUICE_LEASE_TTL_MS) and the run's own abort signal. */
export interface HoldLeaseOptions extends Partial<LeaseTiming> {
  env?: NodeJS.ProcessEnv;
  /** The run's cancel signal, folded into the lease's. */
  signal?: AbortSignal;
}

/** A lease a run holds while it runs, renewed in the background. */
export interface HeldLease {
  /** Aborts when the run is cancelled or loses its lease: the run must stop sending. */
  readonly signal: AbortSignal;
  /** Why the lease was lost, if it was: check before anything a successor must not repeat. */
  readonly lost: Error | null;
  /** Stops renewing and frees the lease; never throws (an unreleased lease expires on its own). */
  release(): Promise<void>;
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

  const lost = new AbortController();
  const lose = (message: string) => lost.abort(new Error(`${message}; it stopped so that two runs never send the same rows`));
  // Measured on this machine's monotonic clock, from before each renewal was asked for.
  let confirmedUntil = performance.now() + ttlMs;
  let renewing: Promise<void> | null = null;
  const renew = async () => {
    const asked = performance.now();
    try {
      if (await store.renewLease(name, run.id, ttlMs)) confirmedUntil = asked + ttlMs;
      else lose(`the run lost its lease on ${name}: it expired and another run took it over`);
    } catch (error) {
      if (performance.now() >= confirmedUntil) {
        lose(`the run could not renew its lease on ${name} before it expired (${error instanceof Error ? error.message : String(error)})`);
      }
    }
  };
  const timer = setInterval(() => {
    if (lost.signal.aborted) return;
    if (performance.now() >= confirmedUntil) return lose(`the run could not renew its lease on ${name} before it expired`);
    renewing ??= renew().finally(() => (renewing = null));
  }, renewEveryMs);
  // The run keeps the process alive, not its lease.
  timer.unref();

  const signal = options.signal ? AbortSignal.any([options.signal, lost.signal]) : lost.signal;
  // Every request in flight, every wait for a slot and every backoff listens to the run's signal, each until it ends:
  // a connector's concurrency above 10 is not a leak, and Node's warning about one would reach the user's terminal.
  setMaxListeners(0, signal);
  return {
    signal,
    get lost() {
      return lost.signal.aborted ? (lost.signal.reason as Error) : null;
    },
    async release() {
      clearInterval(timer);
      await renewing;
      if (!lost.signal.aborted) await store.releaseLease(name, run.id).catch(() => undefined);
    },
  };
}
