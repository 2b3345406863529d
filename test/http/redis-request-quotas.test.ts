import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { classifyResponse } from '../../src/http/classify-response.js';
import { HttpClient } from '../../src/http/http-client.js';
import type { HttpResponse } from '../../src/http/http-response.js';
import { RedisRequestQuotas } from '../../src/http/redis-request-quotas.js';
import { closeAfterEachTest } from '../support/close-after-each-test.js';
import { json, startTestServer, type TestHandler } from './start-test-server.js';

const classify = (r: HttpResponse) => classifyResponse(r, [], () => false);
const closeLater = closeAfterEachTest();
const retry = { max_attempts: 1, on_status: [], initial_delay_ms: 0, max_delay_ms: 0 };
const timeouts = { connect_ms: 1000, read_ms: 2000 };
const rateLimit = { concurrency: 8, requests_per_second: 20 };

/** A Redis connection of its own, as each worker process has. */
function redisClient(): Redis {
  const redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
  closeLater(async () => void redis.disconnect());
  return redis;
}

/** A key prefix of the test's own. */
const uniquePrefix = () => `sluice-test-${randomBytes(4).toString('hex')}`;
/** A connection's name and origin, with a credential a key listing must not show. */
const connection = `crm\nhttps://user:pa55word@api.example.test`;

/** Two clients, as two workers would have for one connection, sending `each` requests apiece at once. */
async function sendFromTwoWorkers(clients: HttpClient[], url: string, each: number) {
  await Promise.all(clients.flatMap((client, w) => Array.from({ length: each }, (_, i) => client.send({ method: 'GET', url: `${url}/w${w}/${i}`, headers: {} }, { classify }))));
}

describe('requests_per_second shared through Redis', () => {
  it('holds two workers sending to one connection to the connection\'s rate together, not each', async () => {
    const server = await startTestServer((_req, res) => json(res, 200, {}));
    closeLater(() => server.close());
    const prefix = uniquePrefix();
    // As workers have it: the shared concurrency slots pace the rate too, in the same round trip.
    const clients = [0, 1].map(() => workerClient(new RedisRequestQuotas(redisClient(), { prefix }), rateLimit));
    await sendFromTwoWorkers(clients, server.url, 20);
    const times = server.requests.map((r) => r.at).sort((a, b) => a - b);
    expect(times).toHaveLength(40);
    // 40 requests at 20 a second together: 39 intervals of 50 ms (less the first arrival's lateness on a busy machine).
    expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(1750);
    // Evenly spaced across both: no second holds more than the rate allows, with slack for a busy event loop.
    for (const t of times) expect(times.filter((u) => u >= t && u < t + 1000).length).toBeLessThanOrEqual(23);

    // The rate's key names neither the connection nor its origin.
    expect(await redisClient().keys(`${prefix}:*rate`)).toEqual([expect.stringMatching(new RegExp(`^${prefix}:quota:[0-9a-f]{32}:rate$`))]);
  });

  it('never records 21 sends in a second, however late a worker wakes for its turn: a late send waits for the second to have room', async () => {
    const prefix = uniquePrefix();
    // Every third turn wakes up to 180 ms late, as a worker's busy event loop would; the rest on time.
    let n = 0;
    const lateSleep = (ms: number, signal?: AbortSignal) => delay(ms + (++n % 3 === 0 ? 120 + Math.random() * 60 : 0), undefined, { signal });
    const quotas = [0, 1].map(() => new RedisRequestQuotas(redisClient(), { prefix, sleep: lateSleep }));
    // Two workers: one with the slots that pace the rate (as queue workers have it), one with the rate gate alone.
    const slots = quotas[0]!.concurrencySlots(connection, 8, 20);
    const gate = quotas[1]!.rateGate(connection, 20);
    const watching = watchSendLog(prefix);
    const sent: number[] = [];
    await Promise.all([
      ...Array.from({ length: 30 }, async () => {
        await slots.take();
        sent.push(performance.now());
        await delay(5);
        slots.release();
      }),
      ...Array.from({ length: 30 }, async () => {
        await gate.take();
        sent.push(performance.now());
      }),
    ]);
    const recorded = await watching.stop();
    // Every send was recorded, on Redis's clock; no second of them holds 21, though sleeps woke late all along.
    expect(recorded).toHaveLength(60);
    expect(busiest(recorded, 1000)).toBe(20);
    // 60 sends at 20 a second: the last went at least two seconds after the first, as the rate says.
    expect(recorded.at(-1)! - recorded[0]!).toBeGreaterThanOrEqual(2000);
  });

  it('lets no send into the first second of a Redis that started anew: the sends an earlier one recorded are lost with it', async () => {
    const prefix = uniquePrefix();
    const redis = redisClient();
    const gate = new RedisRequestQuotas(redis, { prefix }).rateGate(connection, 20);
    await gate.take();
    // As a Redis restarted without its data would have it: the log empty, and Redis started 200 ms ago.
    const [since] = await redis.keys(`${prefix}:quota:*:since`);
    expect(since).toMatch(new RegExp(`^${prefix}:quota:[0-9a-f]{32}:since$`));
    await redis.del(since!.replace(/since$/, 'sends'), since!.replace(/since$/, 'rate'));
    const [seconds, micros] = (await redis.time()).map(Number);
    await redis.set(since!, String(seconds! * 1_000_000 + micros! - 200_000));
    const waited = await elapsed(gate.take());
    expect(waited.ms).toBeGreaterThanOrEqual(780);
    expect(waited.ms).toBeLessThan(1300);
  });

  it('is what two workers with a bucket each do not do: they send at twice the rate', async () => {
    const server = await startTestServer((_req, res) => json(res, 200, {}));
    closeLater(() => server.close());
    const clients = [0, 1].map(() => {
      const client = new HttpClient({ rateLimit, retry, timeouts });
      closeLater(() => client.close());
      return client;
    });
    await sendFromTwoWorkers(clients, server.url, 20);
    const times = server.requests.map((r) => r.at).sort((a, b) => a - b);
    expect(times.at(-1)! - times[0]!).toBeLessThan(1400);
  });
});


/** A loopback server answering 200 after `ms`, so requests overlap; it counts the peak of requests in flight. */
async function slowServer(ms: number) {
  const server = await startTestServer(async (_req, res) => {
    await delay(ms);
    json(res, 200, {});
  });
  closeLater(() => server.close());
  return server;
}

/** An HttpClient as one worker has it: its own limits, and the connection's shared slots and pause when given quotas. */
function workerClient(quotas: RedisRequestQuotas | undefined, options: { concurrency: number; requests_per_second?: number; retry?: typeof retry }) {
  const { retry: retries = retry, ...rateLimit } = options;
  const client = new HttpClient({
    rateLimit,
    retry: retries,
    timeouts,
    ...(quotas
      ? { concurrencySlots: quotas.concurrencySlots(connection, rateLimit.concurrency, rateLimit.requests_per_second), sharedPause: quotas.pause(connection) }
      : {}),
  });
  closeLater(() => client.close());
  return client;
}

/** The most of `times` (ms) within `windowMs` of one another: each time opens a half-open window [t, t + windowMs). */
function busiest(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let first = 0, last = 0; first < sorted.length; first++) {
    while (last < sorted.length && sorted[last]! < sorted[first]! + windowMs) last++;
    most = Math.max(most, last - first);
  }
  return most;
}

/**
 * Reads every connection's send log under `prefix` every 100 ms (an entry stays there 3 seconds) and keeps
 * each send once: its time on Redis's clock, in ms.
 */
function watchSendLog(prefix: string): { stop(): Promise<number[]> } {
  const redis = redisClient();
  const seen = new Map<string, number>();
  const read = async () => {
    for (const key of await redis.keys(`${prefix}:quota:*:sends`)) {
      const flat = await redis.zrange(key, '0', '-1', 'WITHSCORES');
      for (let i = 0; i < flat.length; i += 2) seen.set(`${key} ${flat[i]}`, Number(flat[i + 1]) / 1000);
    }
  };
  let reading = read();
  const timer = setInterval(() => {
    reading = reading.then(read);
  }, 100);
  return {
    async stop() {
      clearInterval(timer);
      await reading;
      await read();
      return [...seen.values()].sort((a, b) => a - b);
    },
  };
}

/** Rejects with how long after `since` the promise settled, or resolves with it. */
async function elapsed(promise: Promise<unknown>, since = performance.now()): Promise<{ ms: number; error?: unknown }> {
  try {
    await promise;
    return { ms: performance.now() - since };
  } catch (error) {
    return { ms: performance.now() - since, error };
  }
}

describe('concurrency shared through Redis', () => {
  it('holds two workers with concurrency 2 to 2 requests in flight together, and both get their turns', async () => {
    const server = await slowServer(60);
    const prefix = uniquePrefix();
    const clients = [0, 1].map(() => workerClient(new RedisRequestQuotas(redisClient(), { prefix }), { concurrency: 2 }));
    await sendFromTwoWorkers(clients, server.url, 6);
    expect(server.requests).toHaveLength(12);
    expect(server.stats.peakInFlight).toBe(2);
    // Processes take turns in Redis's line: the first half of the requests holds some of each worker's.
    const firstHalf = server.requests.slice(0, 6).map((r) => r.url.split('/')[1]);
    expect(new Set(firstHalf)).toEqual(new Set(['w0', 'w1']));
  });

  it('gives a worker that starts later its turn while another keeps every slot busy', async () => {
    const server = await slowServer(30);
    const prefix = uniquePrefix();
    const [busy, late] = [0, 1].map(() => workerClient(new RedisRequestQuotas(redisClient(), { prefix }), { concurrency: 2 }));
    const send = (client: HttpClient, path: string) => client.send({ method: 'GET', url: `${server.url}${path}`, headers: {} }, { classify });
    // 30 requests of 30 ms, two at a time: the busy worker alone needs some 450 ms.
    const flood = Promise.all(Array.from({ length: 30 }, (_, i) => send(busy!, `/busy/${i}`)));
    await delay(60);
    const started = performance.now();
    await Promise.all([send(late!, '/late/0'), send(late!, '/late/1')]);
    // Waiting in line, not for the flood to end.
    expect(performance.now() - started).toBeLessThan(250);
    await flood;
    expect(server.stats.peakInFlight).toBe(2);
  });

  it('is what caps them: with their own limiters only, two workers have 4 in flight', async () => {
    const server = await slowServer(60);
    const clients = [0, 1].map(() => workerClient(undefined, { concurrency: 2 }));
    await sendFromTwoWorkers(clients, server.url, 6);
    expect(server.stats.peakInFlight).toBe(4);
  });

  it('holds concurrency 1 to one request at a time across workers', async () => {
    const server = await slowServer(30);
    const prefix = uniquePrefix();
    const clients = [0, 1].map(() => workerClient(new RedisRequestQuotas(redisClient(), { prefix }), { concurrency: 1 }));
    await sendFromTwoWorkers(clients, server.url, 4);
    expect(server.requests).toHaveLength(8);
    expect(server.stats.peakInFlight).toBe(1);
  });

  it('frees the slot of a worker that vanished without releasing it once the slot expires', async () => {
    const prefix = uniquePrefix();
    const gone = redisClient();
    await new RedisRequestQuotas(gone, { prefix, slotTtlMs: 400 }).concurrencySlots(connection, 1).take();
    // The worker dies: it neither releases nor renews.
    gone.disconnect();
    const slots = new RedisRequestQuotas(redisClient(), { prefix, slotTtlMs: 400 }).concurrencySlots(connection, 1);
    const waited = await elapsed(slots.take());
    expect(waited.error).toBeUndefined();
    expect(waited.ms).toBeGreaterThanOrEqual(250);
    expect(waited.ms).toBeLessThan(1500);
    slots.release();
  });

  it('keeps a live holder\'s slot past its expiry; a waiter that is aborted gives up at once and leaves the line', async () => {
    const prefix = uniquePrefix();
    const holder = new RedisRequestQuotas(redisClient(), { prefix, slotTtlMs: 300 }).concurrencySlots(connection, 1);
    await holder.take();
    const waiter = new RedisRequestQuotas(redisClient(), { prefix, slotTtlMs: 300 }).concurrencySlots(connection, 1);
    const abort = new AbortController();
    let settled = false;
    const waiting = waiter.take(abort.signal).finally(() => (settled = true));
    // Three times the slot's life: the holder renews it, so the waiter still waits.
    await delay(900);
    expect(settled).toBe(false);
    // The holders, the line and its expiries, under keys that name neither the connection nor its origin.
    const keys = await redisClient().keys(`${prefix}:*`);
    expect(keys.map((key) => key.replace(/:quota:[0-9a-f]{32}:/, ':quota:<hash>:')).sort()).toEqual(
      ['line', 'slots', 'waiters'].map((kind) => `${prefix}:quota:<hash>:${kind}`),
    );
    const aborted = performance.now();
    abort.abort();
    const { ms, error } = await elapsed(waiting, aborted);
    expect((error as Error | undefined)?.name).toBe('AbortError');
    expect(ms).toBeLessThan(100);

    // A request waiting in HttpClient for the shared slot is cancelled as promptly.
    const server = await slowServer(0);
    const client = workerClient(new RedisRequestQuotas(redisClient(), { prefix }), { concurrency: 1 });
    const started = performance.now();
    const outcome = await client.send({ method: 'GET', url: `${server.url}/x`, headers: {} }, { classify, signal: AbortSignal.timeout(100) });
    expect(outcome).toMatchObject({ ok: false, action: 'fail', error: 'the request was cancelled' });
    expect(performance.now() - started).toBeLessThan(400);
    expect(server.requests).toHaveLength(0);

    // Neither aborted waiter is still in line: a newcomer takes the released slot at once, not after their place expires.
    holder.release();
    const newcomer = new RedisRequestQuotas(redisClient(), { prefix }).concurrencySlots(connection, 1);
    const taken = await elapsed(newcomer.take());
    expect(taken.ms).toBeLessThan(300);
    newcomer.release();
  });

  it('refuses a concurrency below 1 or not a whole number', () => {
    const quotas = new RedisRequestQuotas(redisClient(), { prefix: uniquePrefix() });
    for (const limit of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => quotas.concurrencySlots(connection, limit)).toThrow(`concurrency must be at least 1, got ${limit}`);
    }
  });
});

describe('a 429 pause shared through Redis', () => {
  /** 429 with `retryAfter` to the first request of worker A, 200 to everything else. */
  const limitedOnce = (retryAfter: string): TestHandler => {
    let answered = 0;
    return (req, res) =>
      req.url === '/a/first' && !answered++ ? json(res, 429, { error: 'slow down' }, { 'Retry-After': retryAfter }) : json(res, 200, {});
  };

  it('delays the next request of worker B by the Retry-After that worker A was given', async () => {
    const server = await startTestServer(limitedOnce('1'));
    closeLater(() => server.close());
    const prefix = uniquePrefix();
    // With a rate: a turn at it is reserved only once the pause is over.
    const limits = { concurrency: 2, requests_per_second: 50 };
    const a = workerClient(new RedisRequestQuotas(redisClient(), { prefix }), { ...limits, retry: { ...retry, max_attempts: 2 } });
    const b = workerClient(new RedisRequestQuotas(redisClient(), { prefix }), limits);
    const alone = workerClient(undefined, limits);
    const sentA = a.send({ method: 'GET', url: `${server.url}/a/first`, headers: {} }, { classify });
    await expect.poll(() => server.requests.length, { interval: 5 }).toBe(1);
    await delay(50);
    // The pause's key names neither the connection nor its origin.
    expect(await redisClient().keys(`${prefix}:*pause`)).toEqual([expect.stringMatching(new RegExp(`^${prefix}:quota:[0-9a-f]{32}:pause$`))]);
    const [outcomeB, outcomeAlone] = await Promise.all([
      b.send({ method: 'GET', url: `${server.url}/b`, headers: {} }, { classify }),
      alone.send({ method: 'GET', url: `${server.url}/alone`, headers: {} }, { classify }),
    ]);
    expect(outcomeB.ok && outcomeAlone.ok).toBe(true);
    expect(await sentA).toMatchObject({ ok: true, attempts: 2 });
    const at = (url: string) => server.requests.find((r) => r.url === url)!.at;
    const limitedAt = at('/a/first');
    expect(at('/b') - limitedAt).toBeGreaterThanOrEqual(900);
    expect(at('/b') - limitedAt).toBeLessThan(1600);
    // A worker without the shared pause sent at once: the wait is the pause's, not the server's.
    expect(at('/alone') - limitedAt).toBeLessThan(400);

  });

  it('does not pause anyone for a Retry-After longer than a client obeys, and caps a pause announced directly at the same 15 minutes', async () => {
    const server = await startTestServer(limitedOnce('100000'));
    closeLater(() => server.close());
    const prefix = uniquePrefix();
    const a = workerClient(new RedisRequestQuotas(redisClient(), { prefix }), { concurrency: 2, retry: { ...retry, max_attempts: 2 } });
    const b = workerClient(new RedisRequestQuotas(redisClient(), { prefix }), { concurrency: 2 });
    const outcomeA = await a.send({ method: 'GET', url: `${server.url}/a/first`, headers: {} }, { classify });
    expect(outcomeA).toMatchObject({ ok: false, action: 'fail' });
    expect(outcomeA.ok ? '' : outcomeA.error).toBe(
      '429 Too Many Requests: the API asks to wait 100000 s before the next request, longer than the 900 s Sluice waits: slow down',
    );
    const started = performance.now();
    expect(await b.send({ method: 'GET', url: `${server.url}/b`, headers: {} }, { classify })).toMatchObject({ ok: true });
    expect(performance.now() - started).toBeLessThan(400);

    const redis = redisClient();
    const quotas = new RedisRequestQuotas(redis, { prefix });
    expect(await redis.keys(`${prefix}:*pause`)).toEqual([]);
    quotas.pause('huge').pause(1e15);
    quotas.pause('infinite').pause(Number.POSITIVE_INFINITY);
    for (const ms of [Number.NaN, -5, 0]) quotas.pause('nothing').pause(ms);
    const pauses = await redis.keys(`${prefix}:*pause`);
    expect(pauses).toHaveLength(2);
    for (const key of pauses) {
      const left = await redis.pttl(key);
      expect(left).toBeGreaterThan(899_000);
      expect(left).toBeLessThanOrEqual(900_000);
      await redis.del(key);
    }
  });

  it('only ever extends a pause, never shortens it, and an abort while paused rejects at once', async () => {
    const redis = redisClient();
    const prefix = uniquePrefix();
    const first = new RedisRequestQuotas(redisClient(), { prefix }).pause(connection);
    const second = new RedisRequestQuotas(redisClient(), { prefix }).pause(connection);
    first.pause(5_000);
    await delay(20);
    second.pause(100);
    await delay(20);
    const [key] = await redis.keys(`${prefix}:*pause`);
    expect(await redis.pttl(key!)).toBeGreaterThan(4_000);

    const aborted = AbortSignal.timeout(100);
    const { ms, error } = await elapsed(second.wait(aborted));
    expect((error as Error | undefined)?.name).toBe('AbortError');
    expect(ms).toBeGreaterThanOrEqual(90);
    expect(ms).toBeLessThan(300);
    await redis.del(key!);
  });
});
