/**
 * Something with a deadline, told once when it passed. It carries its own place in the sweep's list, so starting and
 * ending a deadline costs a few field writes: no map entry, no allocation, on a path that runs thousands of times a
 * second.
 */
export abstract class Expiring {
  /** When the deadline passes (performance.now() time); set by the sweep. */
  deadlineAt = 0;
  /** Neighbours in the sweep's list (oldest first); null at the ends or when not in the list. */
  previousExpiring: Expiring | null = null;
  nextExpiring: Expiring | null = null;
  inSweep = false;

  /** The deadline passed. */
  abstract expire(): void;
}

/**
 * Deadlines of one length for many requests, checked by one coarse timer instead of a timer per request. All deadlines
 * have the same length, so they expire in the order they were added: the list is kept oldest first and a sweep stops
 * at the first one still running. A deadline fires up to a tenth of its length (at most 1 s) late. The timer runs only
 * while deadlines are pending and never keeps the process alive by itself.
 */
export class DeadlineSweep {
  private oldest: Expiring | null = null;
  private newest: Expiring | null = null;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly tickMs: number;

  constructor(readonly limitMs: number) {
    this.tickMs = Math.min(1000, Math.max(10, Math.floor(limitMs / 10)));
  }

  /** Starts the deadline of `item`: `expire()` is called once it passed, unless `delete` came first. */
  add(item: Expiring): void {
    item.deadlineAt = performance.now() + this.limitMs;
    item.inSweep = true;
    item.previousExpiring = this.newest;
    item.nextExpiring = null;
    if (this.newest) this.newest.nextExpiring = item;
    else this.oldest = item;
    this.newest = item;
    if (this.timer === undefined) {
      this.timer = setInterval(this.sweep, this.tickMs);
      this.timer.unref();
    }
  }

  /** Ends the deadline of `item` (it completed). */
  delete(item: Expiring): void {
    if (!item.inSweep) return;
    item.inSweep = false;
    const { previousExpiring: previous, nextExpiring: next } = item;
    if (previous) previous.nextExpiring = next;
    else this.oldest = next;
    if (next) next.previousExpiring = previous;
    else this.newest = previous;
    item.previousExpiring = item.nextExpiring = null;
  }

  /** Stops the timer; pending deadlines no longer fire. */
  close(): void {
    while (this.oldest) this.delete(this.oldest);
    this.stop();
  }

  private readonly sweep = (): void => {
    // The timer stops on the first idle tick rather than on each last delete: back-to-back requests share one timer.
    if (this.oldest === null) {
      this.stop();
      return;
    }
    const now = performance.now();
    while (this.oldest !== null && this.oldest.deadlineAt <= now) {
      const item = this.oldest;
      this.delete(item);
      item.expire();
    }
  };

  private stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}
