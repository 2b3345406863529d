/** What spaces a connection's requests in time: the in-memory TokenBucket, or one shared through Redis. */
export interface RateGate {
  /** Waits until the connection may send its next request, and takes that slot. */
  take(signal?: AbortSignal): Promise<void>;
}

/**
 * Where a connection's `rate_limit` is kept when several processes send to it (workers on other machines): each
 * connection's gate is shared by every process holding the same quotas. Without it, each HttpClient keeps its own.
 */
export interface RequestQuotas {
  /** The shared gate of one connection, named by `connection` (its name and origin), at `ratePerSecond`. */
  rateGate(connection: string, ratePerSecond: number): RateGate;
}
