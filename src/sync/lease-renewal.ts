import { setMaxListeners } from 'node:events';
import type { LeaseTiming } from './lease-timing.js';
import { runEndMessage } from './run-end-messages.js';

/** A lease a run holds while it runs, renewed in the background. */
export interface HeldLease {
  /** Aborts when the run is cancelled or loses its lease: the run must stop sending. */
  readonly signal: AbortSignal;
  /** Why the lease was lost, if it was: check before anything a successor must not repeat. */
  readonly lost: Error | null;
  /** Stops renewing and frees the lease; never throws (an unreleased lease expires on its own). */
  release(): Promise<void>;
}

/** What renewing a run's leases once found: null when every one was renewed, else why the run must stop (its error, from run-end-messages.ts). */
export type RenewalVerdict = string | null;

/**
 * Keeps a run's leases renewed in the background, every `renewEveryMs`. `renew` renews them once: it answers why the
 * run must stop (a lease another run took over), or throws for a failure that may pass (the state store unreachable),
 * which only stops the run once the lease has expired meanwhile. `name` names the lease in the messages.
 * Returns the held lease; `release` stops renewing and calls `free` unless the lease was lost.
 */
export function keepLeaseRenewed(options: LeaseTiming & {
  name: string;
  signal?: AbortSignal;
  renew: () => Promise<RenewalVerdict>;
  free: () => Promise<void>;
}): HeldLease {
  const { ttlMs, renewEveryMs, name } = options;
  const lost = new AbortController();
  const lose = (message: string) => lost.abort(new Error(message));
  // Measured on this machine's monotonic clock, from before each renewal was asked for.
  let confirmedUntil = performance.now() + ttlMs;
  let renewing: Promise<void> | null = null;
  const renew = async () => {
    const asked = performance.now();
    try {
      const verdict = await options.renew();
      if (verdict === null) confirmedUntil = asked + ttlMs;
      else lose(verdict);
    } catch (error) {
      if (performance.now() >= confirmedUntil) {
        lose(runEndMessage('lease_not_renewed_because', { lease: name, detail: error instanceof Error ? error.message : String(error) }));
      }
    }
  };
  const timer = setInterval(() => {
    if (lost.signal.aborted) return;
    if (performance.now() >= confirmedUntil) return lose(runEndMessage('lease_not_renewed', { lease: name }));
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
      if (!lost.signal.aborted) await options.free().catch(() => undefined);
    },
  };
}
