// Syncs as the API lists and returns them (GET/PUT /api/syncs/:name, its sample and preview).
import type { Operation } from './connectors.js';
import type { PlanCounts, RowError, RunRecord } from './runs.js';

/** How a sync treats the rows it reads (insert new, update known, upsert, mirror with deletes, append every row). */
export const syncModes = ['insert', 'update', 'upsert', 'mirror', 'append'] as const;
export type SyncMode = (typeof syncModes)[number];

/** A sync's source (`from:`) or destination (`to:`) as written in sluice.yaml. */
export interface SyncEnd {
  connection: string;
  sql?: string;
  table?: string;
  stream?: string;
  endpoint?: string;
  endpoints?: Partial<Record<Operation, string>>;
  variables?: Record<string, unknown>;
}

/** A sync as `GET /api/syncs` lists it: its settings, next scheduled run, last run, and the run going on now. */
export interface SyncSummary {
  name: string;
  description?: string | null;
  from: SyncEnd;
  to: SyncEnd;
  mode: SyncMode;
  key?: string | string[] | null;
  schedule?: string | null;
  nextRunAt?: string | null;
  lastRun?: RunRecord | null;
  /** The run going on now, if any. */
  runningRunId?: string | null;
}

/** A sync as written in sluice.yaml. */
export interface SyncObject {
  description?: string;
  from: SyncEnd;
  to: SyncEnd;
  mode: string;
  key?: string | string[];
  mapping?: Record<string, string>;
  schedule?: string;
  on_error?: { max_failed_rows?: number | string; max_invalid_rows?: number | string };
  [other: string]: unknown;
}

/** GET /api/syncs/:name: the summary plus the sync as written in sluice.yaml. */
export type SyncDetail = SyncSummary & { config: SyncObject | null };

/** GET /api/syncs/:name/sample: the first rows the source yields, with their columns. */
export interface SyncSample {
  columns: ({ name: string; type?: string } | string)[];
  rows: Record<string, unknown>[];
}

/** One request a preview rendered (curl or SQL text, secrets masked), or why its row would be rejected before sending. */
export interface PreviewRequest {
  /** lookup: the request that finds a record's remote id before it is updated or created. */
  operation: Operation;
  keys: string[];
  /** Curl command (HTTP) or SQL text, secrets masked. */
  text: string;
  /** A row that would be rejected before sending (invalid JSON body, unknown column) says why here. */
  error?: string;
}

/** POST /api/syncs/:name/preview: what a run would do: plan counts, rows refused before sending, the first requests. */
export interface SyncPreview {
  sync: string;
  mode: string;
  counts: PlanCounts;
  /** Planned rows per destination operation (lookup: found at run time, then updated or created). */
  operations: Partial<Record<Operation, number>>;
  invalid: RowError[];
  requests: PreviewRequest[];
}
