import type { LoadedProject } from '../config/load-project.js';
import type { Row } from '../rows/row.js';
import type { RunRecord, StateStore } from '../state/state-store.js';
import { deliverPlan } from './deliver-plan.js';
import { exceedsFailureLimit } from './failure-limit.js';
import { holdLease, type HeldLease, type HoldLeaseOptions } from './hold-lease.js';
import { openRun } from './open-run.js';
import { findSync, openSyncEndpoints } from './open-sync-endpoints.js';
import type { PlannedItem } from './plan/plan-sync.js';
import { plannedOperation } from './plan/choose-operation.js';
import { readCurrentRows } from './read-current-rows.js';
import { stringifyRow } from './plan/stringify-row.js';
import { createHash } from 'node:crypto';
import type { RunSummary } from './run-sync.js';

/** A retry's summary: a run's, and how many rejected keys were dropped because the source no longer has them. */
export type RetrySummary = RunSummary & { dropped: number };

/**
 * Re-sends only a sync's rejected rows, recording the outcome as a run of kind retry. By default the source is read
 * again and each key's current row is sent (the rejected payload may be stale); a key gone from the source leaves
 * the rejected list unsent. `asRejected` sends the rows as they were when rejected.
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
  findSync(loaded, options.sync);
  const { run } = await openRun(store, { kind: 'retry', name: options.sync, trigger: options.trigger ?? 'cli', id: options.runId });
  // The sync's own lease: a retry and a run of the sync would send the same rows.
  const lease = await holdLease(store, run, options.lease).catch(async (e: unknown) => {
    const error = loaded.redactor.mask(e instanceof Error ? e.message : String(e));
    await store.updateRun(run.id, { status: 'failed', error, finishedAt: new Date().toISOString() });
    throw e;
  });
  try {
    return await retryUnderLease(loaded, store, run, lease, options.asRejected ?? false);
  } finally {
    await lease.release();
  }
}

async function retryUnderLease(loaded: LoadedProject, store: StateStore, run: RunRecord, lease: HeldLease, asRejected: boolean): Promise<RetrySummary> {
  const name = run.name;
  const sync = findSync(loaded, name);
  const started = Date.now();
  const rejected = (await store.listRejected(name, { limit: 1_000_000 })).filter((r) => r.operation !== 'plan');
  const ledger = await store.getLedgerEntries(name, rejected.map((r) => r.key));
  const counts = { planned: 0, added: 0, changed: 0, removed: 0, unchanged: 0, delivered: 0, failed: 0 };
  let error: string | null = null;
  let sampleErrors: { key: string; error: string }[] = [];
  let dropped = 0;
  // An incremental stream is read whole: a key missing from a read since the cursor is not gone.
  const endpoints = await openSyncEndpoints(loaded, name, { store, run: { id: run.id, started_at: run.startedAt }, full: !asRejected }).catch(async (e) => {
    await store.updateRun(run.id, { status: 'failed', error: String(e instanceof Error ? e.message : e), finishedAt: new Date().toISOString() });
    throw e;
  });
  try {
    let current: Map<string, Row> | null = null;
    if (!asRejected) {
      current = await readCurrentRows({ source: endpoints.source, key: endpoints.key, mapRow: endpoints.mapRow, keys: new Set(rejected.map((r) => r.key)), signal: lease.signal });
      // A row gone from the source has nothing left to send (a rejected delete still has its removal to make).
      const gone = rejected.filter((r) => r.operation !== 'delete' && !current!.has(r.key)).map((r) => r.key);
      if (gone.length) await store.deleteRejected(name, gone);
      dropped = gone.length;
    }
    const items: PlannedItem[] = [];
    for (const r of rejected) {
      const entry = ledger.get(r.key);
      // Re-read: the row as the source has it now; --as-rejected: the row as it was when rejected.
      const row = current ? current.get(r.key) : r.row;
      if (!row && r.operation !== 'delete') continue;
      const change = !row || (!current && r.operation === 'delete') ? 'removed' : entry?.fingerprint ? 'changed' : 'added';
      items.push({
        key: r.key,
        change,
        operation: plannedOperation(sync.mode, change) ?? (r.operation as PlannedItem['operation']),
        row: row ?? r.row,
        remoteId: entry?.remoteId ?? null,
        // Fingerprints are md5 of the row's JSON text, as the planner computes them in its workspace.
        fingerprint: change === 'removed' ? null : createHash('md5').update(stringifyRow(row!)).digest('hex'),
        wasFailed: true,
      });
    }
    counts.planned = items.length;
    const tally = await deliverPlan({
      items: (async function* () {
        if (items.length) yield items;
      })(),
      destination: endpoints.destination,
      store,
      sync: name,
      runId: run.id,
      mode: sync.mode,
      signal: lease.signal,
      // As a run: past the limit, nothing more is sent.
      stopWhen: (t) => exceedsFailureLimit(t.failed, counts.planned, sync.on_error.max_failed_rows),
    });
    if (lease.lost) throw lease.lost;
    counts.delivered = tally.delivered;
    counts.failed = tally.failed;
    sampleErrors = tally.sampleErrors.map((s) => ({ key: s.key, error: loaded.redactor.mask(s.error) }));
  } catch (e) {
    error = loaded.redactor.mask(e instanceof Error ? e.message : String(e));
  } finally {
    await endpoints.close();
  }
  if (!error && exceedsFailureLimit(counts.failed, counts.planned, sync.on_error.max_failed_rows)) {
    error = `${counts.failed} of ${counts.planned} rows failed again`;
  }
  const status = error ? 'failed' : 'succeeded';
  const finishedAt = new Date().toISOString();
  await store.updateRun(run.id, { status, counts, error, finishedAt });
  return {
    run: { ...run, status, counts, error, finishedAt }, plan: null, delivered: counts.delivered, failed: counts.failed,
    durationMs: Date.now() - started, sampleErrors, dropped,
  };
}
