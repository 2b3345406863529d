// Runs as the API returns them (GET /api/runs/:id, its events, run lists) and as the engine records them.

/** What a run is: a sync run, a pipeline run or the retry of rejected rows. */
export const runKinds = ['sync', 'pipeline', 'retry'] as const;
export type RunKind = (typeof runKinds)[number];

/** queued: recorded by a server, waiting on the queue for a worker; running; then one of the final three. */
export const runStatuses = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof runStatuses)[number];

/**
 * A status as the UI shows it: the run's own, or partial for a finished run that delivered some rows while others
 * failed or were invalid (web/src/history/shown-status.ts; the runs listing's SQL says the same).
 */
export const shownStatuses = [...runStatuses, 'partial'] as const;
export type ShownStatus = (typeof shownStatuses)[number];

/**
 * Counts a run reports: planned per operation, then delivered, failed (rows the API or database refused) and invalid
 * (rows caught before sending: no key, a request that cannot be rendered).
 */
export interface RunCounts {
  planned: number;
  added: number;
  changed: number;
  removed: number;
  unchanged: number;
  delivered: number;
  failed: number;
  invalid: number;
}

/** One run of a sync or pipeline, as `sluice sync runs` lists it. */
export interface RunRecord {
  id: string;
  kind: RunKind;
  /** The sync's or pipeline's name. */
  name: string;
  status: RunStatus;
  trigger: string;
  startedAt: string;
  finishedAt: string | null;
  counts: RunCounts;
  error: string | null;
  /** How many times a process started it: 1, more when a queue worker resumed it after a crash; 0 while queued. */
  attempt: number;
  /**
   * The API adds these: the code and params of `error` when the engine made it from src/sync/run-end-messages.ts
   * (`failed_rows` with `{ failed: 1, planned: 3, limit: '0' }`), for a client to say in its own language; absent for
   * any other text (a database's or an API's own message), which only `error` says.
   */
  errorCode?: string | null;
  errorParams?: Record<string, string | number> | null;
  /** The code and params of `errorParams.detail` when it is such a text too (a pipeline step's `1 of 3 rows failed ...`). */
  errorDetail?: { code: string; params: Record<string, string | number> } | null;
}

/** How many keys fall in each change class. */
export interface PlanCounts {
  /** Rows read from the source. */
  read: number;
  added: number;
  changed: number;
  removed: number;
  unchanged: number;
  /** Rows the plan sends (after the mode drops what it ignores). */
  planned: number;
  /** Rows without a key: rejected before planning. */
  invalid: number;
}

/** What a running sync reports as it goes (for progress bars, JSON lines and SSE). */
export interface RunProgress {
  runId: string;
  sync: string;
  phase: 'planning' | 'sending' | 'done';
  planned: number;
  sent: number;
  delivered: number;
  failed: number;
  /** Rows per second over the sending phase. */
  rate: number;
  /** Seconds left at the current rate; null before it is known. */
  etaSeconds: number | null;
}

/** A row that failed, as a run's summary samples it. */
export interface RowError {
  key: string;
  error: string;
}

/** How a sync or retry run ended, as the CLI's summary and the API show it. */
export interface RunSummary {
  run: RunRecord;
  plan: PlanCounts | null;
  delivered: number;
  failed: number;
  /** Rows caught before sending (no key, a request that cannot be rendered). */
  invalid: number;
  durationMs: number;
  sampleErrors: RowError[];
}

/**
 * How a run ended, as the `done` event and GET /api/runs/:id carry it: a sync's or retry's RunSummary, a pipeline's
 * summary, just the record (a run that finished elsewhere), or the record and the error when setup failed.
 */
export interface RunOutcome {
  run?: RunRecord | null;
  plan?: PlanCounts | null;
  delivered?: number;
  failed?: number;
  invalid?: number;
  durationMs?: number;
  sampleErrors?: RowError[];
  error?: string;
  /** The code and params of `error`, as on RunRecord. */
  errorCode?: string | null;
  errorParams?: Record<string, string | number> | null;
  /** The code and params of `errorParams.detail` when it is such a text too (a pipeline step's `1 of 3 rows failed ...`). */
  errorDetail?: { code: string; params: Record<string, string | number> } | null;
}

/** GET /api/runs/:id: the run record (`queued` while a worker has not picked it up), live progress, the outcome once finished. */
export type RunDetail = RunRecord & {
  progress?: RunProgress | null;
  summary?: RunOutcome | null;
  /** A retry: the run whose rejected rows it sent again (the newest run of the sync before it that rejected rows). */
  retryOf?: string | null;
  /** The retries that sent this run's rejected rows again, oldest first. */
  retries?: string[];
};

/** GET /api/runs: one page of runs, newest first; `nextCursor` asks for the next page (null: this is the last). */
export interface RunsPage {
  runs: RunRecord[];
  nextCursor: string | null;
}

/** POST .../runs and .../rejected/retry (202): the run started, to follow at /api/runs/:id. */
export interface RunStarted {
  runId: string;
}

/** A row the destination refused, kept with its error and the redacted request. */
export interface RejectedRow {
  key: string;
  runId: string;
  operation: string;
  /** invalid: caught before sending (no key, a request that cannot be rendered); rejected: the API or database refused it. */
  kind?: 'invalid' | 'rejected';
  row: Record<string, unknown>;
  error: string;
  /** The request as sent, secrets masked (curl text or SQL); null when nothing was sent. */
  request: string | null;
  rejectedAt: string;
}
