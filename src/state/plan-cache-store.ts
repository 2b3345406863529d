import type { LedgerEntry } from './ledger-store.js';

/**
 * Told, once committed, about each change a state store makes to a sync's ledger while it follows it: the plan
 * snapshot (a DuckDB cache of the ledger) keeps itself in step this way, and is trusted only while the mark says so.
 */
export interface LedgerFollower {
  /** The plan mark the store sets with each change followed (in the same transaction as the change). */
  readonly marker: string;
  /** What was put and deleted, and the plan mark as it was just before the change. */
  written(put: LedgerEntry[], deleted: string[], previousMark: string | null): Promise<void>;
}

/**
 * The plan cache's side of the state: a mark per sync naming the plan snapshot that matches its ledger. Every change
 * of a sync's ledger replaces the mark in the same transaction (with its follower's marker, else a fresh dirty one),
 * so a snapshot is never trusted once the ledger moved without it, whoever moved it and even if the process died.
 */
export interface PlanCacheStore {
  /** A sync's plan mark: the token of the snapshot generation matching its ledger, a dirty marker, or null when unset. */
  getPlanMark(sync: string): Promise<string | null>;
  /** Sets a sync's plan mark (a plan claiming the snapshot, or publishing a fresh token once it is up to date). */
  setPlanMark(sync: string, value: string): Promise<void>;
  /** Until the returned function is called, this store's changes of the sync's ledger carry the follower's marker and are told to it. */
  followLedger(sync: string, follower: LedgerFollower): () => void;
}
