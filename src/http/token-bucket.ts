import { sleep as defaultSleep } from './sleep.js';

/** Options of a token bucket. */
export interface TokenBucketOptions {
  /** Tokens added per second (the sustained request rate). */
  ratePerSecond: number;
  /** Most tokens saved up while idle, i.e. the largest burst (default 1: evenly spaced, no burst). */
  capacity?: number;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * A smooth requests-per-second limiter. Each `take()` reserves the next free slot on a timeline spaced
 * 1/rate apart (the virtual-scheduling form of a token bucket, GCRA), so waiters are served in order and
 * concurrent callers never wake up together to race for one token.
 */
export class TokenBucket {
  private readonly intervalMs: number;
  private readonly toleranceMs: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** The theoretical time the next token is due when no burst is saved up. */
  private due = -Infinity;

  constructor(options: TokenBucketOptions) {
    if (!(options.ratePerSecond > 0)) throw new Error(`requests_per_second must be positive, got ${options.ratePerSecond}`);
    const capacity = Math.max(1, options.capacity ?? 1);
    this.intervalMs = 1000 / options.ratePerSecond;
    this.toleranceMs = (capacity - 1) * this.intervalMs;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? defaultSleep;
  }

  /** Waits until a token is available and takes it. */
  async take(signal?: AbortSignal): Promise<void> {
    const now = this.now();
    // Saved-up tokens let a request go up to `tolerance` ahead of its due time, never more.
    const start = Math.max(now, this.due - this.toleranceMs);
    this.due = Math.max(start, this.due) + this.intervalMs;
    await this.sleep(start - now, signal);
  }
}
