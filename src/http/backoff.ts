import type { RetryPolicy } from './request-policy.js';

/**
 * The wait before retry number `attempt` (1 = the first retry): exponential with full jitter, between
 * `initial_delay_ms` and `min(max_delay_ms, initial_delay_ms * 2^attempt)`.
 */
export function backoffDelay(
  attempt: number,
  policy: Pick<RetryPolicy, 'initial_delay_ms' | 'max_delay_ms'>,
  random: () => number = Math.random,
): number {
  const floor = Math.min(policy.initial_delay_ms, policy.max_delay_ms);
  // Cap the exponent so large attempt numbers cannot overflow to Infinity.
  const ceiling = Math.min(policy.max_delay_ms, policy.initial_delay_ms * 2 ** Math.min(Math.max(attempt, 1), 30));
  // Full jitter spreads the retries of many concurrent requests instead of having them retry in lockstep.
  return Math.round(floor + random() * Math.max(0, ceiling - floor));
}
