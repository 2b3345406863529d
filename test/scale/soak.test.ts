import { execFileSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { once } from 'node:events';
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createServer } from '../../src/server/create-server.js';
import { redisConnection, redisUrl } from '../../src/server/redis-connection.js';
import { RUN_QUEUE } from '../../src/server/run-job.js';
import type { RunRecord } from '../../src/state/state-store.js';
import { POSTGRES_URL } from '../state/state-fixtures.js';
import { closeAfterEachTest } from '../support/close-after-each-test.js';
import { freezeBuiltCli, startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';

// The soak test of issue #18 (npm run test:scale, after a build: the workers are `sluice worker` processes of bin/).
// Real PostgreSQL state, real Redis (restarted once: the local redis-server on 6379), two servers, three workers.
const url = redisUrl();
const token = 'soak-token-5c2e91';
const closeLater = closeAfterEachTest();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const BIG_ROWS = 200_000;
const BIG_BATCH = 500;
const SMALL_ROWS = 1000;
const SMALL_BATCH = 100;
/** Rows of each paced sync: 2 x 800 requests at 20 a second, 80 s, so the Redis restart falls among them. */
const PACED_ROWS = 800;
/** Each connection's concurrency: the most batches one run of it has in flight. */
const CONCURRENCY = 4;
/** Runs a worker takes at once. */
const WORKER_JOBS = 4;

/** A record as the syncs send it: its id and the sync that sent it. */
interface Sent {
  id: number;
  sync: string;
}

/** What the sink received: per sync, every record id in order of arrival; per connection (path), each request's arrival. */
interface Received {
  ids: Map<string, number[]>;
  arrivals: Map<string, number[]>;
}

/** A counting sink on loopback: takes one record or `{ records: [...] }` per request and answers 200 (a test request's path names its connection). */
async function startCountingSink(): Promise<{ url: string; received: Received; close(): Promise<void> }> {
  const received: Received = { ids: new Map(), arrivals: new Map() };
  const read = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString() || 'null') as Sent | { records: Sent[] };
  };
  const server = createHttpServer((req, res) => {
    const at = Date.now();
    read(req).then(
      (body) => {
        const records = body && 'records' in body ? body.records : [body!];
        for (const r of records) {
          if (!received.ids.has(r.sync)) received.ids.set(r.sync, []);
          received.ids.get(r.sync)!.push(r.id);
        }
        const connection = req.url ?? '/';
        if (!received.arrivals.has(connection)) received.arrivals.set(connection, []);
        received.arrivals.get(connection)!.push(at);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      },
      () => res.writeHead(400).end(),
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The most requests whose arrivals fall within `windowMs` of one another, and their times. */
function busiestWindow(arrivals: number[], windowMs: number): { count: number; times: number[] } {
  const times = [...arrivals].sort((a, b) => a - b);
  let most = { count: 0, from: 0 };
  for (let first = 0, last = 0; first < times.length; first++) {
    while (last < times.length && times[last]! < times[first]! + windowMs) last++;
    if (last - first > most.count) most = { count: last - first, from: first };
  }
  return { count: most.count, times: times.slice(most.from, most.from + most.count) };
}

/**
 * Reads the send logs of the rate-limited connections (`PREFIX:quota:*:sends`: each request's send on Redis's clock,
 * kept 3 seconds) every 100 ms, and keeps every send once, its time in ms. `read` reads them now.
 */
function watchSendLogs(prefix: string): { read(): Promise<void>; stop(): Promise<number[]> } {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  const seen = new Map<string, number>();
  const read = async () => {
    try {
      for (const key of await redis.keys(`${prefix}:quota:*:sends`)) {
        const flat = await redis.zrange(key, '0', '-1', 'WITHSCORES');
        for (let i = 0; i < flat.length; i += 2) seen.set(`${key} ${flat[i]}`, Number(flat[i + 1]) / 1000);
      }
    } catch {
      // Redis restarting: the sends it recorded before are read already, and those after are not recorded yet.
    }
  };
  let reading = read();
  const timer = setInterval(() => {
    reading = reading.then(read);
  }, 100);
  return {
    read: () => (reading = reading.then(read)),
    async stop() {
      clearInterval(timer);
      await reading;
      await read();
      redis.disconnect();
      return [...seen.values()].sort((a, b) => a - b);
    },
  };
}

/** Stops the local Redis without saving and starts it again, empty: every queue, job and quota key is gone. */
function restartRedis(): void {
  execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', '6379', 'shutdown', 'nosave']);
  execFileSync('redis-server', ['--daemonize', 'yes', '--bind', '127.0.0.1', '--port', '6379', '--save', '', '--appendonly', 'no']);
  for (let i = 0; i < 100; i++) {
    try {
      if (execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', '6379', 'ping']).toString().trim() === 'PONG') return;
    } catch {
      // Not up yet.
    }
    execFileSync('sleep', ['0.05']);
  }
  throw new Error('redis-server did not come back');
}

const SMALL = Array.from({ length: 16 }, (_, i) => `small_${String(i + 1).padStart(2, '0')}`);

describe('soak: a server pair, three workers, PostgreSQL state, kills and a Redis restart', () => {
  it('delivers every row of 20 syncs, resumes what the killed workers held, ticks each schedule once and keeps the shared rate', async () => {
    const prefix = `sluice-soak-${randomBytes(4).toString('hex')}`;
    const schema = `sluice_soak_${randomBytes(5).toString('hex')}`;
    closeLater(async () => {
      const queue = new Queue(RUN_QUEUE, { connection: redisConnection(url), prefix });
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    });
    const sink = await startCountingSink();
    closeLater(() => sink.close());
    const dir = await mkdtemp(join(tmpdir(), 'sluice-soak-'));
    closeLater(() => rm(dir, { recursive: true, force: true }));

    const db = new Database(join(dir, 'shop.db'));
    db.exec('CREATE TABLE big (id INTEGER PRIMARY KEY, note TEXT); CREATE TABLE small (id INTEGER PRIMARY KEY, note TEXT); CREATE TABLE ticks (id INTEGER PRIMARY KEY)');
    db.transaction(() => {
      const big = db.prepare('INSERT INTO big (id, note) VALUES (?, ?)');
      for (let id = 1; id <= BIG_ROWS; id++) big.run(id, `order ${id}`);
      const small = db.prepare('INSERT INTO small (id, note) VALUES (?, ?)');
      for (let id = 1; id <= SMALL_ROWS; id++) small.run(id, `item ${id}`);
      db.prepare('INSERT INTO ticks (id) VALUES (1), (2), (3)').run();
    })();
    db.close();
    await mkdir(join(dir, 'connectors'));
    const connector = (name: string, rateLimit: string) =>
      writeFile(join(dir, 'connectors', `${name}.yaml`), `name: ${name}
title: The counting sink
base_url: "{{ config.url }}"
config:
  url: { type: string, required: true }
rate_limit: { ${rateLimit} }
endpoints:
  one:
    operation: create
    method: POST
    path: ""
    headers: { Content-Type: application/json }
    body: "{{ row | json }}"
  many:
    operation: create
    request: batch
    method: POST
    path: ""
    headers: { Content-Type: application/json }
    batch: { size: ${BIG_BATCH}, item: "{{ row | json }}", body: '{ "records": {{ items }} }' }
  hundred:
    operation: create
    request: batch
    method: POST
    path: ""
    headers: { Content-Type: application/json }
    batch: { size: ${SMALL_BATCH}, item: "{{ row | json }}", body: '{ "records": {{ items }} }' }
`);
    await connector('fast', `concurrency: ${CONCURRENCY}`);
    await connector('paced', `requests_per_second: 20, concurrency: ${CONCURRENCY}`);
    const sync = (name: string, o: { sql: string; connection: string; endpoint: string; mode?: string; extra?: string }) => `
  ${name}:
    from: { connection: shop, sql: "${o.sql}" }
    to: { connection: ${o.connection}, endpoint: ${o.endpoint} }
    mode: ${o.mode ?? 'insert'}
    key: id${o.extra ?? ''}`;
    await writeFile(join(dir, 'sluice.yaml'), `version: 1
state: "${POSTGRES_URL}?schema=${schema}"
connections:
  shop: { type: sqlite, path: shop.db }
  fast: { type: http, connector: ./connectors/fast.yaml, config: { url: "${sink.url}/fast" } }
  paced: { type: http, connector: ./connectors/paced.yaml, config: { url: "${sink.url}/paced" } }
syncs:${sync('big', { sql: "SELECT id, note, 'big' AS sync FROM big", connection: 'fast', endpoint: 'many', extra: '\n    partitions: 4' })}${sync('paced_a', { sql: `SELECT id, note, 'paced_a' AS sync FROM small WHERE id <= ${PACED_ROWS}`, connection: 'paced', endpoint: 'one' })}${sync('paced_b', { sql: `SELECT id, note, 'paced_b' AS sync FROM small WHERE id <= ${PACED_ROWS}`, connection: 'paced', endpoint: 'one' })}${sync('ticks', { sql: "SELECT id, 'ticks' AS sync FROM ticks", connection: 'fast', endpoint: 'one', mode: 'append', extra: '\n    schedule: "*/5 * * * * *"' })}${SMALL.map((name, i) => sync(name, { sql: `SELECT id, note, '${name}' AS sync FROM small`, connection: 'fast', endpoint: 'hundred', extra: i % 4 === 0 ? '\n    partitions: 2' : '' })).join('')}
`);

    const env = {
      ...process.env, SLUICE_ALLOWED_HOSTS: '127.0.0.1', SLUICE_REDIS_URL: url, SLUICE_REDIS_PREFIX: prefix,
      // One key for every machine, as the README asks (each would make its own otherwise).
      SLUICE_SECRET_KEY: randomBytes(32).toString('hex'),
      // Short enough that a killed worker's jobs move on within seconds; long enough that a machine busier than its
      // cores (a whole test run on two) still renews a live run's lease in time (a run whose lease lapses fails).
      SLUICE_QUEUE_LOCK_MS: '5000', SLUICE_LEASE_TTL_MS: '15000', SLUICE_QUEUE_RECONCILE_MS: '2000',
    };
    const servers: string[] = [];
    for (let i = 0; i < 2; i++) {
      const server = await createServer({ project: dir, token, queue: 'redis', redisUrl: url, redisPrefix: prefix, env, scheduler: true });
      closeLater(() => server.close());
      await server.app.listen({ port: 0, host: '127.0.0.1' });
      servers.push(`http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`);
    }
    const auth = { authorization: `Bearer ${token}` };
    // The workers run a copy of the build: one made meanwhile in this folder would hand them half of each.
    const built = await freezeBuiltCli();
    closeLater(() => built.remove());
    const workers: WorkerProcess[] = [];
    for (let i = 0; i < 3; i++) {
      const w = await startWorkerProcess({ project: dir, env, args: ['--concurrency', String(WORKER_JOBS)], readyMs: 60_000, cli: built.cli });
      closeLater(() => w.stop());
      workers.push(w);
    }
    const started = Date.now();
    const sendLogs = watchSendLogs(prefix);
    closeLater(async () => void (await sendLogs.stop()));

    // 19 runs asked of either server (the 20th sync, ticks, runs on its schedule).
    const names = ['big', 'paced_a', 'paced_b', ...SMALL];
    const runIds = new Map<string, string>();
    for (const [i, name] of names.entries()) {
      const res = await fetch(`${servers[i % 2]}/api/syncs/${name}/runs`, { method: 'POST', headers: auth });
      expect(res.status, await res.clone().text()).toBe(202);
      runIds.set(name, ((await res.json()) as { runId: string }).runId);
    }
    const runsOf = async (name: string) => ((await (await fetch(`${servers[1]}/api/runs?name=${name}&limit=100`, { headers: auth })).json()) as { runs: RunRecord[] }).runs;
    const record = async (id: string, server = servers[0]) => (await (await fetch(`${server}/api/runs/${id}`, { headers: auth })).json()) as RunRecord;

    // Two workers killed at random moments while the big run sends, Redis restarted between them.
    const bigSent = () => (sink.received.ids.get('big') ?? []).length;
    const waitSent = async (rows: number) => {
      const end = Date.now() + 240_000;
      while (bigSent() < rows && Date.now() < end) await sleep(50);
    };
    const killed: { worker: WorkerProcess; output: string }[] = [];
    await waitSent(randomInt(10_000, 40_000));
    workers[0]!.child.kill('SIGKILL');
    killed.push({ worker: workers[0]!, output: workers[0]!.output() });
    await waitSent(randomInt(60_000, 90_000));
    // Every send recorded so far is read first: a restart loses the log.
    await sendLogs.read();
    restartRedis();
    const redisRestartedAt = Date.now();
    await waitSent(randomInt(110_000, 140_000));
    workers[1]!.child.kill('SIGKILL');
    killed.push({ worker: workers[1]!, output: workers[1]!.output() });

    // Every run ends on its own, whichever server is asked.
    const end = Date.now() + 420_000;
    const final = new Map<string, RunRecord>();
    while (final.size < names.length && Date.now() < end) {
      for (const [name, id] of runIds) {
        if (final.has(name)) continue;
        const r = await record(id, servers[final.size % 2]);
        if (['succeeded', 'failed', 'cancelled'].includes(r.status)) final.set(name, r);
      }
      await sleep(1000);
    }
    // The schedule has ticked for at least 30 s.
    while (Date.now() - started < 30_000) await sleep(500);
    const elapsed = Date.now() - started;

    // Every run final and true: succeeded, its counts its rows.
    for (const name of names) {
      const r = final.get(name);
      expect(r, `run of ${name} did not end`).toBeDefined();
      const rows = name === 'big' ? BIG_ROWS : name.startsWith('paced') ? PACED_ROWS : SMALL_ROWS;
      expect({ name, status: r!.status, error: r!.error }).toEqual({ name, status: 'succeeded', error: null });
      expect({ name, planned: r!.counts.planned, delivered: r!.counts.delivered, failed: r!.counts.failed }).toEqual({ name, planned: rows, delivered: rows, failed: 0 });
    }
    // Every row delivered; sent twice at most what the killed workers had in flight: per job in hand, the
    // connection's concurrency in batches.
    let duplicates = 0;
    for (const name of names) {
      const ids = sink.received.ids.get(name) ?? [];
      const rows = name === 'big' ? BIG_ROWS : name.startsWith('paced') ? PACED_ROWS : SMALL_ROWS;
      expect({ name, distinct: new Set(ids).size }).toEqual({ name, distinct: rows });
      duplicates += ids.length - rows;
    }
    // What this soak went through, for whoever reads its log.
    console.log(`soak: ${Math.round(elapsed / 1000)} s, ${killed.length} workers killed, Redis restarted ${Math.round((redisRestartedAt - started) / 1000)} s in, ${duplicates} rows sent twice`);
    expect(duplicates).toBeLessThanOrEqual(killed.length * WORKER_JOBS * CONCURRENCY * BIG_BATCH);

    // Every run the killed workers had in hand was resumed by another worker, with nobody asking.
    const inHand = (output: string) => {
      const jobs = new Set<string>();
      for (const line of output.split('\n')) {
        const m = /^run (\S+) (started|resumed|waiting|finished): sync \S+(?: \((partition \d+ of \d+)[^)]*\))?/.exec(line.replace(/^.*?(run \S+ (?:started|resumed|waiting|finished))/, '$1'));
        if (!m) continue;
        const job = `${m[1]} ${m[3] ?? ''}`.trim();
        if (m[2] === 'finished' || m[2] === 'waiting') jobs.delete(job);
        else jobs.add(job);
      }
      return [...jobs];
    };
    for (const k of killed) {
      // Taken on by another worker (the other one killed, too, may have taken it on before it died).
      const survivors = workers.filter((w) => w !== k.worker).map((w) => w.output()).join('\n');
      for (const job of inHand(k.worker.output())) {
        const [runId, ...partition] = job.split(' ');
        const r = await record(runId!, servers[1]);
        // A scheduled run of ticks too: the next tick finds the sync held by a run the queue resumes, and leaves it be.
        expect({ job, status: r.status }).toEqual({ job, status: 'succeeded' });
        // (A job Redis lost is added again, by its run's reconciled job: another worker then starts it anew. A partition
        // that had written its outcome when its worker died is done: a job Redis lost then is not added again, and the
        // run's own job, resumed by another worker, closes the run.)
        const resumedRun = `|run ${runId} resumed: sync \\S+ \\(its \\d+ partitions\\)`;
        const takenOn = `run ${runId} (resumed|started): sync \\S+${partition.length ? ` \\(${partition.join(' ')}${resumedRun}` : ''}`;
        expect(new RegExp(takenOn).test(survivors), `${job} resumed; the workers said:\n${workers.map((w) => w.output()).join('\n---\n')}`).toBe(true);
      }
    }

    // No sync left running or queued: every run open now ends on its own (a schedule tick may have just started one).
    const openRuns = async () =>
      (await Promise.all([...names, 'ticks'].map(runsOf))).flat().filter((r) => r.status === 'running' || r.status === 'queued').map((r) => `${r.name} ${r.id}`);
    const openNow = await openRuns();
    let left = openNow;
    for (const until = Date.now() + 60_000; left.length > 0 && Date.now() < until; ) {
      await sleep(1000);
      const open = new Set(await openRuns());
      left = openNow.filter((r) => open.has(r));
    }
    expect(left).toEqual([]);

    // Two servers, one schedule every 5 s: each tick ran once (append: a tick run twice would send the 3 rows twice).
    const ticks = (await runsOf('ticks')).filter((r) => r.trigger === 'schedule');
    // A tick's time is its run id's (made when the tick's server recorded it; a run queued while Redis was down starts later).
    const tickAt = (id: string) => Date.parse(id.replace(/^run_(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d\.\d{3}Z)_.*$/, '$1-$2-$3T$4:$5:$6'));
    const tickTimes = ticks.map((r) => Math.floor(tickAt(r.id) / 5000));
    expect(tickTimes.every(Number.isFinite)).toBe(true);
    expect(new Set(tickTimes).size).toBe(ticks.length);
    expect(ticks.length).toBeGreaterThanOrEqual(Math.floor(elapsed / 5000) / 2);
    const tickRows = sink.received.ids.get('ticks') ?? [];
    expect(tickRows.length).toBeLessThanOrEqual(3 * ticks.filter((r) => r.counts.delivered > 0).length + 3 * ticks.length);

    // A 20 requests/s connection never took more than 20 requests in any second across all workers. Each request is
    // recorded in its connection's send log on Redis's clock as it goes, and the log lets no 21st into any second (a
    // worker waking late for its turn waits); a Redis that started anew lets none into its first second, so the
    // restart makes no exception. (A bucket per worker would put 32 or more in a second.)
    const sends = await sendLogs.stop();
    const paced = sink.received.arrivals.get('/paced') ?? [];
    expect(paced.length).toBeGreaterThanOrEqual(2 * PACED_ROWS);
    // Every request that arrived was recorded, but for one at most sent between the log's last read and the restart.
    expect(sends.length).toBeGreaterThanOrEqual(paced.length - 1);
    const busiest = busiestWindow(sends, 1000);
    const offsets = busiest.times.map((t) => (t - redisRestartedAt).toFixed(1)).join(' ');
    expect(busiest.count, `the busiest second's sends, in ms from the Redis restart: ${offsets}`).toBeLessThanOrEqual(20);
    // The restart fell among the paced requests: some were recorded in the 2 s before it and some in the 5 s after.
    const around = { before: sends.some((t) => t < redisRestartedAt && t > redisRestartedAt - 2000), after: sends.some((t) => t > redisRestartedAt && t < redisRestartedAt + 5000) };
    expect(around).toEqual({ before: true, after: true });
    expect(Math.max(...paced) - Math.min(...paced)).toBeGreaterThanOrEqual((paced.length - 1) * 50 - 1500);
  }, 600_000);
});
