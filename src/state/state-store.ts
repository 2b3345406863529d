import type { RejectedRow, RunCounts, RunKind, RunRecord, RunStatus } from '../api/runs.js';

// A run's record and a rejected row are what the API returns as JSON: src/api declares them for the server and the web UI.
export type { RejectedRow, RunCounts, RunKind, RunRecord, RunStatus };

/** Whether a run has ended (its status will not change again). */
export function isFinalStatus(status: RunStatus): boolean {
  return status === 'succeeded' || status === 'failed' || status === 'cancelled';
}

/** What `updateRun` changes; counts left out stay as they are (a run streaming its plan writes planned and added alone). */
export type RunPatch = Partial<Pick<RunRecord, 'status' | 'error' | 'finishedAt'>> & { counts?: Partial<RunCounts> };

/** What the ledger keeps per record key: the last delivered version and its remote id. */
export interface LedgerEntry {
  /** The record key, as a string (composite keys are a JSON array string). */
  key: string;
  /** Fingerprint of the last delivered version; null while never delivered. */
  fingerprint: string | null;
  /** The remote id the destination gave back, kept so later runs update or delete it. */
  remoteId: string | null;
  status: 'delivered' | 'failed';
  lastError: string | null;
  runId: string | null;
  updatedAt: string;
}

/** Which ledger entries `listLedger` returns: a page in key order, optionally one key or one status. */
export interface LedgerQuery {
  /** Only this record key. */
  key?: string;
  status?: LedgerEntry['status'];
  /** Only keys after this one (the last key of the page before). */
  after?: string;
  /** At most this many entries (default: all). */
  limit?: number;
}

/** A confirmed batch's changes to a sync's ledger and rejected rows, applied together in one transaction. */
export interface LedgerChanges {
  put: LedgerEntry[];
  /** Keys to forget (confirmed mirror deletes). */
  deleted: string[];
  rejected: RejectedRow[];
  /** Keys whose rejected row is cleared (they were delivered now). */
  cleared: string[];
  /** A named value set in the same transaction, its previous value returned (the plan snapshot's stale marker). */
  mark?: { name: string; value: string };
  /** Added to a run's delivered and failed counts in the same transaction, so a killed run's history matches its ledger. */
  counts?: { runId: string; delivered: number; failed: number };
}

/** The process holding a lease, so a run on the same machine can tell that it has ended. */
export interface LeaseProcess {
  /** The host name, as messages show it. */
  host: string;
  pid: number;
  /** Where the pid names this very process (machine boot and PID namespace); null when unknown, and then only expiry frees the lease. */
  scope: string | null;
}

/** A lease: one run at a time holds a name (`sync:NAME`, `pipeline:NAME`) until it releases it or stops renewing it. */
export interface Lease {
  name: string;
  /** The holder's run id. */
  owner: string;
  process: LeaseProcess;
  acquiredAt: string;
  expiresAt: string;
  /** Whether expiresAt has passed, by the store's clock (the database server's, for PostgreSQL). */
  expired: boolean;
}

/** What a run asks for when it takes a lease. */
export interface LeaseRequest {
  /** The run id that will hold it. */
  owner: string;
  /** How long it holds without renewing. */
  ttlMs: number;
  process: LeaseProcess;
  /** Take it even unexpired if this run still holds it (its process is known to have ended). */
  takeOverFrom?: string;
}

/** Whether a lease was taken, and the lease it replaced (expired or taken over), or who holds it. */
export type LeaseResult = { acquired: true; lease: Lease; replaced: Lease | null } | { acquired: false; holder: Lease };

/** Durable state: runs, the per-record ledger, rejected rows, stream cursors and encrypted secrets. */
export interface StateStore {
  /** Creates or upgrades the schema; safe to call on every start. */
  migrate(): Promise<void>;

  /** Starts a run record with zero counts and status running (attempt 1), or `queued` (attempt 0) for a queue worker. */
  createRun(run: { kind: RunKind; name: string; trigger: string; id?: string; status?: 'running' | 'queued' }): Promise<RunRecord>;
  /**
   * Opens a queued run, or one a stopped attempt left running, for another attempt, atomically: status running,
   * attempt + 1 (a queued run's start time becomes now). A final run is returned unchanged; null when there is none.
   */
  resumeRun(id: string): Promise<RunRecord | null>;
  /**
   * Updates counts, status, error or finish time of a run; throws when there is no such run. With `ifStatus`, only a
   * run in that status is updated, atomically: false when it had moved on (a sweep never overwrites a run that finished).
   */
  updateRun(id: string, patch: RunPatch, options?: { ifStatus?: RunStatus }): Promise<boolean>;
  /** One run, or null. */
  getRun(id: string): Promise<RunRecord | null>;
  /** The runs of one sync or pipeline, newest first (only those of one status, if given). */
  listRuns(name: string, options?: { limit?: number; status?: RunStatus }): Promise<RunRecord[]>;

  /** Takes a lease atomically: when it is free, expired, or held by `takeOverFrom`; of racing callers exactly one wins. */
  acquireLease(name: string, request: LeaseRequest): Promise<LeaseResult>;
  /** Extends the owner's lease by ttlMs from now; false when the lease is no longer the owner's. */
  renewLease(name: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Frees the lease if the owner still holds it. */
  releaseLease(name: string, owner: string): Promise<void>;
  /** The lease on a name, expired or not; null when nobody holds it. */
  getLease(name: string): Promise<Lease | null>;

  /**
   * Claims one tick of a schedule (`sync:NAME` at its scheduled time) for `owner`: of every server sharing the state,
   * exactly one gets true. Claims older than a day are forgotten.
   */
  claimScheduleTick(schedule: string, tickAt: string, owner: string): Promise<boolean>;

  /** The whole ledger of a sync, in batches ordered by key (for the planner). */
  readLedger(sync: string, options?: { batchSize?: number }): AsyncIterable<LedgerEntry[]>;
  /** A page of a sync's ledger in key order (byte order of the key text), for `sluice sync records`. */
  listLedger(sync: string, query?: LedgerQuery): Promise<LedgerEntry[]>;
  /** Ledger entries of the given keys (absent keys are missing from the map). */
  getLedgerEntries(sync: string, keys: string[]): Promise<Map<string, LedgerEntry>>;
  /** Writes ledger entries (insert or replace by key) in one transaction. */
  putLedgerEntries(sync: string, entries: LedgerEntry[]): Promise<void>;
  /** Forgets keys (a mirror delete that was confirmed). */
  deleteLedgerEntries(sync: string, keys: string[]): Promise<void>;
  /** Forgets a whole sync's ledger and rejected rows (a full resync). */
  resetSync(sync: string): Promise<void>;

  /**
   * Applies one confirmed batch's ledger and rejected-row changes, and the mark, in one transaction: all or nothing.
   * Returns the marked value as it was before (null when unset or no mark was given).
   */
  applyLedgerChanges(sync: string, changes: LedgerChanges): Promise<{ previousMark: string | null }>;

  /** Keeps rejected rows; a later rejection of the same key replaces the earlier one. */
  putRejected(sync: string, rows: RejectedRow[]): Promise<void>;
  /** The rejected rows of a sync still waiting, oldest first. */
  listRejected(sync: string, options?: { limit?: number }): Promise<RejectedRow[]>;
  /** Clears rejected rows once they are delivered. */
  deleteRejected(sync: string, keys: string[]): Promise<void>;

  /** A named value, such as an incremental stream's cursor; null when unset. */
  getValue(name: string): Promise<string | null>;
  setValue(name: string, value: string): Promise<void>;

  /** A secret, decrypted; null when unset. A wrong key throws a clear error. */
  getSecret(name: string): Promise<string | null>;
  /** Stores a secret encrypted (AES-256-GCM), replacing it atomically. */
  putSecret(name: string, value: string): Promise<void>;
  deleteSecret(name: string): Promise<void>;
  /** The ids of the keys the stored secrets were sealed with (none when no secret is stored); names and values stay hidden. */
  secretKeyIds(): Promise<string[]>;
  /** Forgets every stored secret (their key is lost for good); returns how many there were. */
  deleteAllSecrets(): Promise<number>;

  close(): Promise<void>;
}
