import type { RunCounts, RunSummary } from '../api/runs.js';
import type { Redactor } from '../log/redactor.js';

/** Bounds of what a notice carries: a run's error may be megabytes (an API's HTML page), a notice stays small. */
export const MAX_NOTICE_ERROR_CHARS = 2000;
const MAX_SAMPLE_ERRORS = 5;
const MAX_SAMPLE_CHARS = 500;

/**
 * A run's end as its notifications tell it: the webhook's JSON `run`, and what an endpoint's templates see as `run`
 * and as `row` (with `conditions`). Names are snake_case, as templates write them.
 */
export interface RunNotice extends RunCounts {
  id: string;
  /** sync, pipeline or retry (the retry of a sync's rejected rows). */
  kind: string;
  /** The sync's or pipeline's name. */
  name: string;
  /** succeeded, failed or cancelled. */
  status: string;
  /** What started it: cli, schedule, api, pipeline:NAME... */
  trigger: string;
  started_at: string;
  finished_at: string | null;
  duration_ms: number;
  /** failed (rows the destination refused; invalid ones not counted) over planned, in percent (two decimals); 0 when nothing was planned. */
  rejected_percent: number;
  /** Why the run failed, masked and cut at MAX_NOTICE_ERROR_CHARS; null when it did not. */
  error: string | null;
  /** The first few rows that failed (key and error), each cut short. */
  sample_errors: { key: string; error: string }[];
  /** One line for a chat message: `sync orders failed in 12.3s, 6 of 100 rows failed, 2 invalid (run r_...)`. */
  text: string;
}

/** The notice of a run's summary; every text masked by the project's redactor. */
export function runNotice(summary: RunSummary, redactor: Redactor): RunNotice {
  const { run } = summary;
  const c = run.counts;
  const error = run.error === null ? null : cut(redactor.mask(run.error), MAX_NOTICE_ERROR_CHARS);
  const rejectedPercent = c.planned > 0 ? Math.round((c.failed / c.planned) * 10_000) / 100 : 0;
  const took = formatDuration(summary.durationMs);
  const invalid = c.invalid ? `, ${c.invalid} invalid` : '';
  const outcome = `${c.failed > 0 ? `${c.failed} of ${c.planned} rows failed` : `${c.delivered} of ${c.planned} rows delivered`}${invalid}`;
  const why = error !== null && run.status === 'failed' ? `: ${cut(error, 300)}` : '';
  return {
    id: run.id,
    kind: run.kind,
    name: run.name,
    status: run.status,
    trigger: run.trigger,
    started_at: run.startedAt,
    finished_at: run.finishedAt,
    duration_ms: summary.durationMs,
    // The run's counts, flat beside its other fields (as templates write run.delivered).
    ...c,
    rejected_percent: rejectedPercent,
    error,
    sample_errors: summary.sampleErrors.slice(0, MAX_SAMPLE_ERRORS).map((s) => ({
      key: cut(s.key, 200),
      error: cut(redactor.mask(s.error), MAX_SAMPLE_CHARS),
    })),
    text: `${run.kind} ${run.name} ${run.status} in ${took}, ${outcome}${why} (run ${run.id})`,
  };
}

/** The text, or its first `max` characters and how many more there were. */
export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… (${text.length - max} more characters)`;
}

function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
