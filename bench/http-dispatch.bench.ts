// Requests/s and rows/s through the whole HTTP destination path (render → validate → client → per-record results),
// next to the same traffic sent by a bare undici loop written by hand, against one sink server on loopback that runs in
// a child process (so the sink never competes with the sender's event loop).
//
// The reference is what a developer writes without Sluice: an undici Pool with the client's own pool options
// (connections = concurrency, keep-alive, the connector's timeouts) driven by the same number of workers, building each
// body from the rows with JSON.stringify and reading each response's JSON for the record ids, with `pool.request()`
// (undici's documented way to send a request and read its body; Sluice's client dispatches through a handler of its
// own, src/http/dispatch-request.ts, which skips the stream request() wraps every body in). The templates are written
// so that both send byte-identical requests, which is checked before timing. Both are warmed up, runs alternate, and the
// median of many short alternating trials counts (each ratio: the median of the trials' own ratios).
//
// More lines show where the time goes, with no goal of their own: the same traffic with its bodies rendered before
// the timing starts (the transport alone, so rendering is all that separates it from the lines above), Sluice's
// HttpClient alone sending those pre-rendered requests, and the hand-written loop on `pool.dispatch()` instead of
// `pool.request()`, the fastest a bare loop on undici goes.
import { Pool } from 'undici';
import { connectorSpecSchema } from '../src/config/connector-schema.js';
import { connectionSchema } from '../src/config/project-schema.js';
import { openHttpConnection, type HttpConnection } from '../src/connectors/open-http-connection.js';
import { renderBatchRequest, renderRequest, type RenderedRequest } from '../src/connectors/render-request.js';
import type { Destination } from '../src/destinations/destination.js';
import type { DeliveryItem } from '../src/rows/delivery-item.js';
import { createHttpDestination } from '../src/destinations/http-destination.js';
import { Redactor } from '../src/log/redactor.js';
import { printBench } from './bench-line.js';
import { median, startSinkProcess } from './bench-trials.js';

const CONCURRENCY = 16;
// Distinct rows, sent again in every trial: a small live heap, as in a run that streams its rows (a heap holding
// hundreds of thousands of rows makes every full GC long, and charges it to whichever variant it falls in).
const SINGLE_ROWS = 4_000;
const SINGLE_PASSES = 2;
const BATCH_SIZE = 100;
const BATCH_ROWS = 40_000;
const BATCH_PASSES = 4;
const TRIALS = 12;

type Variant =
  | 'handSingle'
  | 'ourSingle'
  | 'refSingle'
  | 'clientSingle'
  | 'rawSingle'
  | 'handBatch'
  | 'ourBatch'
  | 'refBatch'
  | 'clientBatch'
  | 'rawBatch';

/** A trial's units: every distinct unit, `passes` times over. */
function repeated<T>(units: readonly T[], passes: number): T[] {
  return Array.from({ length: passes }, () => units).flat();
}

// The sink drains each body and answers with a fixed JSON body: `{"id":"1"}`, or 100 per-record results for batches.
const SINK = `
const http = require('node:http');
const single = Buffer.from('{"id":"1"}');
const batch = Buffer.from(JSON.stringify({ status: 'COMPLETE', results: Array.from({ length: ${BATCH_SIZE} }, (_, i) => ({ id: String(i) })) }));
const server = http.createServer((req, res) => {
  req.on('data', () => {});
  req.on('end', () => {
    const body = req.url.startsWith('/batch') ? batch : single;
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
  });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));
`;

/** Rows as a source reads them (parsed from JSON, so their strings are flat). */
function rows(n: number): DeliveryItem[] {
  return JSON.parse(JSON.stringify(Array.from({ length: n }, (_, i) => ({
    key: `user${i}@example.com`,
    operation: 'upsert' as const,
    remoteId: null,
    row: {
      email: `user${i}@example.com`,
      first_name: i % 7 === 0 ? 'Zoë "Z"' : 'Jane',
      last_name: `Doe-${i}`,
      score: (i * 37) % 100,
      note: i % 5 === 0 ? 'line one\nline two\t(tabbed) 日本語' : 'plain note',
    },
  })))) as DeliveryItem[];
}

const spec = (baseUrl: string) =>
  connectorSpecSchema.parse({
    name: 'bench',
    base_url: baseUrl,
    rate_limit: { concurrency: CONCURRENCY },
    endpoints: {
      upsert_one: {
        operation: 'upsert',
        method: 'POST',
        path: '/contacts/{{ row.email }}',
        body: '{"email":{{ row.email | json }},"properties":{"first":"{{ row.first_name }}","last":"{{ row.last_name }}","score":{{ row.score }},"note":"{{ row.note }}"}}',
        response: { record_id: '{{ response.body.id }}' },
      },
      upsert_batch: {
        operation: 'upsert',
        request: 'batch',
        method: 'POST',
        path: '/batch/contacts',
        batch: {
          size: BATCH_SIZE,
          item: '{"idProperty":"email","id":{{ row.email | json }},"properties":{"first":"{{ row.first_name }}","last":"{{ row.last_name }}","score":{{ row.score }},"note":"{{ row.note }}"}}',
          body: '{"inputs":{{ items }}}',
        },
        response: { results: '$.results', record_id: '{{ result.id }}' },
      },
    },
  });

/** Runs `work` over the units with CONCURRENCY workers; returns elapsed seconds. */
async function timed<T>(units: readonly T[], work: (unit: T) => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < units.length) await work(units[next++]!);
    }),
  );
  return (performance.now() - started) / 1000;
}

/** A pre-rendered request, with the path split off outside the timing so the reference does no URL work. */
interface Prepared {
  request: RenderedRequest;
  path: string;
  body: string;
}

function prepared(request: RenderedRequest): Prepared {
  const url = new URL(request.url);
  return { request, path: url.pathname + url.search, body: request.body! };
}

async function bare(pool: Pool, requests: Prepared[]): Promise<number> {
  return timed(requests, async (r) => {
    const res = await pool.request({ path: r.path, method: 'POST', headers: r.request.headers, body: r.body });
    await res.body.text();
    if (res.statusCode !== 200) throw new Error(`sink answered ${res.statusCode}`);
  });
}

type Row = DeliveryItem['row'];
const headers = { 'Content-Type': 'application/json' };

/** The single request a developer builds by hand for a row. */
function handSingle(row: Row): { path: string; body: string } {
  const body = JSON.stringify({
    email: row.email,
    properties: { first: row.first_name, last: row.last_name, score: row.score, note: row.note },
  });
  return { path: `/contacts/${encodeURIComponent(row.email as string)}`, body };
}

/** The batch body a developer builds by hand for rows. */
function handBatch(rows: readonly Row[]): string {
  return JSON.stringify({
    inputs: rows.map((row) => ({
      idProperty: 'email',
      id: row.email,
      properties: { first: row.first_name, last: row.last_name, score: row.score, note: row.note },
    })),
  });
}

/** The hand-written loop: builds each request from its rows, sends it, reads the record ids from the response. */
async function handWritten(pool: Pool, units: DeliveryItem[][], batch: boolean): Promise<number> {
  return timed(units, async (items) => {
    const request = handRequest(items, batch);
    const res = await pool.request({ path: request.path, method: 'POST', headers, body: request.body });
    checkIds(items, batch, res.statusCode, (await res.body.json()) as SinkAnswer);
  });
}

/** The request a developer builds by hand for a unit: one row's, or a batch body. */
function handRequest(items: DeliveryItem[], batch: boolean): { path: string; body: string } {
  return batch ? { path: '/batch/contacts', body: handBatch(items.map((i) => i.row)) } : handSingle(items[0]!.row);
}

type SinkAnswer = { id?: string; results?: { id: string }[] };

/** Reads the record ids out of the sink's answer, as the hand-written loops do; throws when one is missing. */
function checkIds(items: DeliveryItem[], batch: boolean, status: number, body: SinkAnswer): void {
  if (status !== 200) throw new Error(`sink answered ${status}`);
  const ids = batch ? body.results!.map((r) => r.id) : [body.id!];
  if (ids.length !== items.length || ids.some((id) => !id)) throw new Error('the sink returned no id for a record');
}

/** Sends a request through `pool.dispatch()` with the least handler that reads the response: status and body text. */
function dispatched(pool: Pool, path: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let status = 0;
    pool.dispatch({ path, method: 'POST', headers, body }, {
      // undici takes a handler without onRequestStart for one of its older interface.
      onRequestStart: () => {},
      onResponseStart: (_controller, statusCode) => (status = statusCode),
      onResponseData: (_controller, chunk) => chunks.push(chunk),
      onResponseEnd: () => resolve({ status, text: Buffer.concat(chunks).toString('utf8') }),
      onResponseError: (_controller, error) => reject(error),
    });
  });
}

/** The hand-written loop on undici's lowest-level API: as `handWritten`, each response read by a dispatch handler. */
async function handDispatched(pool: Pool, units: DeliveryItem[][], batch: boolean): Promise<number> {
  return timed(units, async (items) => {
    const request = handRequest(items, batch);
    const res = await dispatched(pool, request.path, request.body);
    checkIds(items, batch, res.status, JSON.parse(res.text) as SinkAnswer);
  });
}

/** Checks, before timing, that Sluice and the hand-written loop send the very same bytes. */
function assertSameTraffic(ours: Prepared, path: string, body: string): void {
  if (ours.path !== path || ours.body !== body) {
    throw new Error(`the hand-written request differs from the rendered one:\n${path} ${body}\n${ours.path} ${ours.body}`);
  }
  if (ours.request.headers['Content-Type'] !== headers['Content-Type']) throw new Error(`content type ${JSON.stringify(ours.request.headers)}`);
}

async function viaClient(http: HttpConnection, classify: ReturnType<HttpConnection['classifier']>, requests: Prepared[]): Promise<number> {
  return timed(requests, async (r) => {
    const outcome = await http.client.send(r.request, { classify, auth: http.auth });
    if (!outcome.ok) throw new Error(`a send failed: ${outcome.error}`);
  });
}

async function viaDestination(destination: Destination, units: DeliveryItem[][]): Promise<number> {
  return timed(units, async (items) => {
    const results = await destination.write(items);
    if (results.length !== items.length || results.some((r) => !r.ok || r.remoteId === null)) {
      throw new Error(`a write failed: ${JSON.stringify(results.find((r) => !r.ok))}`);
    }
  });
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

async function main(): Promise<void> {
  const sink = await startSinkProcess(SINK);
  let http: HttpConnection | undefined;
  let pool: Pool | undefined;
  try {
    const parsed = spec(sink.url);
    // The client's own pool options, so the reference differs from it only by what Sluice adds.
    pool = new Pool(sink.url, {
      connections: parsed.rate_limit.concurrency,
      connect: { timeout: parsed.timeouts.connect_ms },
      headersTimeout: parsed.timeouts.read_ms,
      bodyTimeout: parsed.timeouts.read_ms,
    });
    const connection = connectionSchema.parse({ type: 'http', connector: 'bench', base_url: sink.url });
    if (connection.type !== 'http') throw new Error('unreachable');
    http = await openHttpConnection({ name: 'bench', connection, spec: parsed, redactor: new Redactor(), run: { id: 'bench', started_at: new Date().toISOString() } });
    const single = createHttpDestination({ connection: http, endpoints: { upsert: 'upsert_one' } });
    const batched = createHttpDestination({ connection: http, endpoints: { upsert: 'upsert_batch' } });
    const classifySingle = http.classifier(parsed.endpoints.upsert_one!.responses);
    const classifyBatch = http.classifier(parsed.endpoints.upsert_batch!.responses);

    // The pre-rendered requests: exactly what the destination renders, rendered here, outside the timing.
    const singleRows = rows(SINGLE_ROWS);
    const singleRequests = singleRows.map((item) =>
      prepared(renderRequest(parsed.endpoints.upsert_one!, http!.context({ row: item.row, record: { id: null } }), http!.renderOptions())),
    );
    const batchRows = rows(BATCH_ROWS);
    const batchUnits = chunks(batchRows, BATCH_SIZE);
    const batchRequests = batchUnits.map((unit) =>
      prepared(renderBatchRequest(parsed.endpoints.upsert_batch!, unit.map((i) => ({ row: i.row, record: { id: null } })), http!.context(), http!.renderOptions()).request!),
    );
    const singleUnits = singleRows.map((item) => [item]);
    singleRequests.forEach((r, i) => {
      const hand = handSingle(singleRows[i]!.row);
      assertSameTraffic(r, hand.path, hand.body);
    });
    batchRequests.forEach((r, i) => assertSameTraffic(r, '/batch/contacts', handBatch(batchUnits[i]!.map((item) => item.row))));

    // Warm every path (JIT, connection pools) before measuring.
    await handWritten(pool, singleUnits.slice(0, 2000), false);
    await handDispatched(pool, singleUnits.slice(0, 2000), false);
    await bare(pool, singleRequests.slice(0, 2000));
    await viaClient(http, classifySingle, singleRequests.slice(0, 2000));
    await viaDestination(single, singleUnits.slice(0, 2000));
    await handWritten(pool, batchUnits.slice(0, 100), true);
    await handDispatched(pool, batchUnits.slice(0, 100), true);
    await bare(pool, batchRequests.slice(0, 100));
    await viaClient(http, classifyBatch, batchRequests.slice(0, 100));
    await viaDestination(batched, batchUnits.slice(0, 100));

    // This machine's speed drifts by tens of percent over seconds, so one long run per side would compare two
    // different machines. Instead: many short trials (each over the same rows), each running every variant back to
    // back in an order that alternates; each variant's figures are its median trial. CPU time (this process, GC
    // threads included) is taken per trial too: the sink shares the machine, so CPU spent is what costs throughput.
    const throughput = new Map<Variant, number[]>();
    const cpu = new Map<Variant, number[]>();
    const singleTrial = repeated(singleUnits, SINGLE_PASSES);
    const singleTrialRequests = repeated(singleRequests, SINGLE_PASSES);
    const batchTrial = repeated(batchUnits, BATCH_PASSES);
    const batchTrialRequests = repeated(batchRequests, BATCH_PASSES);
    for (let t = 0; t < TRIALS; t++) {
      // [variant, requests sent, rows sent, run]
      const runs: [Variant, number, number, () => Promise<number>][] = [
        ['handSingle', singleTrial.length, singleTrial.length, () => handWritten(pool!, singleTrial, false)],
        ['ourSingle', singleTrial.length, singleTrial.length, () => viaDestination(single, singleTrial)],
        ['refSingle', singleTrial.length, singleTrial.length, () => bare(pool!, singleTrialRequests)],
        ['clientSingle', singleTrial.length, singleTrial.length, () => viaClient(http!, classifySingle, singleTrialRequests)],
        ['rawSingle', singleTrial.length, singleTrial.length, () => handDispatched(pool!, singleTrial, false)],
        ['handBatch', batchTrial.length, batchTrial.length * BATCH_SIZE, () => handWritten(pool!, batchTrial, true)],
        ['ourBatch', batchTrial.length, batchTrial.length * BATCH_SIZE, () => viaDestination(batched, batchTrial)],
        ['refBatch', batchTrial.length, batchTrial.length * BATCH_SIZE, () => bare(pool!, batchTrialRequests)],
        ['clientBatch', batchTrial.length, batchTrial.length * BATCH_SIZE, () => viaClient(http!, classifyBatch, batchTrialRequests)],
        ['rawBatch', batchTrial.length, batchTrial.length * BATCH_SIZE, () => handDispatched(pool!, batchTrial, true)],
      ];
      if (t % 2 === 1) runs.reverse();
      for (const [variant, requests, rows, run] of runs) {
        const before = process.cpuUsage();
        const seconds = await run();
        const used = process.cpuUsage(before);
        throughput.set(variant, [...(throughput.get(variant) ?? []), rows / seconds]);
        cpu.set(variant, [...(cpu.get(variant) ?? []), (used.user + used.system) / requests]);
      }
    }
    // Each figure is its variant's median trial; each ratio the median of the trials' own ratios (two variants of one
    // trial run seconds apart, so a ratio within a trial is free of the drift between trials).
    const line = (name: string, metric: Map<Variant, number[]>, ours: Variant, ref: Variant, unit: string, goal: string) => ({
      name,
      value: median(metric.get(ours)!),
      unit,
      reference: { value: median(metric.get(ref)!) },
      ratio: median(metric.get(ours)!.map((x, t) => x / metric.get(ref)![t]!)),
      goal,
    });
    const info = 'none, shows where the time goes';
    const singles = `single requests (concurrency ${CONCURRENCY})`;
    const batches = `${BATCH_SIZE}-row batches (concurrency ${CONCURRENCY})`;
    printBench([
      line(`http dispatch, ${singles}`, throughput, 'ourSingle', 'handSingle', 'requests/s', '>= 0.8'),
      line(`http dispatch, ${batches}`, throughput, 'ourBatch', 'handBatch', 'rows/s', '>= 0.8'),
      line(`http dispatch CPU per request, ${singles}`, cpu, 'ourSingle', 'handSingle', 'us', info),
      line(`http dispatch CPU per batch, ${batches}`, cpu, 'ourBatch', 'handBatch', 'us', info),
      line(`http dispatch vs pre-rendered bodies, ${singles}`, throughput, 'ourSingle', 'refSingle', 'requests/s', info),
      line(`http dispatch vs pre-rendered bodies, ${batches}`, throughput, 'ourBatch', 'refBatch', 'rows/s', info),
      line(`http client alone vs pre-rendered bodies, ${singles}`, throughput, 'clientSingle', 'refSingle', 'requests/s', info),
      line(`http client alone vs pre-rendered bodies, ${batches}`, throughput, 'clientBatch', 'refBatch', 'rows/s', info),
      line(`http dispatch vs the hand-written loop on pool.dispatch(), ${singles}`, throughput, 'ourSingle', 'rawSingle', 'requests/s', info),
      line(`http dispatch vs the hand-written loop on pool.dispatch(), ${batches}`, throughput, 'ourBatch', 'rawBatch', 'rows/s', info),
    ]);
  } finally {
    await http?.close();
    await pool?.close();
    sink.child.kill();
  }
}

await main();
