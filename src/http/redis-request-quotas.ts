import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { DEFAULT_MAX_RATE_LIMIT_WAIT_MS } from './http-client.js';
import type { ConcurrencySlots, RateGate, RequestQuotas, SharedPause } from './request-quotas.js';
import { sleep as defaultSleep } from './sleep.js';

// The send log of a connection (KEYS: the log, the Redis start it trusts): when each request of the last 3 seconds was
// sent, on Redis's clock (µs; kept past the second that counts, so whoever checks the rate can read every send). The
// turns below space requests at the rate, but a request sends when its process wakes, which may be late (a busy event
// loop), and a late one may then send close to the next: the log is what makes "at most N in any second" hold for the
// sends themselves. A send is recorded, and may go, only while the second before it
// holds fewer than N, and only a second after this Redis started: a Redis restarted without its data has lost the log,
// and every send an earlier one recorded came before it started. (Its start is read from INFO once, then kept. INFO's
// uptime is whole seconds of a clock and of a start both cut to the second: it may say 1 when 0.1 s passed, so the
// start taken is a second later than it says, never earlier than the real one.)
// Answers 0 once the send is recorded, else how many ms until it may be.
const RECORD_SEND = `
local function record_send(log, since, now_us, limit, id)
  local started = tonumber(redis.call('GET', since) or '')
  if not started then
    local uptime = tonumber(string.match(redis.call('INFO', 'server'), 'uptime_in_seconds:(%d+)')) or 0
    started = now_us - (uptime - 1) * 1000000
    redis.call('SET', since, string.format('%.0f', started), 'PX', 86400000)
  end
  local free = started + 1000000
  redis.call('ZREMRANGEBYSCORE', log, '-inf', now_us - 3000000)
  local second = '(' .. string.format('%.0f', now_us - 1000000)
  if redis.call('ZCOUNT', log, second, '+inf') >= limit then
    free = math.max(free, tonumber(redis.call('ZRANGEBYSCORE', log, second, '+inf', 'WITHSCORES', 'LIMIT', 0, 1)[2]) + 1000000)
  end
  if free > now_us then return math.ceil((free - now_us) / 1000) end
  redis.call('ZADD', log, string.format('%.0f', now_us), id)
  redis.call('PEXPIRE', log, 4000)
  return 0
end
`;

// The TokenBucket's reservation (GCRA, without a burst, as HttpClient uses it) done atomically in Redis, on Redis's clock, so processes on machines whose
// clocks disagree still share one timeline: each call reserves the next slot and answers how long to wait for it.
// Times are microseconds (2^53 holds them for centuries); the key expires once its slots are in the past.
// KEYS: the timeline, the send log, its start. ARGV: interval µs, sends a second, the request's id.
// A turn due now (within a ms) is recorded in the send log at once. Answers { ms to wait, 1 if recorded else 0 }.
const RESERVE_SLOT = `${RECORD_SEND}
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local start = math.max(now, tonumber(redis.call('GET', KEYS[1]) or '0'))
local next_due = start + interval
redis.call('SET', KEYS[1], string.format('%.0f', next_due), 'PX', math.ceil((next_due - now) / 1000) + 1000)
if start - now < 1000 then
  local wait = record_send(KEYS[2], KEYS[3], now, tonumber(ARGV[2]), ARGV[3])
  return { wait, wait == 0 and 1 or 0 }
end
return { math.floor((start - now) / 1000), 0 }
`;

// A send whose turn came (its process slept until then), recorded in the send log if the last second has room.
const RECORD_DUE_SEND = `${RECORD_SEND}
local t = redis.call('TIME')
return record_send(KEYS[1], KEYS[2], tonumber(t[1]) * 1000000 + tonumber(t[2]), tonumber(ARGV[1]), ARGV[2])
`;

// A semaphore whose holders expire (KEYS[1]: holder id -> expiry, ms on Redis's clock), so a worker that dies frees
// its slots without anyone releasing them, and a line of waiters (KEYS[2]: waiter id -> arrival, µs; KEYS[3]:
// waiter id -> expiry), so a process that keeps releasing and re-taking cannot starve one that polls: a slot goes to
// the first in line. A waiter that stops asking (its process died, or it gave up) leaves the line when it expires.
// A process asks for the slots of all its waiting requests at once (ids in ARGV[6..], in their order; only the first
// can be in line): it gets as many as are free for its place, and its first request left without one takes (or keeps)
// a place in line, unless ARGV[5] is 0 (a request asking on its own joins its process's local line if refused).
// In the same round trip it reads the pause (KEYS[5]) and, unless paused, reserves each granted request's turn at the
// rate (KEYS[4], as RESERVE_SLOT does; ARGV[4] is the interval in µs, 0 for none); a first turn due now is recorded in
// the send log (KEYS[6] and KEYS[7], RECORD_SEND; ARGV[6] is the sends a second) at once.
// ARGV: limit, slot ttl ms, waiter ttl ms, interval µs, 1 or 0, sends a second, ids.
// Answers { slots granted, pause ms left, 1 if the first granted request's send was recorded else 0, then -1 when no
// turn was reserved, else each granted request's wait in ms }.
const TAKE_SLOTS = `${RECORD_SEND}
local t = redis.call('TIME')
local now_us = tonumber(t[1]) * 1000000 + tonumber(t[2])
local now = math.floor(now_us / 1000)
local limit = tonumber(ARGV[1])
local slot_ttl = tonumber(ARGV[2])
local waiter_ttl = tonumber(ARGV[3])
local interval = tonumber(ARGV[4])
local queue = ARGV[5] == '1'
local per_second = tonumber(ARGV[6])
local first = ARGV[7]
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local ahead = redis.call('ZCARD', KEYS[2])
local in_line = false
if ahead > 0 then
  for _, gone in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now)) do
    redis.call('ZREM', KEYS[2], gone)
    redis.call('ZREM', KEYS[3], gone)
  end
  local rank = redis.call('ZRANK', KEYS[2], first)
  in_line = rank ~= false
  ahead = rank or redis.call('ZCARD', KEYS[2])
end
local granted = math.min(#ARGV - 6, limit - redis.call('ZCARD', KEYS[1]) - ahead)
if granted < 0 then granted = 0 end
for i = 1, granted do redis.call('ZADD', KEYS[1], now + slot_ttl, ARGV[6 + i]) end
if granted > 0 then redis.call('PEXPIRE', KEYS[1], slot_ttl) end
if granted > 0 and in_line then
  redis.call('ZREM', KEYS[2], first)
  redis.call('ZREM', KEYS[3], first)
end
local next_in_line = ARGV[7 + granted]
if queue and next_in_line then
  redis.call('ZADD', KEYS[2], 'NX', now_us, next_in_line)
  redis.call('ZADD', KEYS[3], now + waiter_ttl, next_in_line)
  redis.call('PEXPIRE', KEYS[2], waiter_ttl)
  redis.call('PEXPIRE', KEYS[3], waiter_ttl)
end
local paused = redis.call('PTTL', KEYS[5])
local answer = { granted, paused, 0 }
if granted == 0 or interval == 0 or paused > 0 then
  answer[4] = -1
  return answer
end
local start = math.max(now_us, tonumber(redis.call('GET', KEYS[4]) or '0'))
local next_due = start + granted * interval
redis.call('SET', KEYS[4], string.format('%.0f', next_due), 'PX', math.ceil((next_due - now_us) / 1000) + 1000)
for i = 1, granted do answer[3 + i] = math.floor((start + (i - 1) * interval - now_us) / 1000) end
if start - now_us < 1000 then
  answer[4] = record_send(KEYS[6], KEYS[7], now_us, per_second, ARGV[7])
  if answer[4] == 0 then answer[3] = 1 end
end
return answer
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

/** A script run by its SHA1 once Redis has it, so a request does not send its text every time. */
class LuaScript {
  private readonly sha: string;

  constructor(private readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: Redis, keys: string[], args: Array<string | number>): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      // Redis has not seen it yet (or was restarted, or flushed its scripts): EVAL loads it.
      if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error;
      return redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}

const reserveSlot = new LuaScript(RESERVE_SLOT);
const recordDueSend = new LuaScript(RECORD_DUE_SEND);
const takeSlots = new LuaScript(TAKE_SLOTS);

/** How long a slot outlives its holder's last renewal: what a dead worker's slot costs the others. */
const DEFAULT_SLOT_TTL_MS = 15_000;
/** How long a waiter keeps its place in line without asking again (it asks every few ms). */
const WAITER_TTL_MS = 2_000;
/** A refused process asks again after 2, 4, 8... ms, then every 25: Redis is not spun on, and a freed slot idles little. */
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
    const keys = [this.key(connection, 'rate'), this.key(connection, 'sends'), this.key(connection, 'since')];
    const interval = intervalUs(ratePerSecond);
    const perSecond = sendsPerSecond(ratePerSecond);
    const sleep = this.options.sleep ?? defaultSleep;
    const log = this.sendLog(connection, ratePerSecond);
    return {
      take: async (signal) => {
        const [waitMs = 0, recorded = 0] = ((await reserveSlot.run(this.redis, keys, [interval, perSecond, sendId()])) as unknown[]).map(Number);
        if (recorded === 1) return;
        if (waitMs > 0) await sleep(waitMs, signal);
        await log.record(signal);
      },
    };
  }

  /** The connection's send log: a request whose turn came records its send there (waiting while the last second is full). */
  private sendLog(connection: string, ratePerSecond: number): SendLog {
    const keys = [this.key(connection, 'sends'), this.key(connection, 'since')];
    const perSecond = sendsPerSecond(ratePerSecond);
    const sleep = this.options.sleep ?? defaultSleep;
    return {
      record: async (signal) => {
        const id = sendId();
        for (;;) {
          signal?.throwIfAborted();
          const waitMs = Number(await recordDueSend.run(this.redis, keys, [perSecond, id]));
          if (waitMs <= 0) return;
          await sleep(waitMs, signal);
        }
      },
    };
  }

  concurrencySlots(connection: string, limit: number, ratePerSecond?: number): ConcurrencySlots {
    if (!(Number.isSafeInteger(limit) && limit >= 1)) throw new Error(`concurrency must be at least 1, got ${limit}`);
    const rate = ratePerSecond === undefined ? undefined : this.rateGate(connection, ratePerSecond);
    const key = this.key(connection, 'slots');
    // One per connection, limit and rate in a process: its requests wait in one local line and take one place in Redis's.
    return kept(this.slots, `${key}\n${limit}\n${ratePerSecond ?? ''}`, () =>
      new RedisConcurrencySlots({
        redis: this.redis,
        keys: [
          key, this.key(connection, 'line'), this.key(connection, 'waiters'), this.key(connection, 'rate'), this.key(connection, 'pause'),
          this.key(connection, 'sends'), this.key(connection, 'since'),
        ],
        limit,
        slotTtlMs: this.options.slotTtlMs ?? DEFAULT_SLOT_TTL_MS,
        rate: rate && ratePerSecond
          ? { gate: rate, intervalUs: intervalUs(ratePerSecond), perSecond: sendsPerSecond(ratePerSecond), log: this.sendLog(connection, ratePerSecond) }
          : undefined,
        pause: this.redisPause(connection),
        sleep: this.options.sleep ?? defaultSleep,
      }),
    );
  }

  pause(connection: string): SharedPause {
    return this.redisPause(connection);
  }

  private redisPause(connection: string): RedisPause {
    const key = this.key(connection, 'pause');
    return kept(this.pauses, key, () => new RedisPause(this.redis, key, this.options.sleep ?? defaultSleep));
  }

  /** Hashed: a connection's origin may carry what a key listing should not show. */
  private key(connection: string, kind: string): string {
    return `${this.options.prefix}:quota:${createHash('sha256').update(connection).digest('hex').slice(0, 32)}:${kind}`;
  }
}

/** The most sends the send log lets into any second at a rate: 20 at 20/s, 3 at 2.5/s, 1 below 1/s (its turns space those). */
function sendsPerSecond(ratePerSecond: number): number {
  return Math.max(1, Math.ceil(ratePerSecond - 1e-9));
}

/** A send's id in its connection's log (unique among the sends of a second, across processes). */
function sendId(): string {
  return randomBytes(8).toString('hex');
}

/** Where a request whose turn came records its send before it goes. */
interface SendLog {
  record(signal?: AbortSignal): Promise<void>;
}

/** The spacing of a rate, in µs (at least 1: a rate beyond a million a second spaces nothing measurable). */
function intervalUs(ratePerSecond: number): number {
  return Math.max(1, Math.round(1_000_000 / ratePerSecond));
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

/** What a granted request still waits for once it holds its slot: a pause, or its turn at the rate. */
interface Turn {
  /** Its turn's wait in ms, or undefined when none was reserved (no rate, or the connection was paused). */
  waitMs: number | undefined;
  /** Its send is in the connection's send log already (its turn was due when the slot was granted): it goes at once. */
  recorded: boolean;
}

interface Waiter {
  grant(id: string, turn: Turn): void;
  fail(error: unknown): void;
}

/** What RedisConcurrencySlots is built from. */
interface SlotsOptions {
  redis: Redis;
  /** The holders, the line, the line's expiries, the rate's timeline, the pause, the send log and its start. */
  keys: [string, string, string, string, string, string, string];
  limit: number;
  slotTtlMs: number;
  /** The connection's rate, paced with the slots; its gate reserves a turn the slot's own script could not (after a pause). */
  rate: { gate: RateGate; intervalUs: number; perSecond: number; log: SendLog } | undefined;
  pause: RedisPause;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * One process's side of a connection's shared slots: its waiting requests form a local line, asked for together, one
 * script at a time (one place in Redis's line per process, so processes take turns); held slots are renewed.
 */
class RedisConcurrencySlots implements ConcurrencySlots {
  readonly pacesRate: boolean;
  private readonly redis: Redis;
  private readonly keys: SlotsOptions['keys'];
  private readonly limit: number;
  private readonly held: string[] = [];
  private readonly waiting: Waiter[] = [];
  private readonly holder = randomBytes(8).toString('hex');
  private taken = 0;
  private polling = false;
  private wake: (() => void) | undefined;
  private renewal: NodeJS.Timeout | undefined;

  constructor(private readonly options: SlotsOptions) {
    this.redis = options.redis;
    this.keys = options.keys;
    this.limit = options.limit;
    this.pacesRate = options.rate !== undefined;
  }

  async take(signal?: AbortSignal): Promise<void> {
    const turn = await this.slot(signal);
    try {
      // The pause was read with the slot (a cached read, unless it was paused then).
      await this.options.pause.wait(signal);
      const rate = this.options.rate;
      if (turn.waitMs === undefined) await rate?.gate.take(signal);
      else if (!turn.recorded) {
        if (turn.waitMs > 0) await this.options.sleep(turn.waitMs, signal);
        // Sent when its turn came, as the send log allows: a turn late to send may not crowd the next second.
        await rate?.log.record(signal);
      }
    } catch (error) {
      this.release();
      throw error;
    }
  }

  /** Takes a slot: at once when one is free and no one here waits, else in the local line. */
  private async slot(signal: AbortSignal | undefined): Promise<Turn> {
    signal?.throwIfAborted();
    // Nobody here waits: this request asks on its own, alongside others doing the same, rather than one at a time.
    if (this.waiting.length === 0 && !this.polling) {
      const id = this.newId();
      const { granted, turns } = await this.ask([id], false);
      if (granted) {
        this.hold(id);
        if (!signal?.aborted) return turns[0]!;
        this.release();
        signal.throwIfAborted();
      }
    }
    signal?.throwIfAborted();
    return new Promise<Turn>((resolve, reject) => {
      const onAbort = () => {
        const i = this.waiting.indexOf(waiter);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(signal?.reason);
        // With no one left waiting, the poller leaves Redis's line now rather than after its sleep.
        this.wake?.();
      };
      const waiter: Waiter = {
        grant: (id, turn) => {
          signal?.removeEventListener('abort', onAbort);
          this.hold(id);
          resolve(turn);
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

  /** Asks Redis for slots for the local line until the line is empty. */
  private async poll(): Promise<void> {
    this.polling = true;
    // The id of the line's head: it keeps its place in Redis's line from one ask to the next.
    let first = this.newId();
    let inLine = false;
    let delay = FIRST_POLL_MS;
    try {
      while (this.waiting.length > 0) {
        const ids = [first, ...Array.from({ length: Math.min(this.waiting.length, this.limit) - 1 }, () => this.newId())];
        let granted: number;
        let turns: Turn[];
        try {
          ({ granted, turns } = await this.ask(ids, true));
        } catch (error) {
          for (const waiter of this.waiting.splice(0)) waiter.fail(error);
          return;
        }
        for (const [i, id] of ids.slice(0, granted).entries()) {
          const waiter = this.waiting.shift();
          // Its request was aborted while Redis answered: the slot goes straight back (its turn at the rate is lost).
          if (waiter) waiter.grant(id, turns[i]!);
          else this.releaseId(id);
        }
        inLine = granted < ids.length;
        first = inLine ? ids[granted]! : this.newId();
        if (granted > 0) {
          delay = FIRST_POLL_MS;
          continue;
        }
        await this.nap(delay * (0.75 + Math.random() / 2));
        delay = Math.min(delay * 2, MAX_POLL_MS);
      }
    } finally {
      this.polling = false;
      if (inLine) void this.redis.eval(LEAVE_LINE, 2, this.keys[1], this.keys[2], first).catch(() => undefined);
    }
  }

  /** Asks Redis for a slot for each id (the first may be in line, and is put there when refused if `queue`). */
  private async ask(ids: string[], queue: boolean): Promise<{ granted: number; turns: Turn[] }> {
    const rate = this.options.rate;
    const args = [this.limit, this.options.slotTtlMs, WAITER_TTL_MS, rate?.intervalUs ?? 0, queue ? 1 : 0, rate?.perSecond ?? 0, ...ids];
    const answer = ((await takeSlots.run(this.redis, this.keys, args)) as unknown[]).map(Number);
    const [granted = 0, paused = 0, recorded = 0, ...waits] = answer;
    this.options.pause.heard(paused);
    const turns = Array.from({ length: granted }, (_, i) => ({ waitMs: waits[0] === -1 ? undefined : waits[i], recorded: i === 0 && recorded === 1 }));
    return { granted, turns };
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
      this.renewal = setInterval(() => this.renew(), Math.max(1, Math.floor(this.options.slotTtlMs / 3)));
      this.renewal.unref();
    }
  }

  /** A live request keeps its slot however long it takes; a lost renewal only lets the slot expire as a dead holder's would. */
  private renew(): void {
    if (this.held.length === 0) return;
    void this.redis.eval(RENEW_SLOTS, 1, this.keys[0], this.options.slotTtlMs, ...this.held).catch(() => undefined);
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

  /** Takes the pause's ms left as just read from Redis (with a slot). */
  heard(left: number): void {
    this.readAt = Date.now();
    if (left > 0) this.until = Math.max(this.until, this.readAt + left);
  }

  /** One read at a time however many requests ask. */
  private read(): Promise<void> {
    this.reading ??= this.redis
      .pttl(this.key)
      .then((left) => this.heard(left))
      .finally(() => {
        this.reading = undefined;
      });
    return this.reading;
  }
}
