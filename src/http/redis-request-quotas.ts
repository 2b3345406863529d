import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { DEFAULT_MAX_RATE_LIMIT_WAIT_MS } from './http-client.js';
import type { ConcurrencySlots, RateGate, RequestQuotas, SharedPause } from './request-quotas.js';
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

// A semaphore whose holders expire (KEYS[1]: holder id -> expiry, ms on Redis's clock), so a worker that dies frees
// its slots without anyone releasing them, and a line of waiters (KEYS[2]: waiter id -> arrival, µs; KEYS[3]:
// waiter id -> expiry), so a process that keeps releasing and re-taking cannot starve one that polls: a slot goes to
// the first in line. A waiter that stops asking (its process died, or it gave up) leaves the line when it expires.
// ARGV: limit, id, slot ttl ms, waiter ttl ms. Answers 1 when `id` now holds a slot, 0 when it waits in line.
const TAKE_SLOT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[1])
local id = ARGV[2]
local slot_ttl = tonumber(ARGV[3])
local waiter_ttl = tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
for _, gone in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now)) do
  redis.call('ZREM', KEYS[2], gone)
  redis.call('ZREM', KEYS[3], gone)
end
local free = limit - redis.call('ZCARD', KEYS[1])
local ahead = redis.call('ZRANK', KEYS[2], id)
if not ahead then ahead = redis.call('ZCARD', KEYS[2]) end
if ahead < free then
  redis.call('ZADD', KEYS[1], now + slot_ttl, id)
  redis.call('PEXPIRE', KEYS[1], slot_ttl)
  redis.call('ZREM', KEYS[2], id)
  redis.call('ZREM', KEYS[3], id)
  return 1
end
redis.call('ZADD', KEYS[2], 'NX', tonumber(t[1]) * 1000000 + tonumber(t[2]), id)
redis.call('ZADD', KEYS[3], now + waiter_ttl, id)
redis.call('PEXPIRE', KEYS[2], waiter_ttl)
redis.call('PEXPIRE', KEYS[3], waiter_ttl)
return 0
`;

// Pushes the expiry of the slots this process still holds (ARGV[2..]) out by ARGV[1] ms. XX: a slot that already
// expired and was swept stays gone (someone else may hold it now).
const RENEW_SLOTS = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[1])
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], 'XX', now + ttl, ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], ttl)
return 0
`;

// A waiter that gives up leaves the line at once, not when it expires.
const LEAVE_LINE = `
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 0
`;

// The pause is the key's remaining life, so it needs no clock: it is only ever extended, never shortened.
const EXTEND_PAUSE = `
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], '1', 'PX', ARGV[1]) end
return 0
`;

/** How long a slot outlives its holder's last renewal: what a dead worker's slot costs the others. */
const DEFAULT_SLOT_TTL_MS = 15_000;
/** How long a waiter keeps its place in line without asking again (it asks every few ms). */
const WAITER_TTL_MS = 2_000;
/** A waiter asks again after 2, 4, 8... ms, at most this often: Redis is not spun on, and a freed slot idles little. */
const FIRST_POLL_MS = 2;
const MAX_POLL_MS = 25;
/** How long a process trusts the pause it last read before reading it again. */
const PAUSE_CACHE_MS = 25;
/** Connections whose gates a process keeps (they are few; the bound only keeps a long-lived worker's map small). */
const MAX_KEPT_CONNECTIONS = 1_000;

/** Options of RedisRequestQuotas. */
export interface RedisRequestQuotasOptions {
  /** Prefix of every key (the queue's). */
  prefix: string;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** How long a held concurrency slot lasts without renewal (renewed every third of it); default 15 s. */
  slotTtlMs?: number;
}

/** Request quotas kept in Redis, shared by every process that uses the same Redis and prefix. */
export class RedisRequestQuotas implements RequestQuotas {
  private readonly slots = new Map<string, RedisConcurrencySlots>();
  private readonly pauses = new Map<string, RedisPause>();

  constructor(
    private readonly redis: Redis,
    private readonly options: RedisRequestQuotasOptions,
  ) {}

  rateGate(connection: string, ratePerSecond: number): RateGate {
    if (!(ratePerSecond > 0)) throw new Error(`requests_per_second must be positive, got ${ratePerSecond}`);
    const key = this.key(connection, 'rate');
    const intervalUs = Math.round(1_000_000 / ratePerSecond);
    const sleep = this.options.sleep ?? defaultSleep;
    return {
      take: async (signal) => {
        const waitMs = Number(await this.redis.eval(RESERVE_SLOT, 1, key, intervalUs));
        if (waitMs > 0) await sleep(waitMs, signal);
      },
    };
  }

  concurrencySlots(connection: string, limit: number): ConcurrencySlots {
    if (!(Number.isSafeInteger(limit) && limit >= 1)) throw new Error(`concurrency must be at least 1, got ${limit}`);
    const key = this.key(connection, 'slots');
    // One per connection and limit in a process: its requests wait in one local line and take one place in Redis's.
    return kept(this.slots, `${key}\n${limit}`, () => {
      const slotTtlMs = this.options.slotTtlMs ?? DEFAULT_SLOT_TTL_MS;
      return new RedisConcurrencySlots(this.redis, [key, this.key(connection, 'line'), this.key(connection, 'waiters')], limit, slotTtlMs);
    });
  }

  pause(connection: string): SharedPause {
    const key = this.key(connection, 'pause');
    return kept(this.pauses, key, () => new RedisPause(this.redis, key, this.options.sleep ?? defaultSleep));
  }

  /** Hashed: a connection's origin may carry what a key listing should not show. */
  private key(connection: string, kind: string): string {
    return `${this.options.prefix}:quota:${createHash('sha256').update(connection).digest('hex').slice(0, 32)}:${kind}`;
  }
}

function kept<T>(map: Map<string, T>, key: string, create: () => T): T {
  let value = map.get(key);
  if (!value) {
    if (map.size >= MAX_KEPT_CONNECTIONS) map.clear();
    value = create();
    map.set(key, value);
  }
  return value;
}

interface Waiter {
  grant(id: string): void;
  fail(error: unknown): void;
}

/**
 * One process's side of a connection's shared slots: its waiting requests form a local line, whose head alone asks
 * Redis (one place in Redis's line per process, so processes take turns); the slots it holds are renewed while held.
 */
class RedisConcurrencySlots implements ConcurrencySlots {
  private readonly held: string[] = [];
  private readonly waiting: Waiter[] = [];
  private readonly holder = randomBytes(8).toString('hex');
  private taken = 0;
  private polling = false;
  private wake: (() => void) | undefined;
  private renewal: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: Redis,
    /** The holders, the line, and the line's expiries. */
    private readonly keys: [string, string, string],
    private readonly limit: number,
    private readonly slotTtlMs: number,
  ) {}

  take(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const i = this.waiting.indexOf(waiter);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(signal?.reason);
        // With no one left waiting, the poller leaves Redis's line now rather than after its sleep.
        this.wake?.();
      };
      const waiter: Waiter = {
        grant: (id) => {
          signal?.removeEventListener('abort', onAbort);
          this.hold(id);
          resolve();
        },
        fail: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
      if (!this.polling) void this.poll();
    });
  }

  release(): void {
    const id = this.held.pop();
    if (id === undefined) return;
    this.releaseId(id);
    if (this.held.length === 0 && this.renewal) {
      clearInterval(this.renewal);
      this.renewal = undefined;
    }
    // Sent after the ZREM on the same connection, so the local line's head sees the freed slot (when it is first in line).
    this.wake?.();
  }

  /** Asks Redis for a slot for the head of the local line until the line is empty. */
  private async poll(): Promise<void> {
    this.polling = true;
    let candidate = this.newId();
    let inLine = false;
    let delay = FIRST_POLL_MS;
    try {
      while (this.waiting.length > 0) {
        let got: boolean;
        try {
          got = Number(await this.redis.eval(TAKE_SLOT, 3, ...this.keys, this.limit, candidate, this.slotTtlMs, WAITER_TTL_MS)) === 1;
        } catch (error) {
          for (const waiter of this.waiting.splice(0)) waiter.fail(error);
          return;
        }
        if (got) {
          inLine = false;
          const waiter = this.waiting.shift();
          // Its request was aborted while Redis answered: the slot goes straight back.
          if (waiter) waiter.grant(candidate);
          else this.releaseId(candidate);
          candidate = this.newId();
          delay = FIRST_POLL_MS;
          continue;
        }
        inLine = true;
        await this.nap(delay * (0.75 + Math.random() / 2));
        delay = Math.min(delay * 2, MAX_POLL_MS);
      }
    } finally {
      this.polling = false;
      if (inLine) void this.redis.eval(LEAVE_LINE, 2, this.keys[1], this.keys[2], candidate).catch(() => undefined);
    }
  }

  /** Sleeps `ms`, or less when a local release or abort wakes the poller. */
  private nap(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  private hold(id: string): void {
    this.held.push(id);
    if (!this.renewal) {
      this.renewal = setInterval(() => this.renew(), Math.max(1, Math.floor(this.slotTtlMs / 3)));
      this.renewal.unref();
    }
  }

  /** A live request keeps its slot however long it takes; a lost renewal only lets the slot expire as a dead holder's would. */
  private renew(): void {
    if (this.held.length === 0) return;
    void this.redis.eval(RENEW_SLOTS, 1, this.keys[0], this.slotTtlMs, ...this.held).catch(() => undefined);
  }

  /** Gives a slot back; when Redis cannot be told, the slot frees itself when it expires. */
  private releaseId(id: string): void {
    void this.redis.zrem(this.keys[0], id).catch(() => undefined);
  }

  private newId(): string {
    return `${this.holder}:${++this.taken}`;
  }
}

/**
 * One process's view of a connection's shared pause: announced to Redis at once, read from it at most every few ms
 * (requests between reads trust the last one; a pause announced here counts at once).
 */
class RedisPause implements SharedPause {
  /** Until when (this process's clock) the connection is paused, as last known. */
  private until = 0;
  private readAt = -Infinity;
  private reading: Promise<void> | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>,
  ) {}

  pause(ms: number): void {
    if (!(ms > 0)) return;
    // HttpClient never obeys a longer wait than this; nor does a pause another worker's client would read.
    const bounded = Math.min(Math.ceil(ms), DEFAULT_MAX_RATE_LIMIT_WAIT_MS);
    this.until = Math.max(this.until, Date.now() + bounded);
    // Not awaited: the announcing request sleeps for the pause anyway; a lost announcement only pauses the others less.
    void this.redis.eval(EXTEND_PAUSE, 1, this.key, bounded).catch(() => undefined);
  }

  async wait(signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      if (Date.now() - this.readAt >= PAUSE_CACHE_MS) await this.read();
      const left = this.until - Date.now();
      if (left <= 0) return;
      // Read again after waking: another worker may have extended the pause.
      await this.sleep(left, signal);
    }
  }

  /** One read at a time however many requests ask. */
  private read(): Promise<void> {
    this.reading ??= this.redis
      .pttl(this.key)
      .then((left) => {
        this.readAt = Date.now();
        if (left > 0) this.until = Math.max(this.until, this.readAt + left);
      })
      .finally(() => {
        this.reading = undefined;
      });
    return this.reading;
  }
}
