import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RateGate, RequestQuotas } from './request-quotas.js';
import { sleep as defaultSleep } from './sleep.js';

// The TokenBucket's reservation (GCRA, without a burst, as HttpClient uses it) done atomically in Redis, on Redis's clock, so processes on machines whose
// clocks disagree still share one timeline: each call reserves the next slot and answers how long to wait for it.
// Times are microseconds (2^53 holds them for centuries); the key expires once its slots are in the past.
const RESERVE_SLOT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local start = math.max(now, tonumber(redis.call('GET', KEYS[1]) or '0'))
local next_due = start + interval
redis.call('SET', KEYS[1], string.format('%.0f', next_due), 'PX', math.ceil((next_due - now) / 1000) + 1000)
return math.floor((start - now) / 1000)
`;

/** Request quotas kept in Redis, shared by every process that uses the same Redis and prefix. */
export class RedisRequestQuotas implements RequestQuotas {
  constructor(
    private readonly redis: Redis,
    private readonly options: { prefix: string; sleep?: (ms: number, signal?: AbortSignal) => Promise<void> },
  ) {}

  rateGate(connection: string, ratePerSecond: number): RateGate {
    if (!(ratePerSecond > 0)) throw new Error(`requests_per_second must be positive, got ${ratePerSecond}`);
    // Hashed: a connection's origin may carry what a key listing should not show.
    const key = `${this.options.prefix}:quota:${createHash('sha256').update(connection).digest('hex').slice(0, 32)}:rate`;
    const intervalUs = Math.round(1_000_000 / ratePerSecond);
    const sleep = this.options.sleep ?? defaultSleep;
    return {
      take: async (signal) => {
        const waitMs = Number(await this.redis.eval(RESERVE_SLOT, 1, key, intervalUs));
        if (waitMs > 0) await sleep(waitMs, signal);
      },
    };
  }
}
