import type { LedgerEntry, LedgerQuery, StateStore } from '../state/state-store.js';

/** One record a sync keeps, as `sluice sync records` and `GET /api/syncs/:name/records` show it. */
export interface SyncRecord {
  /** The record key (a composite key is a JSON array of its parts). */
  key: string;
  /** The id the destination gave the record, used to update or delete it; null when it gave none. */
  remoteId: string | null;
  status: LedgerEntry['status'];
  /**
   * When it was last delivered: the time of its last write when that write succeeded; null after a failed attempt
   * (the ledger keeps the time of the latest attempt only, in `updatedAt`).
   */
  lastDeliveredAt: string | null;
  /** Why the latest attempt failed (null when it was delivered). */
  lastError: string | null;
  /** The run of the latest attempt. */
  runId: string | null;
  /** When the latest attempt was recorded, delivered or failed. */
  updatedAt: string;
}

/** A page of the records a sync keeps, in key order: the ledger as a user reads it. */
export async function listSyncRecords(store: StateStore, sync: string, query: LedgerQuery = {}): Promise<SyncRecord[]> {
  const entries = await store.listLedger(sync, query);
  return entries.map((e) => ({
    key: e.key,
    remoteId: e.remoteId,
    status: e.status,
    lastDeliveredAt: e.status === 'delivered' ? e.updatedAt : null,
    lastError: e.lastError,
    runId: e.runId,
    updatedAt: e.updatedAt,
  }));
}
