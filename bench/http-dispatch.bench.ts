// Requests/s and rows/s through the whole HTTP destination path (render → validate → client → results) next to bare
// undici sending the same, pre-rendered bodies, against one sink server on loopback that runs in a child process (so
// the sink never competes with the sender's event loop). Like with like: the reference is an undici Pool with the
// client's own pool options (connections = concurrency, no pipelining, keep-alive, the connector's timeouts), driven
// by the same number of workers; both are warmed up, runs alternate, and the best of N counts. The client alone
// (pre-rendered requests through HttpClient.send) is shown too, so a gap can be told apart from rendering.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { Pool } from 'undici';
import type { HttpRequest } from '../src/connectors/auth/auth.js';
import { connectorSpecSchema } from '../src/config/connector-schema.js';
import { connectionSchema } from '../src/config/project-schema.js';
import { openHttpConnection, type HttpConnection } from '../src/connectors/open-http-connection.js';
import { renderBatchRequest, renderRequest } from '../src/connectors/render-request.js';
import type { DeliveryItem, Destination } from '../src/destinations/destination.js';
import { createHttpDestination } from '../src/destinations/http-destination.js';
import { Redactor } from '../src/log/redactor.js';
import { printBench } from './bench-line.js';

const CONCURRENCY = 16;
const SINGLE_ROWS = 20_000;
const BATCH_SIZE = 100;
const BATCH_ROWS = 200_000;
const ROUNDS = 3;

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

async function startSink(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['-e', SINK], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  return { url: `http://127.0.0.1:${chunk.toString().trim()}`, child };
}

function rows(n: number): DeliveryItem[] {
  return Array.from({ length: n }, (_, i) => ({
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
  }));
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
        body: '{ "email": {{ row.email | json }}, "properties": { "first": "{{ row.first_name }}", "last": "{{ row.last_name }}", "score": {{ row.score }}, "note": "{{ row.note }}" } }',
        response: { record_id: '{{ response.body.id }}' },
      },
      upsert_batch: {
        operation: 'upsert',
        request: 'batch',
        method: 'POST',
        path: '/batch/contacts',
        batch: {
          size: BATCH_SIZE,
          item: '{ "idProperty": "email", "id": {{ row.email | json }}, "properties": { "first": "{{ row.first_name }}", "last": "{{ row.last_name }}", "score": {{ row.score }}, "note": "{{ row.note }}" } }',
          body: '{ "inputs": {{ items }} }',
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
  request: HttpRequest;
  path: string;
  body: string;
}

function prepared(request: HttpRequest): Prepared {
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
  const sink = await startSink();
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

    // The reference sends exactly the bodies the destination renders (rendered here, outside the timing).
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

    // Warm every path (JIT, connection pools) before measuring.
    await bare(pool, singleRequests.slice(0, 2000));
    await viaClient(http, classifySingle, singleRequests.slice(0, 2000));
    await viaDestination(single, singleUnits.slice(0, 2000));
    await bare(pool, batchRequests.slice(0, 100));
    await viaClient(http, classifyBatch, batchRequests.slice(0, 100));
    await viaDestination(batched, batchUnits.slice(0, 100));

    // Best of alternating rounds each, so a noisy moment does not decide the ratio.
    const best = { refSingle: Infinity, clientSingle: Infinity, ourSingle: Infinity, refBatch: Infinity, clientBatch: Infinity, ourBatch: Infinity };
    for (let round = 0; round < ROUNDS; round++) {
      best.refSingle = Math.min(best.refSingle, await bare(pool, singleRequests));
      best.clientSingle = Math.min(best.clientSingle, await viaClient(http, classifySingle, singleRequests));
      best.ourSingle = Math.min(best.ourSingle, await viaDestination(single, singleUnits));
      best.refBatch = Math.min(best.refBatch, await bare(pool, batchRequests));
      best.clientBatch = Math.min(best.clientBatch, await viaClient(http, classifyBatch, batchRequests));
      best.ourBatch = Math.min(best.ourBatch, await viaDestination(batched, batchUnits));
    }
    const line = (name: string, rows: number, ours: number, ref: number, unit: string) => ({
      name,
      value: rows / ours,
      unit,
      reference: { value: rows / ref },
      goal: '>= 0.8',
    });
    printBench([
      line(`http dispatch, single requests (concurrency ${CONCURRENCY})`, SINGLE_ROWS, best.ourSingle, best.refSingle, 'requests/s'),
      line(`http dispatch, ${BATCH_SIZE}-row batches (concurrency ${CONCURRENCY})`, BATCH_ROWS, best.ourBatch, best.refBatch, 'rows/s'),
      line(`http client alone, single requests (concurrency ${CONCURRENCY})`, SINGLE_ROWS, best.clientSingle, best.refSingle, 'requests/s'),
      line(`http client alone, ${BATCH_SIZE}-row batches (concurrency ${CONCURRENCY})`, BATCH_ROWS, best.clientBatch, best.refBatch, 'rows/s'),
    ]);
  } finally {
    await http?.close();
    await pool?.close();
    sink.child.kill();
  }
}

await main();
