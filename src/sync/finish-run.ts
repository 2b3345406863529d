import type { PlanCounts, RowError, RunSummary } from '../api/runs.js';
import type { LoadedProject } from '../config/load-project.js';
import type { Redactor } from '../log/redactor.js';
import { notifyRun } from '../notify/notify-run.js';
import type { RunCounts, RunRecord, StateStore } from '../state/state-store.js';
import { exceedsFailureLimit } from './failure-limit.js';
import type { HeldLease } from './hold-lease.js';
import { runEndMessage } from './run-end-messages.js';
import { appendRunLog } from './run-log.js';

/** What finishRun needs of a run: openRun's handle, or the record of a run that never started. */
export interface RunToFinish {
  run: RunRecord;
  store: StateStore;
  redactor: Redactor;
  /** The project the run is of: its `notify:` targets are told how the run ended. */
  loaded?: LoadedProject;
  /** When the run was opened (Date.now()), for its summary's duration. */
  openedAt: number;
  /** The lease, when held: a run that lost it failed, whatever else it says. */
  lease?: HeldLease;
  /** Closes the run's endpoints and releases its lease. */
  close(): Promise<void>;
  /** The run's endpoints, when it opened them: results its `write_back:` could not keep fail the run at its end. */
  endpoints?: { writeBackFailure(): string | null } | null;
}

/** How a run's work ended, as finishRun judges it. */
export interface RunEnd {
  /** What stopped the run early (a setup error, a fatal delivery error, "the API is unavailable"); null when it ran to its end. */
  error?: unknown;
  /** The final counts; without them the record keeps the counts it has. */
  counts?: RunCounts;
  plan?: PlanCounts | null;
  /** The first few rows that failed. */
  sampleErrors?: RowError[];
  /** The sync's `on_error.max_failed_rows`: past it, a run that otherwise ran to its end failed. */
  maxFailedRows?: number | string;
  /** The sync's `on_error.max_invalid_rows`: past it (rows caught before sending), a run that otherwise ran to its end failed. */
  maxInvalidRows?: number | string;
  /** The run's cancel signal: a run it stopped, without another error, was cancelled. */
  signal?: AbortSignal;
}

/**
 * The one place a run ends: closes what it held (endpoints, then lease), judges its status (an error, a lost lease,
 * the failure limit, cancellation, results `write_back:` could not keep), records it with its counts, appends it to the
 * sync's `run_log:`, tells its `notify:` targets, and returns its summary with errors masked. The lease is released
 * before the end is recorded, so whoever sees the run ended may start the next one at once; the run log and
 * notifications go out after both, and never change how the run ended.
 */
export async function finishRun(opened: RunToFinish, end: RunEnd): Promise<RunSummary> {
  const { run, store, redactor } = opened;
  await opened.close();
  const counts = end.counts ?? run.counts;
  const stopped = end.error ?? opened.lease?.lost ?? opened.endpoints?.writeBackFailure() ?? null;
  let error = stopped === null ? null : redactor.mask(stopped instanceof Error ? stopped.message : String(stopped));
  if (!error && end.maxFailedRows !== undefined && exceedsFailureLimit(counts.failed, counts.planned, end.maxFailedRows)) {
    error = run.kind === 'retry'
      ? runEndMessage('failed_again', { failed: counts.failed, planned: counts.planned })
      : runEndMessage('failed_rows', { failed: counts.failed, planned: counts.planned, limit: String(end.maxFailedRows) });
  }
  const invalid = counts.invalid ?? 0;
  if (!error && end.maxInvalidRows !== undefined && exceedsFailureLimit(invalid, counts.planned, end.maxInvalidRows)) {
    error = run.kind === 'retry'
      ? runEndMessage('invalid_again', { invalid, planned: counts.planned })
      : runEndMessage('invalid_rows', { invalid, planned: counts.planned, limit: String(end.maxInvalidRows) });
  }
  // Asked to stop (a cancel, the server shutting down): cancelled, whatever the stop did to the rows in flight.
  const status = end.signal?.aborted ? 'cancelled' : error ? 'failed' : 'succeeded';
  const finishedAt = new Date().toISOString();
  await store.updateRun(run.id, end.counts ? { status, counts, error, finishedAt } : { status, error, finishedAt });
  const summary: RunSummary = {
    run: { ...run, status, counts, error, finishedAt },
    plan: end.plan ?? null,
    delivered: counts.delivered,
    failed: counts.failed,
    invalid: counts.invalid ?? 0,
    durationMs: Date.now() - opened.openedAt,
    sampleErrors: (end.sampleErrors ?? []).map((s) => ({ key: s.key, error: redactor.mask(s.error) })),
  };
  if (opened.loaded) await appendRunLog({ loaded: opened.loaded, summary });
  if (opened.loaded) await notifyRun({ loaded: opened.loaded, store, summary });
  return summary;
}
