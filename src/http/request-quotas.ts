/** What spaces a connection's requests in time: the in-memory TokenBucket, or one shared through Redis. */
export interface RateGate {
  /** Waits until the connection may send its next request, and takes that slot. */
  take(signal?: AbortSignal): Promise<void>;
}

/** The connection's `concurrency` shared by several processes: a request holds one slot while it is in flight. */
export interface ConcurrencySlots {
  /** The slots also space the requests at the connection's rate: a slot is handed over at its request's turn. */
  readonly pacesRate: boolean;
  /** Waits for a free slot (and, when they pace the rate, its turn) and takes it; rejects with the signal's reason when aborted first. */
  take(signal?: AbortSignal): Promise<void>;
  /** Gives back one slot taken by `take` (once per take). */
  release(): void;
}

/** A rate-limit pause shared by several processes: a 429 seen by one holds back the requests of all. */
export interface SharedPause {
  /** Pauses every request to the connection for `ms` from now (a later pause already announced is kept). */
  pause(ms: number): void;
  /** Waits while the connection is paused; rejects with the signal's reason when aborted first. */
  wait(signal?: AbortSignal): Promise<void>;
}

/**
 * Where a connection's `rate_limit` and rate-limit pauses are kept when several processes send to it (workers on
 * other machines): each connection's gates are shared by every process holding the same quotas. Without it, each
 * HttpClient keeps its own.
 */
export interface RequestQuotas {
  /** The shared gate of one connection, named by `connection` (its name and origin), at `ratePerSecond`. */
  rateGate(connection: string, ratePerSecond: number): RateGate;
  /**
   * The shared `concurrency` of one connection: at most `limit` requests in flight across every process; with
   * `ratePerSecond`, the slots pace that rate too (in place of a separate rate gate, so one round trip does both).
   */
  concurrencySlots(connection: string, limit: number, ratePerSecond?: number): ConcurrencySlots;
  /** The shared pause of one connection, announced on a 429 (its Retry-After) and checked before each request. */
  pause(connection: string): SharedPause;
}
