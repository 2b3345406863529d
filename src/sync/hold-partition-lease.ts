import type { RunRecord, StateStore } from '../state/state-store.js';
import { isFinalStatus } from '../state/state-store.js';
import { AlreadyRunningError } from './already-running-error.js';
import type { HeldLease, HoldLeaseOptions } from './hold-lease.js';
import { processEnded, thisProcess } from './lease-process.js';
import { leaseTiming } from './lease-timing.js';
import { keepLeaseRenewed } from './lease-renewal.js';
import { runEndMessage } from './run-end-messages.js';
import { runLeaseName } from './run-lease-name.js';

/** The lease of one partition of a sync's run: `sync:NAME#INDEX/OF`. */
export function partitionLeaseName(sync: string, index: number, of: number): string {
  return `${runLeaseName('sync', sync)}#${index}/${of}`;
}

/**
 * Takes the sync's lease for a partitioned run: free, expired, or already this run's (another of its partitions, or
 * the job that opened it, holds it). Throws AlreadyRunningError when another live run holds it. The run's partitions
 * hold it together, each renewing it while it works; the job that closes the run releases it.
 */
export async function joinSyncLease(store: StateStore, run: RunRecord, ttlMs: number): Promise<void> {
  const name = runLeaseName('sync', run.name);
  const request = { owner: run.id, ttlMs, process: thisProcess(), takeOverFrom: run.id };
  let taken = await store.acquireLease(name, request);
  if (!taken.acquired && processEnded(taken.holder.process)) {
    taken = await store.acquireLease(name, { ...request, takeOverFrom: taken.holder.owner });
  }
  if (!taken.acquired) throw new AlreadyRunningError(taken.holder);
}

/**
 * Holds what one partition's job needs while it delivers: its own lease (one attempt at a time per partition: a
 * retried job waits for a stalled earlier attempt, or takes over from one whose process ended) and, jointly with
 * the run's other partitions, the sync's lease. Both are renewed in the background; the signal aborts when either is
 * lost, when the run's own signal aborts, or when the run ended meanwhile (another partition failed it for good).
 */
export async function holdPartitionLease(
  store: StateStore,
  run: RunRecord,
  partition: { index: number; of: number },
  options: HoldLeaseOptions = {},
): Promise<HeldLease> {
  const { ttlMs, renewEveryMs } = leaseTiming(options);
  const own = partitionLeaseName(run.name, partition.index, partition.of);
  const request = { owner: run.id, ttlMs, process: thisProcess() };
  let taken = await store.acquireLease(own, request);
  if (!taken.acquired && processEnded(taken.holder.process)) taken = await store.acquireLease(own, { ...request, takeOverFrom: run.id });
  if (!taken.acquired) throw new AlreadyRunningError(taken.holder);
  try {
    await joinSyncLease(store, run, ttlMs);
  } catch (error) {
    await store.releaseLease(own, run.id).catch(() => undefined);
    throw error;
  }
  const shared = runLeaseName('sync', run.name);
  return keepLeaseRenewed({
    ttlMs, renewEveryMs, name: own, signal: options.signal,
    renew: async () => {
      const [mine, joint] = await Promise.all([store.renewLease(own, run.id, ttlMs), store.renewLease(shared, run.id, ttlMs)]);
      if (!mine) return runEndMessage('lease_taken_by_attempt', { lease: own });
      if (!joint) return runEndMessage('lease_taken', { lease: shared });
      const now = await store.getRun(run.id);
      return now && isFinalStatus(now.status) ? now.error ? runEndMessage('ended_meanwhile_because', { status: now.status, detail: now.error }) : runEndMessage('ended_meanwhile', { status: now.status }) : null;
    },
    // The sync's lease stays: the run's other partitions may still be at work, and the closing job frees it.
    free: () => store.releaseLease(own, run.id),
  });
}
