/** Epoch values above this are milliseconds, not seconds (1e12 ms is in 2001; 1e12 s is far in the future). */
const EPOCH_MS_THRESHOLD = 1e12;
/** Reset values below this are "seconds from now", above it epoch seconds (1e9 s is September 2001). */
const EPOCH_S_THRESHOLD = 1e9;

/**
 * How long the API asks us to wait, in ms, from rate-limit headers (lower-case names); undefined when none says.
 * Reads `Retry-After` (seconds or HTTP-date), `X-RateLimit-Reset` / `RateLimit-Reset` (epoch seconds or ms, or
 * seconds from now when small), BigCommerce's `X-Retry-After` (seconds) and `X-Rate-Limit-Time-Reset-Ms`.
 */
export function retryAfterMs(headers: Record<string, string | undefined>, now: number): number | undefined {
  const retryAfter = headers['retry-after'] ?? headers['x-retry-after'];
  if (retryAfter !== undefined) {
    const ms = parseRetryAfter(retryAfter, now);
    if (ms !== undefined) return ms;
  }
  const resetMs = parseNumber(headers['x-rate-limit-time-reset-ms']);
  if (resetMs !== undefined) return Math.max(0, Math.ceil(resetMs));
  const reset = headers['x-ratelimit-reset'] ?? headers['ratelimit-reset'];
  if (reset !== undefined) return parseRateLimitReset(reset, now);
  return undefined;
}

/** A `Retry-After` value (delay seconds or an HTTP-date) as ms from `now`; undefined when unparsable. */
export function parseRetryAfter(value: string, now: number): number | undefined {
  const seconds = parseNumber(value);
  if (seconds !== undefined) return Math.max(0, Math.ceil(seconds * 1000));
  // An HTTP-date always names its month; without letters Date.parse would read "-5" as a year.
  const date = /[a-z]/i.test(value) ? Date.parse(value.trim()) : NaN;
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** An `X-RateLimit-Reset` value (epoch seconds, epoch ms, or seconds from now when small) as ms from `now`. */
export function parseRateLimitReset(value: string, now: number): number | undefined {
  const n = parseNumber(value);
  if (n === undefined) return undefined;
  if (n >= EPOCH_MS_THRESHOLD) return Math.max(0, Math.ceil(n - now));
  if (n >= EPOCH_S_THRESHOLD) return Math.max(0, Math.ceil(n * 1000 - now));
  return Math.ceil(n * 1000);
}

function parseNumber(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (!/^\d+(\.\d+)?$/.test(text)) return undefined;
  return Number(text);
}
