import type { RejectedRow, RunCounts, RunKind, RunRecord, RunStatus } from '../api/runs.js';
import type { DebugStore } from './debug-store.js';
import type { LeaseStore } from './lease-store.js';
import type { LedgerStore } from './ledger-store.js';
import type { NotificationStore } from './notification-store.js';
import type { PlanCacheStore } from './plan-cache-store.js';
import type { ProjectRevisionStore } from './project-revision-store.js';
import type { RunStore } from './run-store.js';
import type { RunTotalsStore } from './run-totals-store.js';
import type { SecretStore } from './secret-store.js';

// A run's record and a rejected row are what the API returns as JSON: src/api declares them for the server and the web UI.
export type { RejectedRow, RunCounts, RunKind, RunRecord, RunStatus };
// Each concern's types live with its store; callers keep importing them from here.
export { isFinalStatus, type NewRun, type RunPatch } from './run-store.js';
export type { Lease, LeaseProcess, LeaseRequest, LeaseResult } from './lease-store.js';
export type { ChangedKey, LedgerChanges, LedgerEntry, LedgerQuery, LedgerVersion } from './ledger-store.js';
export type { LedgerFollower } from './plan-cache-store.js';
export type { NotificationAttempt, NotificationStatus } from './notification-store.js';
export type { RunTotals } from './run-totals-store.js';
export type { DebugExchange, ExchangeKey, RecordedExchange } from './debug-store.js';

/**
 * Durable state, by concern: runs (and their totals), leases, the per-record ledger with rejected rows, the plan
 * cache's marks, encrypted secrets, the runs' notifications, the project revisions queued runs carry, the debugger's
 * HTTP exchanges; and named values such as stream cursors.
 */
export interface StateStore extends RunStore, RunTotalsStore, LeaseStore, LedgerStore, PlanCacheStore, SecretStore, NotificationStore, ProjectRevisionStore, DebugStore {
  /** Creates or upgrades the schema; safe to call on every start. */
  migrate(): Promise<void>;

  /** A named value, such as an incremental stream's cursor; null when unset. */
  getValue(name: string): Promise<string | null>;
  setValue(name: string, value: string): Promise<void>;
  /** Removes named values (no error for one unset). */
  deleteValues(names: string[]): Promise<void>;

  close(): Promise<void>;
}
