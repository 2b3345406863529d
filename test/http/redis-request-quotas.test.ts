import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { classifyResponse } from '../../src/http/classify-response.js';
import { HttpClient } from '../../src/http/http-client.js';
import type { HttpResponse } from '../../src/http/http-response.js';
import { RedisRequestQuotas } from '../../src/http/redis-request-quotas.js';
import { closeAfterEachTest } from '../support/close-after-each-test.js';
import { json, startTestServer } from './start-test-server.js';

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

/** Two clients, as two workers would have for one connection, sending `each` requests apiece at once. */
async function sendFromTwoWorkers(clients: HttpClient[], url: string, each: number) {
  await Promise.all(clients.flatMap((client, w) => Array.from({ length: each }, (_, i) => client.send({ method: 'GET', url: `${url}/w${w}/${i}`, headers: {} }, { classify }))));
}

describe('requests_per_second shared through Redis', () => {
  it('holds two workers sending to one connection to the connection\'s rate together, not each', async () => {
    const server = await startTestServer((_req, res) => json(res, 200, {}));
    closeLater(() => server.close());
    const prefix = `sluice-test-${randomBytes(4).toString('hex')}`;
    const connection = `crm\nhttps://user:pa55word@api.example.test`;
    const clients = [0, 1].map(() => {
      const quotas = new RedisRequestQuotas(redisClient(), { prefix });
      const client = new HttpClient({ rateLimit, retry, timeouts, rateGate: quotas.rateGate(connection, 20) });
      closeLater(() => client.close());
      return client;
    });
    await sendFromTwoWorkers(clients, server.url, 20);
    const times = server.requests.map((r) => r.at).sort((a, b) => a - b);
    expect(times).toHaveLength(40);
    // 40 requests at 20 a second together: 39 intervals of 50 ms (less the first arrival's lateness on a busy machine).
    expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(1750);
    // Evenly spaced across both: no second holds more than the rate allows, with slack for a busy event loop.
    for (const t of times) expect(times.filter((u) => u >= t && u < t + 1000).length).toBeLessThanOrEqual(23);

    // The key names neither the connection nor its origin.
    const keys = await redisClient().keys(`${prefix}:*`);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(new RegExp(`^${prefix}:quota:[0-9a-f]{32}:rate$`));
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
