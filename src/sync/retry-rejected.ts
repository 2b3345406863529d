import type { LoadedProject } from '../config/load-project.js';
import type { RunRecord, StateStore } from '../state/state-store.js';
import { deliverPlan } from './deliver-plan.js';
import { exceedsFailureLimit } from './failure-limit.js';
import { holdLease, type HeldLease, type HoldLeaseOptions } from './hold-lease.js';
import { openRun } from './open-run.js';
import { findSync, openSyncEndpoints } from './open-sync-endpoints.js';
import type { PlannedItem } from './plan-sync.js';
import { plannedOperation } from './choose-operation.js';
import { stringifyRow } from './stringify-row.js';
import { createHash } from 'node:crypto';
import type { RunSummary } from './run-sync.js';

/** Re-sends only a sync's rejected rows (as they were when rejected), recording the outcome as a run of kind retry. */
export async function retryRejected(options: {
  loaded: LoadedProject;
  store: StateStore;
  sync: string;
  trigger?: string;
  /** Use this run id (the server hands it out before the run starts). */
  runId?: string;
  /** The timing of the sync's lease, held while the rows are re-sent (default SLUICE_LEASE_TTL_MS). */
  lease?: Omit<HoldLeaseOptions, 'signal'>;
}): Promise<RunSummary> {
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
    return await retryUnderLease(loaded, store, run, lease);
  } finally {
    await lease.release();
  }
}

async function retryUnderLease(loaded: LoadedProject, store: StateStore, run: RunRecord, lease: HeldLease): Promise<RunSummary> {
  const name = run.name;
  const sync = findSync(loaded, name);
  const started = Date.now();
  const rejected = (await store.listRejected(name, { limit: 1_000_000 })).filter((r) => r.operation !== 'plan');
  const ledger = await store.getLedgerEntries(name, rejected.map((r) => r.key));
  const items: PlannedItem[] = rejected.map((r) => {
    const entry = ledger.get(r.key);
    const change = r.operation === 'delete' ? 'removed' : entry?.fingerprint ? 'changed' : 'added';
    return {
      key: r.key,
      change,
      operation: plannedOperation(sync.mode, change) ?? (r.operation as PlannedItem['operation']),
      row: r.row,
      remoteId: entry?.remoteId ?? null,
      // Fingerprints are md5 of the row's JSON text, as the planner computes them in its workspace.
      fingerprint: change === 'removed' ? null : createHash('md5').update(stringifyRow(r.row)).digest('hex'),
      wasFailed: true,
    };
  });
  const counts = { planned: items.length, added: 0, changed: 0, removed: 0, unchanged: 0, delivered: 0, failed: 0 };
  let error: string | null = null;
  let sampleErrors: { key: string; error: string }[] = [];
  const endpoints = await openSyncEndpoints(loaded, name, { store, run: { id: run.id, started_at: run.startedAt } }).catch(async (e) => {
    await store.updateRun(run.id, { status: 'failed', error: String(e instanceof Error ? e.message : e), finishedAt: new Date().toISOString() });
    throw e;
  });
  try {
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
  return { run: { ...run, status, counts, error, finishedAt }, plan: null, delivered: counts.delivered, failed: counts.failed, durationMs: Date.now() - started, sampleErrors };
}
