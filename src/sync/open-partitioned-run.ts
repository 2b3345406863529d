import type { RunSummary } from '../api/runs.js';
import type { LoadedProject } from '../config/load-project.js';
import { isFinalStatus, type RunRecord, type StateStore } from '../state/state-store.js';
import { finishRun } from './finish-run.js';
import { joinSyncLease } from './hold-partition-lease.js';
import { leaseTiming, type LeaseTiming } from './lease-timing.js';
import { findSync } from './open-sync-endpoints.js';
import { readPartitionedRunPlan, savePartitionedRunPlan, type PartitionedRunPlan } from './partition-report.js';

/** A partitioned run opened for its partitions, or one that ended (before or now: its lease was refused). */
export type OpenedPartitionedRun = { started: true; run: RunRecord; plan: PartitionedRunPlan } | { started: false; run: RunRecord; summary?: RunSummary };

/**
 * Opens a run of a sync with `partitions` for its partition jobs: its record goes from queued to running, it takes
 * the sync's lease (the partitions renew it while they work), and fixes how many partitions it has (`of`, else the
 * sync's `partitions`) and whether the ledger was empty. Opening it again (the job repeated after a crash or after Redis lost it) returns what was fixed.
 * A sync another live run holds fails this run at once, as any run of it would.
 */
export async function openPartitionedRun(options: {
  loaded: LoadedProject;
  store: StateStore;
  sync: string;
  runId: string;
  trigger: string;
  lease?: Partial<LeaseTiming>;
  /** How many partitions, when the run is opened for the first time (default: the sync's `partitions` number). */
  of?: number;
}): Promise<OpenedPartitionedRun> {
  const { loaded, store, runId } = options;
  const sync = findSync(loaded, options.sync);
  let run = (await store.getRun(runId)) ?? (await store.createRun({ kind: 'sync', name: options.sync, trigger: options.trigger, id: runId }));
  if (isFinalStatus(run.status)) return { started: false, run };
  if (run.status === 'queued') {
    const resumed = await store.resumeRun(runId);
    if (!resumed || isFinalStatus(resumed.status)) return { started: false, run: resumed ?? run };
    run = resumed;
  }
  const kept = await readPartitionedRunPlan(store, runId);
  try {
    await joinSyncLease(store, run, leaseTiming(options.lease).ttlMs);
  } catch (error) {
    // Taken by another run meanwhile (this run's lease expired while its jobs waited): the partitions stop on their own.
    const summary = await finishRun({ run, store, redactor: loaded.redactor, loaded, openedAt: Date.now(), close: async () => undefined }, { error });
    return { started: false, run: summary.run, summary };
  }
  if (kept) return { started: true, run, plan: kept };
  const plan: PartitionedRunPlan = {
    of: options.of ?? (typeof sync.partitions === 'number' ? sync.partitions : 1),
    ledgerEmpty: sync.mode === 'append' || (await store.listLedger(options.sync, { limit: 1 })).length === 0,
  };
  await savePartitionedRunPlan(store, runId, plan);
  return { started: true, run, plan };
}
