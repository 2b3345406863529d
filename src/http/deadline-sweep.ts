/** Something with a deadline: told once when it passed. */
export interface Expiring {
  expire(): void;
}

/**
 * Deadlines of one length for many requests, checked by one coarse timer instead of a timer per request (the hot
 * path sends thousands a second). All deadlines have the same length, so they expire in the order they were added:
 * a sweep stops at the first one still running. A deadline fires up to a tenth of its length (at most 1 s) late.
 * The timer runs only while deadlines are pending and never keeps the process alive by itself.
 */
export class DeadlineSweep {
  private readonly pending = new Map<Expiring, number>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly tickMs: number;

  constructor(readonly limitMs: number) {
    this.tickMs = Math.min(1000, Math.max(10, Math.floor(limitMs / 10)));
  }

  /** Starts the deadline of `item`: `expire()` is called once it passed, unless `delete` came first. */
  add(item: Expiring): void {
    this.pending.set(item, performance.now() + this.limitMs);
    if (this.timer === undefined) {
      this.timer = setInterval(this.sweep, this.tickMs);
      this.timer.unref();
    }
  }

  /** Ends the deadline of `item` (it completed). */
  delete(item: Expiring): void {
    this.pending.delete(item);
  }

  /** Stops the timer; pending deadlines no longer fire. */
  close(): void {
    this.pending.clear();
    this.stop();
  }

  private readonly sweep = (): void => {
    // The timer stops on the first idle tick rather than on each last delete: back-to-back requests share one timer.
    if (this.pending.size === 0) {
      this.stop();
      return;
    }
    const now = performance.now();
    for (const [item, deadline] of this.pending) {
      if (deadline > now) break;
      this.pending.delete(item);
      item.expire();
    }
  };

  private stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}
