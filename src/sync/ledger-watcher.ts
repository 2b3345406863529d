import type { LedgerEntry } from '../state/state-store.js';

/** Told about each ledger write a delivery makes (the plan snapshot keeps itself in step with the ledger). */
export interface LedgerWatcher {
  /** A value set in the same transaction as every ledger write: the snapshot is stale the moment the ledger moves. */
  readonly mark: { name: string; value: string };
  /** After a confirmed write: what was put and deleted, and the marked value as it was just before. */
  written(put: LedgerEntry[], deleted: string[], previousMark: string | null): Promise<void>;
}
