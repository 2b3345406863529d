import type { RunProgress, RunSummary } from '../api/runs.js';
import { checkRunVariables } from '../config/check-run-variables.js';
import type { LoadedProject } from '../config/load-project.js';
import type { RunCounts, StateStore } from '../state/state-store.js';
import type { DeliveryTally } from './deliver-plan.js';
import { deliverRun } from './deliver-run.js';
import { finishRun } from './finish-run.js';
import type { HoldLeaseOptions } from './hold-lease.js';
import { openRun } from './open-run.js';
import { findSync } from './open-sync-endpoints.js';
import { planAgainstLedger } from './plan-against-ledger.js';
import type { PlanCounts } from './plan/plan-sync.js';
import { readAhead } from './read-ahead.js';
import { duplicateKeyMark, streamedPlan } from './plan/streamed-plan.js';
import { withRemovedRows } from './with-removed-rows.js';

// What a run reports as it goes and how it ended are API shapes too (SSE, GET /api/runs/:id): src/api declares them.
export type { RunProgress, RunSummary };

/** What starting a run of a sync or a pipeline takes (from the CLI, a server, a pipeline step). */
export interface StartRunOptions {
  loaded: LoadedProject;
  store: StateStore;
  /** Run-time variable values (`--var k=v`). */
  vars?: Record<string, string>;
  trigger?: string;
  onProgress?: (progress: RunProgress) => void;
  signal?: AbortSignal;
  /** Use this run id (a server hands it out before the run starts). */
  runId?: string;
  /** The timing of the lease that keeps other processes from running it meanwhile (default SLUICE_LEASE_TTL_MS). */
  lease?: Omit<HoldLeaseOptions, 'signal'>;
}

export interface RunSyncOptions extends StartRunOptions {
  sync: string;
  /** Forget what was delivered and send every row again, reading incremental streams in full. */
  full?: boolean;
}

/**
 * Runs a sync once: open-run -> plan against the ledger (or stream it) -> deliver -> finish-run. Never throws for row
 * failures, nor once the run is recorded (a refused lease is a failed run), only for setup errors before that.
 */
export async function runSync(options: RunSyncOptions): Promise<RunSummary> {
  const { loaded, store, sync: name } = options;
  const sync = findSync(loaded, name);
  // Refused values stop here, before a run is recorded or its lease taken.
  checkRunVariables(loaded, { kind: 'sync', name }, options.vars);
  // A run resumed after its worker stopped keeps what earlier attempts delivered: the ledger has it, so it plans as unchanged.
  let carried = 0;
  const counts: RunCounts = { planned: 0, added: 0, changed: 0, removed: 0, unchanged: 0, delivered: 0, failed: 0, invalid: 0 };
  let plan: PlanCounts | null = null;
  let tally: DeliveryTally = { sent: 0, delivered: 0, failed: 0, invalid: 0, sampleErrors: [] };
  let sendStarted = Date.now();
  // An append run counts its rows as it reads them: it has no ETA until the read ends.
  let reading = false;
  const progress = (runId: string, phase: RunProgress['phase']) => {
    const elapsed = Math.max(1, Date.now() - sendStarted) / 1000;
    const rate = tally.sent / elapsed;
    const left = counts.planned - carried - tally.delivered - tally.failed - tally.invalid;
    options.onProgress?.({
      runId, sync: name, phase, planned: counts.planned, sent: tally.sent, delivered: carried + tally.delivered,
      failed: tally.failed, rate, etaSeconds: rate > 0 && !reading ? left / rate : null,
    });
  };
  const opened = await openRun({
    loaded, store, kind: 'sync', name, trigger: options.trigger ?? 'cli', runId: options.runId,
    lease: { ...options.lease, signal: options.signal },
    endpoints: { vars: options.vars, full: options.full },
    onLeaseHeld: (run) => progress(run.id, 'planning'),
  });
  if (!opened.started) {
    progress(opened.summary.run.id, 'done');
    return opened.summary;
  }
  const { run, resumed, lease, endpoints } = opened;
  carried = resumed ? run.counts.delivered : 0;
  counts.delivered = carried;
  let error: unknown = null;
  try {
    // A plan is made as the source is read, each batch compared with the ledger entries of its keys, and sent at once,
    // except where the whole read is planned in one go first: a DuckDB source (planned in SQL inside the workspace,
    // against the ledger's mirror) and --full (every row sent again).
    // After a run that found a key read twice, the whole read is planned first again, until it finds none.
    const mode = sync.mode;
    const full = options.full && !resumed;
    const duplicateSeen = mode !== 'append' && Boolean(await store.getValue(duplicateKeyMark(name)));
    const stream = mode === 'append' || (!full && !duplicateSeen && !endpoints.source.planInWorkspace);
    const planned = stream
      ? streamedPlan({
        source: endpoints.source, store, sync: name, runId: run.id, mode, key: endpoints.key, mapRow: endpoints.mapRow,
        // (Without create-only fields the row is its own fingerprint's: its JSON text then goes out as written for it.)
        fingerprintRow: endpoints.fieldRules.createOnly.length ? endpoints.fieldRules.withoutCreateOnly : undefined,
        // (Append keeps no ledger: nothing to look up.)
        ledgerEmpty: mode === 'append' || (await store.listLedger(name, { limit: 1 })).length === 0,
        complete: endpoints.source.complete ?? true,
        signal: lease.signal,
      })
      : await planAgainstLedger({
        loaded, store, sync: name, endpoints,
        // --full sends every row again; the ledger still says which delivered keys a complete read no longer has.
        forget: full,
        signal: lease.signal,
      });
    // (A whole-read plan throws on a key read twice: this one found none.)
    if (duplicateSeen && !stream) await store.setValue(duplicateKeyMark(name), '');
    let countsWritten: Promise<unknown> = Promise.resolve();
    try {
      plan = planned.counts;
      Object.assign(counts, {
        planned: plan.planned + plan.invalid + carried,
        added: plan.added,
        changed: plan.changed,
        removed: plan.removed,
        unchanged: Math.max(0, plan.unchanged - carried),
        // Rows that cannot be planned count as invalid now; each delivered batch then adds its own counts.
        invalid: plan.invalid,
      });
      await store.updateRun(run.id, { counts });
      if (planned.invalid.length) {
        const now = new Date().toISOString();
        await store.putRejected(
          name,
          planned.invalid.map((r) => ({ key: r.key, runId: run.id, operation: 'plan', kind: 'invalid', row: r.row, error: r.error, request: null, rejectedAt: now })),
        );
      }
      sendStarted = Date.now();
      progress(run.id, 'sending');
      const key = endpoints.key;
      // A streamed plan's counts grow as it reads: a percentage limit is of the rows read so far.
      const follow = () => {
        reading = planned.reading === true;
        counts.planned = plan!.planned + plan!.invalid + carried;
        counts.added = plan!.added;
        counts.changed = plan!.changed;
        counts.removed = plan!.removed;
        counts.unchanged = Math.max(0, plan!.unchanged - carried);
      };
      // ...and reach the run's record about every second, so a run killed mid-way shows what it had read.
      let lastCountsWrite = 0;
      let lastReport = 0;
      tally = await deliverRun(opened, {
        // Batches of 200 planned items: each is parsed in one go on the event loop, and a smaller one holds up the
        // replies of the requests and ledger writes in flight for less time (two A/B pairs of bench/sync-e2e runs
        // leaned that way by about 10%, within this machine's run-to-run noise).
        items: readAhead(withRemovedRows(planned.items({ batchSize: 200 }), key)),
        limitBase: () => {
          follow();
          return { planned: counts.planned, invalid: plan!.invalid };
        },
        onBatch: (t) => {
          tally = t;
          follow();
          const now = Date.now();
          if (planned.reading !== undefined && now - lastCountsWrite >= 1000) {
            lastCountsWrite = now;
            const { planned: n, added, changed, removed, unchanged } = counts;
            countsWritten = countsWritten.then(() => store.updateRun(run.id, { counts: { planned: n, added, changed, removed, unchanged } })).catch(() => undefined);
          }
          if (now - lastReport >= 200) {
            lastReport = now;
            progress(run.id, 'sending');
          }
        },
      });
      follow();
    } finally {
      await countsWritten;
      await planned.close();
    }
    // A run that lost its lease must not commit what its successor reads next.
    if (lease.lost) throw lease.lost;
    await (endpoints.source as { commit?: () => Promise<void> }).commit?.();
  } catch (e) {
    error = e;
  }
  counts.delivered = carried + tally.delivered;
  counts.failed = tally.failed;
  counts.invalid = tally.invalid + (plan?.invalid ?? 0);
  const summary = await finishRun(opened, {
    error, counts, plan, sampleErrors: tally.sampleErrors, maxFailedRows: sync.on_error.max_failed_rows,
    maxInvalidRows: sync.on_error.max_invalid_rows, signal: options.signal,
  });
  progress(run.id, 'done');
  return summary;
}
