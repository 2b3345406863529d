// Requests/s through HttpClient when a connection's limits are shared through Redis (as queue workers share them:
// a concurrency slot taken and released, the requests-per-second reservation, the 429 pause checked), against one
// sink server on loopback in a child process. The reference is the bare pipeline a user could write: an undici Pool
// with the same 8 connections sending the same GETs, 8 in flight. The second line sets the same client with its
// in-memory limiter and pause beside it: what separates those two is the cost of asking Redis alone.
//
// Nothing ever waits: concurrency 8 with 8 senders, and the Redis side's rate far above what loopback reaches. The
// in-memory client has no requests-per-second bucket at all, the fastest it goes: an in-memory bucket at such a rate
// spaces requests a fraction of a ms apart and every such wait takes a timer tick (the fourth line shows it). The
// cost of Redis per request: one round trip (a script takes the slot, reserves the turn at the rate and reads the
// pause) and a release that is not waited for.
//
// Goal >= 0.4 against the bare Pool: the one round trip a request adds costs about what the loopback request itself
// does (a script of a dozen commands on the server, encoding and decoding on the client), so the rate may halve
// against the in-memory client (the second line's goal), and HttpClient's own classifying and accounting take a
// little more; a real API answers in tens of ms, against which the same cost is a few percent. Below, the gates cost
// more than their round trip (a second one, a wait, a poll, a script doing needless work) -- or Redis, a third
// process, waits for a core on a machine busier than its cores (the ratio then says more about the machine; the CPU
// line does not). The third line is this process's CPU per request, which a busy machine changes less.
//
// Runs alternate in many short trials; each figure is its variant's median trial, the ratio the median of the trials'
// own ratios (two runs of a trial are seconds apart, so their ratio is free of the machine's drift between trials).
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { Pool } from 'undici';
import { classifyResponse } from '../src/http/classify-response.js';
import { HttpClient } from '../src/http/http-client.js';
import type { HttpResponse } from '../src/http/http-response.js';
import { RedisRequestQuotas } from '../src/http/redis-request-quotas.js';
import { printBench } from './bench-line.js';
import { median, startSinkProcess } from './bench-trials.js';

const CONCURRENCY = 8;
const REQUESTS_PER_SECOND = 1_000_000;
const REQUESTS = 3_000;
const TRIALS = 10;
const REDIS_URL = process.env.SLUICE_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

const SINK = `
const http = require('node:http');
const body = Buffer.from('{"id":"1"}');
const server = http.createServer((req, res) => {
  req.on('data', () => {});
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
  });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));
`;

const classify = (r: HttpResponse) => classifyResponse(r, [], () => false);

/** Sends `count` requests through a bare undici Pool with CONCURRENCY senders; returns requests/s. */
async function bareRequestsPerSecond(pool: Pool, count: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) {
        const r = await pool.request({ method: 'GET', path: `/contacts/${next++}` });
        await r.body.text();
        if (r.statusCode !== 200) throw new Error(`a send failed: status ${r.statusCode}`);
      }
    }),
  );
  return count / ((performance.now() - started) / 1000);
}

/** Sends `count` requests with CONCURRENCY senders; returns requests/s. */
async function requestsPerSecond(client: HttpClient, url: string, count: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) {
        const outcome = await client.send({ method: 'GET', url: `${url}/contacts/${next++}`, headers: {} }, { classify });
        if (!outcome.ok) throw new Error(`a send failed: ${outcome.error}`);
      }
    }),
  );
  return count / ((performance.now() - started) / 1000);
}

async function main(): Promise<void> {
  const sink = await startSinkProcess(SINK);
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const prefix = `sluice-bench-${randomBytes(4).toString('hex')}`;
  const rateLimit = { concurrency: CONCURRENCY, requests_per_second: REQUESTS_PER_SECOND };
  const options = { rateLimit, retry: { max_attempts: 1, on_status: [], initial_delay_ms: 0, max_delay_ms: 0 }, timeouts: { connect_ms: 1000, read_ms: 5000 } };
  const quotas = new RedisRequestQuotas(redis, { prefix });
  const connection = `bench\n${sink.url}`;
  const memory = new HttpClient({ ...options, rateLimit: { concurrency: CONCURRENCY } });
  const memoryBucket = new HttpClient(options);
  // The client's own pool options, so the bare pipeline differs only by what Sluice adds.
  const pool = new Pool(sink.url, { connections: CONCURRENCY, connect: { timeout: 1000 }, headersTimeout: 5000, bodyTimeout: 5000 });
  const shared = new HttpClient({
    ...options,
    concurrencySlots: quotas.concurrencySlots(connection, CONCURRENCY, REQUESTS_PER_SECOND),
    sharedPause: quotas.pause(connection),
  });
  try {
    // Warm both paths (JIT, connection pools, Redis's script cache).
    await requestsPerSecond(memory, sink.url, 1_000);
    await requestsPerSecond(shared, sink.url, 1_000);
    await requestsPerSecond(memoryBucket, sink.url, 1_000);
    await bareRequestsPerSecond(pool, 1_000);
    const bare: number[] = [];
    const ours: number[] = [];
    const reference: number[] = [];
    const bucket: number[] = [];
    // CPU time of this process per request (Redis's own is not counted: other processes may be using the same server).
    const oursCpu: number[] = [];
    const referenceCpu: number[] = [];
    for (let t = 0; t < TRIALS; t++) {
      const runs: [number[], number[] | undefined, HttpClient | null][] = [
        [ours, oursCpu, shared],
        [bare, undefined, null],
        [reference, referenceCpu, memory],
        [bucket, undefined, memoryBucket],
      ];
      if (t % 2 === 1) runs.reverse();
      for (const [figures, cpu, client] of runs) {
        const before = process.cpuUsage();
        figures.push(client ? await requestsPerSecond(client, sink.url, REQUESTS) : await bareRequestsPerSecond(pool, REQUESTS));
        const used = process.cpuUsage(before);
        cpu?.push((used.user + used.system) / REQUESTS);
      }
    }
    printBench([
      {
        name: 'redis-quota',
        value: median(ours),
        unit: 'requests/s',
        reference: { value: median(bare) },
        ratio: median(ours.map((x, t) => x / bare[t]!)),
        goal: '>= 0.4',
      },
      {
        name: 'redis-quota vs the same client with its in-memory limits',
        value: median(ours),
        unit: 'requests/s',
        reference: { value: median(reference) },
        ratio: median(ours.map((x, t) => x / reference[t]!)),
        goal: '>= 0.5',
      },
      {
        name: 'redis-quota CPU per request in the sending process',
        value: median(oursCpu),
        unit: 'us',
        reference: { value: median(referenceCpu) },
        ratio: median(oursCpu.map((x, t) => x / referenceCpu[t]!)),
        goal: 'none, shows where the time goes',
      },
      {
        name: `redis-quota vs the in-memory bucket at the same ${REQUESTS_PER_SECOND} requests/s`,
        value: median(ours),
        unit: 'requests/s',
        reference: { value: median(bucket) },
        ratio: median(ours.map((x, t) => x / bucket[t]!)),
        goal: 'none, shows where the time goes',
      },
    ]);
  } finally {
    await memory.close();
    await memoryBucket.close();
    await shared.close();
    await pool.close();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    sink.child.kill();
  }
}

await main();
