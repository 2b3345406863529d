import type { DebugExchange, DebugOutcome } from '../api/debug.js';

export type { DebugExchange, DebugOutcome };

/** What one exchange did for one of the records it carried. */
export interface ExchangeKey {
  key: string;
  outcome: DebugOutcome;
  error: string | null;
}

/**
 * One HTTP exchange of a run as the debugger keeps it, already masked and cut: kept once, with the record keys it
 * carried (a 100-record batch is kept once, not a hundred copies of its body; see debug-pages.ts).
 */
export interface RecordedExchange extends Omit<DebugExchange, 'outcome' | 'error' | 'records'> {
  /** Orders exchanges by time: ids made later sort after earlier ones (see newExchangeIds). */
  id: string;
  keys: ExchangeKey[];
}

/** A key's exchanges as a search found them. */
export interface KeyExchanges {
  exchanges: DebugExchange[];
  /** False when the search ran out of time first: exchanges older than those found may carry the key too. */
  searchedAll: boolean;
}

/** The HTTP exchanges behind each record of a sync, kept for its `debug.retention_days` (`sluice sync debug`). */
export interface DebugStore {
  /** Keeps exchanges with the keys they carried (an exchange already kept is left as it is). */
  putExchanges(sync: string, exchanges: RecordedExchange[]): Promise<void>;
  /**
   * The exchanges of one record key, newest first (only those of one run, if given); at most `limit` (default 50). The
   * search reads the sync's kept key lists newest first for at most `budgetMs` (default 3 s).
   */
  listExchanges(sync: string, key: string, options?: { runId?: string; limit?: number; budgetMs?: number }): Promise<KeyExchanges>;
  /**
   * Forgets a sync's pages of exchanges made before `before` (an id from exchangeIdBefore; a page goes once its last
   * exchange is older), the oldest first and at most `limit` of them: a run's share of the pruning stays bounded.
   * Returns how many pages were forgotten.
   */
  pruneExchanges(sync: string, options: { before: string; limit: number }): Promise<number>;
}
