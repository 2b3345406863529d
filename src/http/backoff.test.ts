import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.js';

const policy = { initial_delay_ms: 100, max_delay_ms: 1000 };

describe('backoffDelay', () => {
  it('starts at the initial delay and doubles the ceiling each retry', () => {
    expect(backoffDelay(1, policy, () => 0)).toBe(100);
    expect(backoffDelay(1, policy, () => 1)).toBe(200);
    expect(backoffDelay(2, policy, () => 1)).toBe(400);
    expect(backoffDelay(3, policy, () => 1)).toBe(800);
  });

  it('never waits longer than max_delay_ms, however many retries', () => {
    expect(backoffDelay(4, policy, () => 1)).toBe(1000);
    expect(backoffDelay(500, policy, () => 1)).toBe(1000);
  });

  it('spreads the delay (full jitter) between the initial delay and the ceiling', () => {
    expect(backoffDelay(3, policy, () => 0.5)).toBe(450);
    const seen = new Set(Array.from({ length: 50 }, () => backoffDelay(3, policy)));
    expect(seen.size).toBeGreaterThan(10);
    for (const d of seen) {
      expect(d).toBeGreaterThanOrEqual(100);
      expect(d).toBeLessThanOrEqual(800);
    }
  });

  it('keeps to max_delay_ms when it is below the initial delay', () => {
    expect(backoffDelay(1, { initial_delay_ms: 500, max_delay_ms: 200 }, () => 0.7)).toBe(200);
    expect(backoffDelay(1, { initial_delay_ms: 0, max_delay_ms: 0 }, () => 0.7)).toBe(0);
  });
});
