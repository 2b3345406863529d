// The JSON shapes of the Sluice REST API (src/server/README.md), as the UI reads them.

/** A problem in sluice.yaml or a connector spec, with where it is. */
export interface ConfigIssue {
  file?: string;
  line?: number;
  column?: number;
  path?: string;
  message: string;
}

export interface ConnectionSummary {
  name: string;
  type: string;
  connector?: string;
  authType?: string;
  /** OAuth connections: tokens are stored. */
  authorized?: boolean;
}

/** A connection as written in sluice.yaml (secrets come back masked or absent). */
export type ConnectionObject = Record<string, unknown> & { type: string };

export interface ConnectionTestResult {
  /** Nothing failed: the connection answered. */
  ok: boolean;
  /** The credentials were checked (a database login, the connector's `test:`); ok without it: "reachable; credentials not verified". */
  verified: boolean;
  message: string;
  ms: number;
}

export interface ConnectorSummary {
  name: string;
  title?: string;
  /** Where the spec is, relative to the project (or the package for built-ins). */
  file?: string;
  builtin?: boolean;
  endpoints: { name: string; operation: string; method: string; request: string }[];
  streams: { name: string; path: string }[];
  auth: string[];
  issues?: ConfigIssue[];
}

export interface ConnectorDetail {
  name: string;
  file?: string;
  builtin?: boolean;
  yaml: string;
  spec?: Record<string, unknown> | null;
  issues?: ConfigIssue[];
}

/** One request of the builder's live preview (credentials masked), or why its row does not render. */
export interface RenderedRequest {
  keys?: string[];
  curl: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | null;
  error?: string;
}

/** What "Send test request" gave back: the response (null when nothing was sent) and the per-row outcome. */
export interface SentRequest {
  curl: string;
  status: number | null;
  headers: Record<string, string>;
  body: unknown;
  ms: number | null;
  results: { key: string; ok: boolean; remote_id?: string | null; error?: string }[];
  error?: string;
}

export interface RunCounts {
  planned: number;
  added: number;
  changed: number;
  removed: number;
  unchanged: number;
  delivered: number;
  failed: number;
}

export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface RunRecord {
  id: string;
  kind: 'sync' | 'pipeline' | 'retry';
  name: string;
  status: RunStatus;
  trigger: string;
  startedAt: string;
  finishedAt: string | null;
  counts: RunCounts;
  error: string | null;
  /** Which attempt of the run this is (1 on the first; a queued run resumed by another worker counts up); 0 while queued. */
  attempt: number;
}

export interface PlanCounts {
  read: number;
  added: number;
  changed: number;
  removed: number;
  unchanged: number;
  planned: number;
  invalid: number;
}

export interface RunSummary {
  run: RunRecord;
  plan: PlanCounts | null;
  delivered: number;
  failed: number;
  durationMs: number;
  sampleErrors: { key: string; error: string }[];
}

export interface RunProgress {
  runId: string;
  sync: string;
  phase: 'planning' | 'sending' | 'done';
  planned: number;
  sent: number;
  delivered: number;
  failed: number;
  rate: number;
  etaSeconds: number | null;
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
  durationMs?: number;
  sampleErrors?: { key: string; error: string }[];
  error?: string;
}

/** GET /api/runs/:id: the run record (`queued` while a worker has not picked it up), live progress, the outcome once finished. */
export type RunDetail = Omit<RunRecord, 'status'> & {
  status: RunStatus;
  progress?: RunProgress | null;
  summary?: RunOutcome | null;
};

export interface RejectedRow {
  key: string;
  runId: string;
  operation: string;
  row: Record<string, unknown>;
  error: string;
  request: string | null;
  rejectedAt: string;
}

export interface SyncEnd {
  connection: string;
  sql?: string;
  table?: string;
  stream?: string;
  endpoint?: string;
  endpoints?: Record<string, string>;
  variables?: Record<string, unknown>;
}

export interface SyncSummary {
  name: string;
  description?: string | null;
  from: SyncEnd;
  to: SyncEnd;
  mode: string;
  key?: string | string[] | null;
  schedule?: string | null;
  nextRunAt?: string | null;
  lastRun?: RunRecord | null;
  /** The run going on now, if any. */
  runningRunId?: string | null;
}

/** GET /api/syncs/:name: the summary plus the sync as written in sluice.yaml. */
export type SyncDetail = SyncSummary & { config: SyncObject | null };

/** A sync as written in sluice.yaml. */
export interface SyncObject {
  description?: string;
  from: SyncEnd;
  to: SyncEnd;
  mode: string;
  key?: string | string[];
  mapping?: Record<string, string>;
  schedule?: string;
  on_error?: { max_failed_rows?: number | string };
  [other: string]: unknown;
}

export interface SyncSample {
  columns: ({ name: string; type?: string } | string)[];
  rows: Record<string, unknown>[];
}

export interface PreviewRequest {
  operation: string;
  keys: string[];
  text: string;
  error?: string;
}

export interface SyncPreview {
  sync: string;
  mode: string;
  counts: PlanCounts;
  operations: Record<string, number>;
  invalid: { key: string; error: string }[];
  requests: PreviewRequest[];
}

export interface PipelineSummary {
  name: string;
  schedule?: string | null;
  nextRunAt?: string | null;
  steps?: unknown[];
  lastRun?: RunRecord | null;
}
