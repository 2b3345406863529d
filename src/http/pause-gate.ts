import { sleep as defaultSleep } from './sleep.js';

/** A shared pause: when the API says "wait", every request of a client waits until the latest announced time. */
export class PauseGate {
  private until = 0;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void> = defaultSleep,
  ) {}

  /** Pauses everyone for `ms` from now (a later pause already announced is kept). */
  pause(ms: number): void {
    this.until = Math.max(this.until, this.now() + ms);
  }

  /** The ms left before requests may go again (0 when open). */
  remaining(): number {
    // Open (nearly always): no clock read.
    if (this.until === 0) return 0;
    const left = this.until - this.now();
    if (left > 0) return left;
    this.until = 0;
    return 0;
  }

  /** Waits while the gate is closed; re-checks after waking because another response may extend the pause. */
  async wait(signal?: AbortSignal): Promise<void> {
    for (let left = this.remaining(); left > 0; left = this.remaining()) await this.sleep(left, signal);
  }
}
