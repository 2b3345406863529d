// A PostgreSQL table sent to an HTTP endpoint on loopback, `sluice sync run` as a user runs it (bin/sluice.js run as
// the installed command is, in a child process) next to the bare Node script a user would write for the same job, measured side by side in one run:
// the same query read through a pg cursor, each row's JSON made with JSON.stringify, the same batches (or single
// records) posted with an undici Pool at the same concurrency. Both are child processes timed from spawn to exit, so
// startup counts on both sides; peak RSS is each child's own (from /usr/bin/time -v). A sink in its own process counts
// the records that arrive and notes when the first one did: a run is counted only when every record arrived.
//
// Lines: batch (100 records a request) and single (one record a request), each in insert (a first run: an empty
// ledger) and append; 100k rows, and also 1M with SLUICE_BENCH_LARGE=1. Runs alternate bare and Sluice (this machine's
// speed drifts by tens of percent within a minute); each figure is a median over SLUICE_BENCH_TRIALS trials (default
// 3), the ratio the median of each trial's own ratio.
import { fork, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import Cursor from 'pg-cursor';
import { Pool } from 'undici';
import { formatBenchLine } from './bench-line.js';
import { createCustomersTable, sinkConnectorYaml } from './bench-customers.js';
import { median } from './bench-trials.js';

const URL = process.env.SLUICE_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const CONCURRENCY = 16;
const BATCH = 100;
const TRIALS = Number(process.env.SLUICE_BENCH_TRIALS ?? 3);
const SIZES = process.env.SLUICE_BENCH_LARGE === '1' ? [100_000, 1_000_000] : [100_000];
// SLUICE_BENCH_10M=1 adds a first run of 10M rows (batch insert), for its peak RSS.
const HUGE = process.env.SLUICE_BENCH_10M === '1';
// SLUICE_BENCH_SHAPES=batch (or single) runs one shape only: a 1M-row single-record trial takes minutes.
const SHAPES = (['batch', 'single'] as const).filter((s) => (process.env.SLUICE_BENCH_SHAPES ?? 'batch,single').split(',').includes(s));
const self = fileURLToPath(import.meta.url);
const TIME = '/usr/bin/time';

type Shape = 'batch' | 'single';

/** What the sink saw of one run. */
interface SinkStats {
  records: number;
  /** Epoch ms of the first record; null when none came. */
  firstAt: number | null;
}

/** The sink: counts the records of each request (a `records` array, or one object) and answers 200 at once. */
function runSink(): void {
  let stats: SinkStats = { records: 0, firstAt: null };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { records?: unknown[] };
      stats.firstAt ??= Date.now();
      stats.records += Array.isArray(body.records) ? body.records.length : 1;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': 11 });
      res.end('{"ok":true}');
    });
  });
  server.keepAliveTimeout = 60_000;
  process.on('message', (m: string) => {
    if (m === 'reset') stats = { records: 0, firstAt: null };
    process.send!(stats);
  });
  server.listen(0, '127.0.0.1', () => process.send!((server.address() as { port: number }).port));
}

/** The bare script a user would write: a pg cursor, JSON.stringify, an undici Pool with `CONCURRENCY` requests in flight. */
async function runBare(table: string, shape: Shape, url: string): Promise<void> {
  const client = new pg.Client({ connectionString: URL });
  await client.connect();
  const pool = new Pool(url, { connections: CONCURRENCY });
  const inFlight = new Set<Promise<void>>();
  const post = async (body: string) => {
    while (inFlight.size >= CONCURRENCY) await Promise.race(inFlight);
    const p = pool
      .request({ path: '/', method: 'POST', headers: { 'content-type': 'application/json' }, body })
      .then(async (r) => {
        await r.body.dump();
        if (r.statusCode !== 200) throw new Error(`status ${r.statusCode}`);
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  };
  const cursor = client.query(new Cursor<Record<string, unknown>>(`SELECT * FROM ${table}`));
  for (;;) {
    const rows = await cursor.read(1000);
    if (rows.length === 0) break;
    if (shape === 'single') for (const row of rows) await post(JSON.stringify(row));
    else for (let i = 0; i < rows.length; i += BATCH) await post(JSON.stringify({ records: rows.slice(i, i + BATCH) }));
  }
  await Promise.all(inFlight);
  await cursor.close();
  await client.end();
  await pool.close();
}

/** One child run, timed from spawn to exit, with its peak RSS. */
interface Timed {
  seconds: number;
  rssMb: number;
  /** Seconds from spawn to the first record at the sink. */
  firstSeconds: number;
}

async function main(): Promise<void> {
  if (!existsSync(TIME)) throw new Error(`${TIME} is needed for the children's peak RSS`);
  const sink = fork(self, ['sink']);
  const ask = (m: 'reset' | 'stats') => {
    const answer = new Promise<SinkStats>((r) => sink.once('message', (s) => r(s as SinkStats)));
    sink.send(m);
    return answer;
  };
  const port = await new Promise<number>((r) => sink.once('message', (m) => r(m as number)));
  const sinkUrl = `http://127.0.0.1:${port}`;
  const schema = `sluice_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const dir = await mkdtemp(join(tmpdir(), 'sluice-bench-pg-http-'));
  const cli = resolve(dirname(self), '../../bin/sluice.js');

  /** Runs a child under /usr/bin/time -v; the sink must count `n` records. */
  const timed = async (args: string[], n: number, cwd: string, viaNode = true): Promise<Timed> => {
    await ask('reset');
    const t0 = Date.now();
    const child = spawn(TIME, ['-v', ...(viaNode ? [process.execPath] : []), ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((r) => child.on('close', r));
    const seconds = (Date.now() - t0) / 1000;
    const stats = await ask('stats');
    if (code !== 0 || stats.records !== n) {
      throw new Error(`${args.join(' ')}: exit ${code}, ${stats.records} of ${n} records arrived\n${out}\n${err.slice(-2000)}`);
    }
    const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(err);
    return { seconds, rssMb: Number(rss?.[1] ?? NaN) / 1024, firstSeconds: (stats.firstAt! - t0) / 1000 };
  };

  try {
    await writeFile(join(dir, 'sink.yaml'), sinkConnectorYaml(sinkUrl, { concurrency: CONCURRENCY, batch: BATCH }));
    const lines: string[] = [];
    for (const n of SIZES) {
      const table = `${schema}.rows_${n}`;
      await createCustomersTable(admin, table, n);
      const syncs = (['batch', 'single'] as const).flatMap((shape) =>
        (['insert', 'append'] as const).map((mode) => {
          const endpoint = shape === 'batch' ? 'post_batch' : 'post';
          const key = mode === 'insert' ? ', key: id' : '';
          return `  ${shape}_${mode}: { from: { connection: pg, table: ${table} }, to: { connection: sink, endpoint: ${endpoint} }, mode: ${mode}${key} }`;
        }),
      );
      await writeFile(
        join(dir, 'sluice.yaml'),
        `version: 1\nconnections:\n  pg: { type: postgres, url: "${URL}" }\n  sink: { type: http, connector: ./sink.yaml }\nsyncs:\n${syncs.join('\n')}\n` +
          // Changed rows are sent by upsert (insert sends new keys only).
          `  batch_upsert: { from: { connection: pg, table: ${table} }, to: { connection: sink, endpoint: upsert_batch }, mode: upsert, key: id }\n`,
      );
      for (const shape of SHAPES) {
        const bare: Timed[] = [];
        const ours: Record<'insert' | 'append', Timed[]> = { insert: [], append: [] };
        const ratios: Record<'insert' | 'append', number[]> = { insert: [], append: [] };
        const unchanged: Timed[] = [];
        for (let t = 0; t < TRIALS; t++) {
          const runOurs = async (mode: 'insert' | 'append') => {
            // An empty ledger every time: insert is a first run.
            await rm(join(dir, '.sluice'), { recursive: true, force: true });
            // Run as the installed `sluice` command is: the file itself, with the Node options of its first line.
            ours[mode].push(await timed([cli, 'sync', 'run', `${shape}_${mode}`], n, dir, false));
          };
          const runBareOnce = async () => bare.push(await timed([self, 'bare', table, shape, sinkUrl], n, dir));
          // Alternating order: bare first in even trials, last in odd ones.
          if (t % 2 === 0) await runBareOnce();
          await runOurs('insert');
          // The same sync again, against the ledger the first run wrote: every row unchanged, nothing sent.
          if (shape === 'batch') {
            unchanged.push(await timed([cli, 'sync', 'run', `${shape}_insert`], 0, dir, false));
          }
          await runOurs('append');
          if (t % 2 === 1) await runBareOnce();
          for (const mode of ['insert', 'append'] as const) ratios[mode].push(bare[t]!.seconds / ours[mode][t]!.seconds);
        }
        for (const mode of ['insert', 'append'] as const) {
          const o = ours[mode];
          const line = formatBenchLine({
            name: `pg-to-http: ${n / 1000}k rows, ${shape === 'batch' ? `batches of ${BATCH}` : 'single records'}, concurrency ${CONCURRENCY}, ${mode}`,
            value: n / median(o.map((x) => x.seconds)),
            unit: 'rows/s',
            reference: { value: n / median(bare.map((x) => x.seconds)) },
            ratio: median(ratios[mode]),
            goal: shape === 'batch' ? '>= 0.7' : '>= 0.8',
          });
          const rss = `peak RSS ${Math.round(median(o.map((x) => x.rssMb)))} MB (reference ${Math.round(median(bare.map((x) => x.rssMb)))} MB)`;
          const first = `first record ${median(o.map((x) => x.firstSeconds)).toFixed(2)} s (reference ${median(bare.map((x) => x.firstSeconds)).toFixed(2)} s, goal <= 1 s)`;
          lines.push(`${line}; ${rss}; ${first}`);
          process.stdout.write(`${lines.at(-1)}\n`);
        }
        if (unchanged.length) {
          const line = formatBenchLine({
            name: `pg-to-http: ${n / 1000}k rows, no change (a second insert run: every row read, planned against the ledger, none sent)`,
            value: median(unchanged.map((x) => x.seconds)),
            unit: 's',
            // At 100k the command's start (about half a second) is most of it: the goal is set at 1M.
            goal: n >= 1_000_000 ? '<= 3 s' : 'none at this size (<= 3 s at 1M rows)',
          });
          lines.push(`${line}; peak RSS ${Math.round(median(unchanged.map((x) => x.rssMb)))} MB`);
          process.stdout.write(`${lines.at(-1)}\n`);
          // Then 1% changed, spread over the table, sent by an upsert sync whose ledger holds every row (one trial): the
          // first change must leave as soon as it is read, not once the whole read is planned.
          await timed([cli, 'sync', 'run', 'batch_upsert'], n, dir, false);
          await admin.query(`UPDATE ${table} SET score = score + 1 WHERE id % 100 = 0`);
          // An UPDATE writes the new rows at the table's end, where a scan reads them last: put them back in key order.
          await admin.query(`CLUSTER ${table} USING rows_${n}_pkey`);
          const changed = await timed([cli, 'sync', 'run', 'batch_upsert'], n / 100, dir, false);
          lines.push(
            formatBenchLine({
              name: `pg-to-http: ${n / 1000}k rows, 1% changed (an upsert run against the ledger), first record`,
              value: changed.firstSeconds,
              unit: 's',
              goal: '<= 1 s',
            }) + `; whole run ${changed.seconds.toFixed(2)} s; peak RSS ${Math.round(changed.rssMb)} MB`,
          );
          process.stdout.write(`${lines.at(-1)}\n`);
        }
      }
    }
    if (HUGE) {
      // A first run of 10M rows: memory must stay bounded by what is in flight and the keys read (no bare line: the
      // bare script holds every row, 10M of them would not fit its heap).
      const n = 10_000_000;
      const table = `${schema}.rows_${n}`;
      await createCustomersTable(admin, table, n);
      await writeFile(
        join(dir, 'sluice.yaml'),
        `version: 1\nconnections:\n  pg: { type: postgres, url: "${URL}" }\n  sink: { type: http, connector: ./sink.yaml }\nsyncs:\n` +
          `  huge: { from: { connection: pg, table: ${table} }, to: { connection: sink, endpoint: post_batch }, mode: insert, key: id }\n`,
      );
      await rm(join(dir, '.sluice'), { recursive: true, force: true });
      const run = await timed([cli, 'sync', 'run', 'huge'], n, dir, false);
      lines.push(
        formatBenchLine({ name: `pg-to-http: 10M rows, batches of ${BATCH}, insert (a first run), peak RSS`, value: run.rssMb, unit: 'MB', goal: '<= 2048 MB' }) +
          `; ${Math.round(n / run.seconds)} rows/s; first record ${run.firstSeconds.toFixed(2)} s`,
      );
      process.stdout.write(`${lines.at(-1)}\n`);
    }
  } finally {
    sink.kill();
    await admin.query(`DROP SCHEMA ${schema} CASCADE`).catch(() => undefined);
    await admin.end();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === 'sink') runSink();
else if (process.argv[2] === 'bare') await runBare(process.argv[3]!, process.argv[4] as Shape, process.argv[5]!);
else await main();
