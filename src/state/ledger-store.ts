import type { RejectedRow } from '../api/runs.js';

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

/** What a plan compares a source row with: its key's delivered version, remote id and status. */
export type LedgerVersion = Pick<LedgerEntry, 'fingerprint' | 'remoteId' | 'status'>;

/** A fingerprint is this hash (hex) of its text: the ledger keeps it and a plan compares it (see sync/plan/fingerprint.ts). */
export const FINGERPRINT_HASH = 'md5';

/** A key of a batch whose fingerprint is not the one the ledger holds. */
export interface ChangedKey {
  /** Its ledger entry, or null when the ledger has none. */
  entry: LedgerVersion | null;
  /** The fingerprint of its text (to record once it is delivered). */
  fingerprint: string;
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
  /**
   * A named value set in the same transaction, its previous value returned. Absent, a change of the ledger (put or
   * deleted) sets the sync's plan mark itself (see PlanCacheStore).
   */
  mark?: { name: string; value: string };
  /** Added to a run's delivered, failed and invalid counts in the same transaction, so a killed run's history matches its ledger. */
  counts?: { runId: string; delivered: number; failed: number; invalid?: number };
}

/** Per sync: the ledger of delivered records and the rows the destination rejected. */
export interface LedgerStore {
  /** The whole ledger of a sync, in batches ordered by key (for the planner). */
  readLedger(sync: string, options?: { batchSize?: number }): AsyncIterable<LedgerEntry[]>;
  /** A page of a sync's ledger in key order (byte order of the key text), for `sluice sync records`. */
  listLedger(sync: string, query?: LedgerQuery): Promise<LedgerEntry[]>;
  /** Ledger entries of the given keys (absent keys are missing from the map). */
  getLedgerEntries(sync: string, keys: string[]): Promise<Map<string, LedgerEntry>>;
  /**
   * The keys of a batch a plan read whose delivered fingerprint is not that of their text (`texts[i]` is the text of
   * `keys[i]`'s fingerprint): each by its position in `keys`, with its entry and fingerprint. Keys read unchanged are
   * left out, so a run that finds nothing changed gets nothing back. A streamed plan asks once a batch; the store
   * takes the fingerprints where it costs the run least (SQLite: on its thread).
   */
  findChangedKeys(sync: string, keys: string[], texts: string[]): Promise<Map<number, ChangedKey>>;

  /**
   * Applies one confirmed batch's ledger and rejected-row changes, the mark and the counts, in one transaction: all or
   * nothing. Returns the marked value as it was before (null when unset or nothing was marked).
   */
  applyLedgerChanges(sync: string, changes: LedgerChanges): Promise<{ previousMark: string | null }>;

  /** Keeps rejected rows; a later rejection of the same key replaces the earlier one. */
  putRejected(sync: string, rows: RejectedRow[]): Promise<void>;
  /** The rejected rows of a sync still waiting, oldest first. */
  listRejected(sync: string, options?: { limit?: number }): Promise<RejectedRow[]>;
  /** Clears rejected rows once they are delivered. */
  deleteRejected(sync: string, keys: string[]): Promise<void>;
}
