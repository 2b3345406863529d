import type { RunSummary } from '../api/runs.js';
import { checkRunVariables } from '../config/check-run-variables.js';
import type { LoadedProject } from '../config/load-project.js';
import type { LedgerEntry, RunCounts } from '../state/state-store.js';
import { finishRun } from './finish-run.js';
import { lookUpRemoteIds } from './look-up-remote-ids.js';
import { openRun } from './open-run.js';
import { findSync, syncEndpoints } from './open-sync-endpoints.js';
import { baselineTrigger, checkBaselineMode, planBaseline } from './plan-baseline.js';
import type { PlanCounts } from './plan/plan-sync.js';
import type { RunSyncOptions } from './run-sync.js';
import type { BaselineResult } from './write-back-destination.js';

/** How many keys the lookup did not find a summary names (the rest are counted). */
export const NOT_FOUND_NAMED = 10;
/** Planned items adopted at a time: looked up together (concurrently), then recorded in one ledger transaction. */
const ADOPT_BATCH = 200;

/** What a baseline adopted, beside its run's summary. */
export interface BaselineOutcome {
  /** Rows recorded as delivered by this run (their fingerprint, and the remote id kept or found). */
  adopted: number;
  /** Of those, rows whose remote id the lookup found. */
  found: number;
  /** Rows the lookup did not find: left unrecorded, so the next run creates them. */
  notFound: number;
  /** The first NOT_FOUND_NAMED of them. */
  notFoundKeys: string[];
  /** The lookup endpoint the remote ids were asked of; null when the sync has none (rows are adopted without one). */
  lookup: string | null;
  /** Whether an incremental stream's cursor moved to this read (not when a row was left for the next run: it must read it again). */
  cursorAdvanced: boolean;
}

/** A baseline's summary: its run's, and what it adopted. */
export type BaselineSummary = RunSummary & { baseline: BaselineOutcome };

/**
 * A baseline run (`sluice sync run NAME --baseline`): for a destination that already holds the records. It reads the
 * source in full, finds each row's remote id through the sync's lookup endpoint where it has one, and records every
 * current row in the ledger as delivered — its fingerprint and remote id, as if it had been sent — sending no write.
 * A row the lookup does not find stays unrecorded, so the next run creates it. The run is a sync run whose trigger
 * ends in `:baseline`. Rows are adopted in batches, each in one ledger transaction with the run's counts: a baseline
 * stopped mid-way keeps what it adopted. A lookup that fails (not a 404: a refusal, an outage) fails the run.
 * The sync's `write_back:` table gets each batch's rows (adopted as `delivered`, not found as `not_found`), and its
 * `run_log:` the run's row, as a run's do.
 */
export async function adoptBaseline(options: RunSyncOptions): Promise<BaselineSummary> {
  const { loaded, store, sync: name } = options;
  const sync = findSync(loaded, name);
  checkRunVariables(loaded, { kind: 'sync', name }, options.vars);
  await checkBaselineMode(loaded, name);
  if (options.full) throw new Error('a baseline adopts what the destination holds; --full sends every row again: give one of them');
  const lookup = lookupEndpoint(loaded, name);
  const counts: RunCounts = { planned: 0, added: 0, changed: 0, removed: 0, unchanged: 0, delivered: 0, failed: 0, invalid: 0 };
  const outcome: BaselineOutcome = { adopted: 0, found: 0, notFound: 0, notFoundKeys: [], lookup, cursorAdvanced: false };
  let sent = 0;
  const progress = (runId: string, phase: 'planning' | 'sending' | 'done') =>
    options.onProgress?.({ runId, sync: name, phase, planned: counts.planned, sent, delivered: outcome.adopted, failed: 0, rate: 0, etaSeconds: null });
  const opened = await openRun({
    loaded, store, kind: 'sync', name, trigger: baselineTrigger(options.trigger ?? 'cli'), runId: options.runId,
    lease: { ...options.lease, signal: options.signal },
    // Every current row, an incremental stream's included.
    endpoints: { vars: options.vars, full: true },
    onLeaseHeld: (run) => progress(run.id, 'planning'),
  });
  if (!opened.started) return { ...opened.summary, baseline: outcome };
  const { run, lease, endpoints } = opened;
  const destination = endpoints.destination;
  const lookUp = lookup !== null && destination.supports('lookup');
  let plan: PlanCounts | null = null;
  let error: unknown = null;
  try {
    const planned = await planBaseline({ loaded, store, sync: name, endpoints, signal: lease.signal });
    try {
      plan = planned.counts;
      Object.assign(counts, { planned: plan.planned, added: plan.added, changed: plan.changed, unchanged: plan.unchanged, invalid: plan.invalid });
      await store.updateRun(run.id, { counts });
      if (planned.invalid.length) {
        const now = new Date().toISOString();
        await store.putRejected(
          name,
          planned.invalid.map((r) => ({ key: r.key, runId: run.id, operation: 'plan', kind: 'invalid', row: r.row, error: r.error, request: null, rejectedAt: now })),
        );
      }
      progress(run.id, 'sending');
      for await (const batch of planned.items({ batchSize: ADOPT_BATCH })) {
        // Cancelled (or the lease lost): what was adopted stays; finishRun says which.
        if (lease.signal.aborted) break;
        // A remote id the ledger keeps (a record Sluice delivered before) stands; the others are asked of the lookup.
        const ask = lookUp ? batch.filter((p) => p.remoteId === null) : [];
        const found = ask.length
          ? await lookUpRemoteIds(destination, ask.map((p) => ({ key: p.key, operation: 'update', row: p.row, remoteId: null })), lease.signal)
          : new Map<string, string | null>();
        sent += ask.length;
        const now = new Date().toISOString();
        const put: LedgerEntry[] = [];
        const cleared: string[] = [];
        const results: BaselineResult[] = [];
        for (const p of batch) {
          const remoteId = p.remoteId ?? found.get(p.key) ?? null;
          if (lookUp && remoteId === null) {
            outcome.notFound++;
            if (outcome.notFoundKeys.length < NOT_FOUND_NAMED) outcome.notFoundKeys.push(p.key);
            results.push({ item: p, remoteId: null, status: 'not_found' });
            continue;
          }
          if (p.remoteId === null && remoteId !== null) outcome.found++;
          put.push({ key: p.key, fingerprint: p.fingerprint, remoteId, status: 'delivered', lastError: null, runId: run.id, updatedAt: now });
          results.push({ item: p, remoteId, status: 'delivered' });
          if (p.wasFailed) cleared.push(p.key);
        }
        if (put.length) {
          await store.applyLedgerChanges(name, { put, deleted: [], rejected: [], cleared, counts: { runId: run.id, delivered: put.length, failed: 0 } });
        }
        outcome.adopted += put.length;
        // After the ledger, as a run's batch: the write_back table holds what the ledger does (a failure fails the run at its end).
        await endpoints.recordBaseline(results, lookUp ? lookup : null);
        progress(run.id, 'sending');
      }
    } finally {
      await planned.close();
    }
    if (lease.lost) throw lease.lost;
    // A row left for the next run must be read by it: an incremental stream keeps its old cursor then.
    if (!lease.signal.aborted && outcome.notFound === 0 && counts.invalid === 0) {
      await (endpoints.source as { commit?: () => Promise<void> }).commit?.();
      outcome.cursorAdvanced = true;
    }
  } catch (e) {
    error = e;
  }
  counts.delivered = outcome.adopted;
  const summary = await finishRun(opened, {
    error, counts, plan, maxInvalidRows: sync.on_error.max_invalid_rows, signal: options.signal,
  });
  progress(run.id, 'done');
  return { ...summary, baseline: outcome };
}

/** The name of the lookup endpoint the sync's destination asks remote ids of (named by the sync, or the connector's default); null without one. */
export function lookupEndpoint(loaded: LoadedProject, name: string): string | null {
  const sync = findSync(loaded, name);
  const connector = loaded.connectors[sync.to.connection];
  if (!connector || !sync.to.connection) return null;
  return syncEndpoints(sync, connector.spec.endpoints).lookup ?? null;
}
