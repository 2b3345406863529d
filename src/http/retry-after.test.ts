import { describe, expect, it } from 'vitest';
import { parseRateLimitReset, parseRetryAfter, retryAfterMs } from './retry-after.js';

const now = Date.parse('2025-01-15T09:30:00Z');

describe('parseRetryAfter', () => {
  it('reads delay seconds', () => {
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('0.25', now)).toBe(250);
  });

  it('reads an HTTP-date as the time left until it', () => {
    expect(parseRetryAfter('Wed, 15 Jan 2025 09:30:03 GMT', now)).toBe(3000);
  });

  it('gives 0 for a date already past, undefined for garbage', () => {
    expect(parseRetryAfter('Wed, 15 Jan 2025 09:29:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
  });
});

describe('parseRateLimitReset', () => {
  it('reads epoch seconds (Backlog, GitHub)', () => {
    expect(parseRateLimitReset(String(now / 1000 + 7), now)).toBe(7000);
  });

  it('reads epoch milliseconds', () => {
    expect(parseRateLimitReset(String(now + 1500), now)).toBe(1500);
  });

  it('reads small values as seconds from now', () => {
    expect(parseRateLimitReset('30', now)).toBe(30_000);
  });

  it('gives 0 for a reset already past', () => {
    expect(parseRateLimitReset(String(now / 1000 - 10), now)).toBe(0);
  });
});

describe('retryAfterMs', () => {
  it('prefers Retry-After over X-RateLimit-Reset', () => {
    expect(retryAfterMs({ 'retry-after': '1', 'x-ratelimit-reset': '9' }, now)).toBe(1000);
  });

  it('falls back to X-RateLimit-Reset, then RateLimit-Reset', () => {
    expect(retryAfterMs({ 'x-ratelimit-reset': String(now / 1000 + 2) }, now)).toBe(2000);
    expect(retryAfterMs({ 'ratelimit-reset': '3' }, now)).toBe(3000);
  });

  it("reads BigCommerce's X-Retry-After and X-Rate-Limit-Time-Reset-Ms", () => {
    expect(retryAfterMs({ 'x-retry-after': '4' }, now)).toBe(4000);
    expect(retryAfterMs({ 'x-rate-limit-time-reset-ms': '15000' }, now)).toBe(15_000);
  });

  it('uses the next header when Retry-After is unparsable, undefined when nothing says', () => {
    expect(retryAfterMs({ 'retry-after': 'later', 'x-ratelimit-reset': '5' }, now)).toBe(5000);
    expect(retryAfterMs({}, now)).toBeUndefined();
  });
});
