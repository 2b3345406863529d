// read_ms is an idle timeout: a response that trickles one byte a second never trips it. timeouts.total_ms bounds an
// attempt as a whole, so such a response fails as a timeout (retried like one) and the run ends in bounded time.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from '../examples/run-command.js';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connectorSpecSchema } from '../../src/config/connector-schema.js';
import { openHttpConnection } from '../../src/connectors/open-http-connection.js';
import { Redactor } from '../../src/log/redactor.js';
import { createHttpStreamSource } from '../../src/sources/http-stream-source.js';
import { openStateStore } from '../../src/state/open-state-store.js';
import { sluiceYaml } from '../support/sluice-yaml.js';
import { writeSqlite } from '../support/sqlite-file.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** A loopback API that answers 200 at once, then sends its JSON body one byte a second; counts the requests. */
async function startTricklingApi(): Promise<{ url: string; requests: () => number }> {
  let requests = 0;
  const server: Server = createServer((_req, res) => {
    requests++;
    res.writeHead(200, { 'content-type': 'application/json' });
    const body = Buffer.from(JSON.stringify({ records: [{ id: 1 }] }));
    let sent = 0;
    const timer = setInterval(() => {
      if (sent < body.length) res.write(body.subarray(sent, ++sent));
      else {
        clearInterval(timer);
        res.end();
      }
    }, 1000);
    res.on('close', () => clearInterval(timer));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.push(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests: () => requests };
}

async function connectionTo(url: string, timeouts: Record<string, number>, maxAttempts: number) {
  const spec = connectorSpecSchema.parse({
    name: 'slow',
    base_url: url,
    timeouts,
    retry: { max_attempts: maxAttempts, initial_delay_ms: 10, max_delay_ms: 10 },
    streams: { items: { path: '/items', records: '$.records' } },
  });
  const http = await openHttpConnection({
    name: 'slow',
    connection: { type: 'http', connector: 'slow', config: {}, auth: { type: 'none' } },
    spec,
    redactor: new Redactor(),
  });
  cleanup.push(() => http.close());
  return http;
}

describe('timeouts.total_ms', () => {
  it('ends an attempt whose response trickles past it, as a timeout naming the limit and the host', async () => {
    const api = await startTricklingApi();
    const http = await connectionTo(api.url, { read_ms: 5000, total_ms: 2500 }, 1);
    const started = performance.now();
    const outcome = await http.client.send({ method: 'GET', url: `${api.url}/items`, headers: {} }, { classify: http.classifier() });
    const took = performance.now() - started;
    const host = new URL(api.url).host;
    expect(outcome).toEqual({
      ok: false,
      action: 'reject',
      attempts: 1,
      unavailable: true,
      error: `no complete response within 2.5 s from ${host} (timeouts.total_ms) after 1 attempt`,
    });
    expect(took).toBeGreaterThanOrEqual(2400);
    expect(took).toBeLessThan(4000);
  });

  it('is retried like other timeouts, and a stream read fails in bounded time', async () => {
    const api = await startTricklingApi();
    const http = await connectionTo(api.url, { read_ms: 5000, total_ms: 1500 }, 2);
    const dir = await mkdtemp(join(tmpdir(), 'sluice-deadline-'));
    const store = await openStateStore({ state: dir, projectDir: dir });
    cleanup.push(() => rm(dir, { recursive: true, force: true }), () => store.close());
    const source = createHttpStreamSource({ http, stream: http.spec.streams.items!, streamName: 'items', store, cursorName: 'cursor:items' });
    const started = performance.now();
    const error = await (async () => {
      for await (const _ of source.read()) void _;
    })().catch((e: unknown) => e as Error);
    const took = performance.now() - started;
    expect((error as Error).message).toBe(`stream items: no complete response within 1.5 s from ${new URL(api.url).host} (timeouts.total_ms) after 2 attempts`);
    expect(api.requests()).toBe(2);
    // Two attempts of 1.5 s (each fired by a sweep up to 150 ms late) and the backoff between them.
    expect(took).toBeLessThan(5000);
  });

  it('a sync run through the CLI rejects the row after its retries and exits 1 in bounded time', async () => {
    const api = await startTricklingApi();
    const dir = await mkdtemp(join(tmpdir(), 'sluice-deadline-cli-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    await writeFile(
      join(dir, 'slow.yaml'),
      `name: slow
base_url: http://127.0.0.1:1
timeouts: { read_ms: 5000, total_ms: 1500 }
retry: { max_attempts: 2, initial_delay_ms: 10, max_delay_ms: 10 }
endpoints:
  add:
    operation: create
    method: POST
    path: /items
    body: '{ "id": {{ row.id | json }} }'
`,
    );
    await writeFile(
      join(dir, 'sluice.yaml'),
      sluiceYaml({
        connections: { model: '{ type: sqlite, path: model.db }', slow: `{ type: http, connector: ./slow.yaml, base_url: "\${env:SLOW_URL}" }` },
        syncs: { items: { from: '{ connection: model, table: items }', to: '{ connection: slow, endpoint: add }', mode: 'insert', key: 'id' } },
      }),
    );
    writeSqlite(join(dir, 'model.db'), 'CREATE TABLE items (id INTEGER PRIMARY KEY); INSERT INTO items VALUES (1)');
    const started = performance.now();
    const run = await runCommand(`sluice --project ${dir} sync run items`, { cwd: dir, env: { ...process.env, SLOW_URL: api.url, SLUICE_SECRET_KEY: '' } });
    const took = performance.now() - started;
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stdout + run.stderr).toContain(`no complete response within 1.5 s from ${new URL(api.url).host} (timeouts.total_ms) after 2 attempts`);
    expect(api.requests()).toBe(2);
    expect(took).toBeLessThan(15_000);
  }, 30_000);

  it('defaults to 5 minutes and is documented in the connector schema', () => {
    const spec = connectorSpecSchema.parse({ name: 'x', base_url: 'https://api.example.com' });
    expect(spec.timeouts.total_ms).toBe(300_000);
    expect(connectorSpecSchema.parse({ name: 'x', base_url: 'https://a', timeouts: { read_ms: 1000 } }).timeouts.total_ms).toBe(300_000);
  });
});
