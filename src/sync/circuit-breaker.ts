import type { DeliveryItem, DeliveryResult } from '../rows/delivery-item.js';

/**
 * How many writes in a row must come back unavailable (retries ran out on network errors, timeouts, 408, 429, 5xx)
 * before a run stops sending. Each such write has already failed `retry.max_attempts` times over seconds of backoff,
 * so a few in a row are strong evidence of an outage; one alone may be a blip, or one record the API chokes on (a
 * 500 for a poison row), which a success next to it clears. Three: at a concurrency of 3 or more, the requests in
 * flight when the API went down trip it together within one retry budget; at a concurrency of 1 it costs three.
 */
export const UNAVAILABLE_WRITES_TO_TRIP = 3;

/** A write's items and the destination's results, in the same order. */
export interface WriteResults<T extends DeliveryItem = DeliveryItem> {
  items: T[];
  results: DeliveryResult[];
}

/**
 * Tells an outage from failed rows. Rows the destination could not reach are held, not rejected: if the outage goes
 * on (`threshold` writes in a row unavailable) the breaker trips, the run stops sending, and the held rows stay
 * pending for the next run, as if never sent (the API said nothing about them). If the destination answers again
 * before that, the held rows are released and recorded as failed like any other.
 */
export class CircuitBreaker<T extends DeliveryItem = DeliveryItem> {
  #streak = 0;
  #held: WriteResults<T>[] = [];
  #lastError: string | null = null;
  #tripped = false;

  constructor(private readonly threshold: number = UNAVAILABLE_WRITES_TO_TRIP) {}

  /** Whether the breaker has tripped: no new writes. */
  get tripped(): boolean {
    return this.#tripped;
  }

  /**
   * Whether a new write should wait: during a streak, the writes in flight are enough to decide it, so none is added
   * (else each new one would spend a whole retry budget on an API that is down, and the run would end that much later).
   */
  holdsNewWrites(inFlight: number): boolean {
    return this.#streak > 0 && inFlight > 0 && this.#streak + inFlight >= this.threshold;
  }

  /** The last unavailability error seen (for "the API is unavailable: ..."). */
  get lastError(): string | null {
    return this.#lastError;
  }

  /**
   * Takes one write's results and returns what to record now: the rows the destination answered, plus held rows
   * released when it answered again. Unavailable rows are held (or, once tripped, dropped: they stay pending).
   */
  observe(write: WriteResults<T>): WriteResults<T> {
    let unavailable = 0;
    let answered = 0;
    for (const r of write.results) {
      if (r.unavailable) {
        unavailable++;
        this.#lastError = r.error ?? this.#lastError;
      } else if (r.ok || r.request !== null) {
        // (A row refused before sending, request null, says nothing either way about the destination.)
        answered++;
      }
    }
    if (unavailable === 0 && answered === 0) return write;
    if (this.#tripped) return unavailable === 0 ? write : withoutUnavailable(write);
    if (answered > 0) {
      // The destination answers: what was held was a blip or a bad record, failed as today.
      this.#streak = 0;
      return this.release(write);
    }
    this.#streak++;
    if (this.#streak >= this.threshold) {
      this.#tripped = true;
      this.#held = [];
      return { items: [], results: [] };
    }
    this.#held.push(write);
    return { items: [], results: [] };
  }

  /** Rows still held (the run ended before the streak decided): failed as today, unless the breaker tripped. */
  release(also?: WriteResults<T>): WriteResults<T> {
    const parts = also ? [...this.#held, also] : this.#held;
    this.#held = [];
    if (parts.length === 1) return parts[0]!;
    return { items: parts.flatMap((p) => p.items), results: parts.flatMap((p) => p.results) };
  }
}

/** The write without its unavailable rows (matched by key: a destination need not answer in the items' order). */
function withoutUnavailable<T extends DeliveryItem>(write: WriteResults<T>): WriteResults<T> {
  const dropped = new Set(write.results.filter((r) => r.unavailable).map((r) => r.key));
  return { items: write.items.filter((i) => !dropped.has(i.key)), results: write.results.filter((r) => !r.unavailable) };
}
