import type { RunSummary } from '../api/runs.js';
import type { LoadedProject } from '../config/load-project.js';
import type { RunCounts, StateStore } from '../state/state-store.js';
import type { DeliveryTally } from './deliver-plan.js';
import { deliverRun } from './deliver-run.js';
import { finishRun } from './finish-run.js';
import type { HoldLeaseOptions } from './hold-lease.js';
import { openRun } from './open-run.js';
import { findSync } from './open-sync-endpoints.js';
import { rejectedItems } from './rejected-items.js';

/** A retry's summary: a run's, and the rejected keys dropped because the source no longer has them (the first few named). */
export type RetrySummary = RunSummary & { dropped: number; droppedKeys: string[] };

/**
 * Re-sends only a sync's rejected rows, recording the outcome as a run of kind retry: open-run -> rejected rows as the
 * items (rejectedItems) -> deliver -> finish-run. By default the source is read again and each key's current row is
 * sent; `asRejected` sends the rows as they were when rejected. A retry that cannot start is recorded, then thrown.
 */
export async function retryRejected(options: {
  loaded: LoadedProject;
  store: StateStore;
  sync: string;
  trigger?: string;
  /** Use this run id (the server hands it out before the run starts). */
  runId?: string;
  /** The timing of the sync's lease, held while the rows are re-sent (default SLUICE_LEASE_TTL_MS). */
  lease?: Omit<HoldLeaseOptions, 'signal'>;
  /** Send the rows as they were when rejected instead of reading the source again. */
  asRejected?: boolean;
}): Promise<RetrySummary> {
  const { loaded, store } = options;
  const sync = findSync(loaded, options.sync);
  const asRejected = options.asRejected ?? false;
  const opened = await openRun({
    loaded, store, kind: 'retry', name: options.sync, trigger: options.trigger ?? 'cli', runId: options.runId,
    // The sync's own lease: a retry and a run of the sync would send the same rows.
    lease: options.lease,
    // An incremental stream is read whole: a key missing from a read since the cursor is not gone.
    endpoints: { full: !asRejected },
  });
  if (!opened.started) throw opened.error;
  const counts: RunCounts = { planned: 0, added: 0, changed: 0, removed: 0, unchanged: 0, delivered: 0, failed: 0, invalid: 0 };
  let dropped = 0;
  let droppedKeys: string[] = [];
  let tally: DeliveryTally | null = null;
  let error: unknown = null;
  try {
    const provided = await rejectedItems(opened, { asRejected });
    dropped = provided.dropped;
    droppedKeys = provided.droppedKeys;
    counts.planned = provided.items.length;
    tally = await deliverRun(opened, {
      items: (async function* () {
        if (provided.items.length) yield provided.items;
      })(),
      limitBase: () => ({ planned: counts.planned, invalid: 0 }),
    });
    counts.delivered = tally.delivered;
    counts.failed = tally.failed;
    counts.invalid = tally.invalid;
  } catch (e) {
    error = e;
  }
  const summary = await finishRun(opened, { error, counts, sampleErrors: tally?.sampleErrors, maxFailedRows: sync.on_error.max_failed_rows,
    maxInvalidRows: sync.on_error.max_invalid_rows,
  });
  return { ...summary, dropped, droppedKeys };
}
