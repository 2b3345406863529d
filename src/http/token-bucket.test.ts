import { describe, expect, it } from 'vitest';
import { TokenBucket } from './token-bucket.js';

/** A virtual clock: sleep advances time instead of waiting, so the schedule is exact. */
function virtualClock() {
  let time = 1_000_000;
  const sleeps: number[] = [];
  return {
    now: () => time,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      if (ms > 0) time += ms;
    },
    sleeps,
    advance: (ms: number) => (time += ms),
  };
}

describe('TokenBucket', () => {
  it('spaces takes evenly at 1/rate, the first one immediately', async () => {
    const clock = virtualClock();
    const bucket = new TokenBucket({ ratePerSecond: 4, now: clock.now, sleep: clock.sleep });
    const start = clock.now();
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      await bucket.take();
      times.push(clock.now() - start);
    }
    expect(times).toEqual([0, 250, 500, 750, 1000]);
  });

  it('gives concurrent callers consecutive slots in arrival order', async () => {
    const sleeps: number[] = [];
    const bucket = new TokenBucket({ ratePerSecond: 10, now: () => 5000, sleep: async (ms) => void sleeps.push(ms) });
    await Promise.all([bucket.take(), bucket.take(), bucket.take()]);
    expect(sleeps).toEqual([0, 100, 200]);
  });

  it('saves up at most `capacity` tokens while idle, then returns to the steady rate', async () => {
    const clock = virtualClock();
    const bucket = new TokenBucket({ ratePerSecond: 10, capacity: 3, now: clock.now, sleep: clock.sleep });
    await bucket.take();
    clock.advance(10_000); // a long idle must not allow a 100-request burst
    const start = clock.now();
    const times: number[] = [];
    for (let i = 0; i < 6; i++) {
      await bucket.take();
      times.push(clock.now() - start);
    }
    expect(times).toEqual([0, 0, 0, 100, 200, 300]);
  });

  it('rejects a rate that is not positive', () => {
    expect(() => new TokenBucket({ ratePerSecond: 0 })).toThrow('requests_per_second must be positive, got 0');
  });

  it('keeps a real-time rate within tolerance', async () => {
    const bucket = new TokenBucket({ ratePerSecond: 50 });
    const start = performance.now();
    for (let i = 0; i < 26; i++) await bucket.take();
    const elapsed = performance.now() - start;
    expect(elapsed).toBeGreaterThanOrEqual(495);
    expect(elapsed).toBeLessThan(800);
  });
});
