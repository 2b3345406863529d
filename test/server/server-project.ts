import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startWebhookSandbox, type WebhookSandbox } from '../../sandbox/webhook/webhook-sandbox.js';
import { createServer, type CreateServerOptions, type SluiceServer } from '../../src/server/create-server.js';

/** Secrets the test project holds: none may appear in any API answer. */
export const SECRETS = {
  apiToken: 'api-token-7c1e55d0aa',
  sinkToken: 'sink-bearer-9f3a41b2c7',
  pgPassword: 'pg-pass-51ee7a0d',
};

/** The test project's sluice.yaml: a SQLite table of orders synced to a webhook sink with a bearer token. */
export function projectYaml(sinkUrl: string, extra = ''): string {
  return `version: 1
# Orders go to the webhook sink.
connections:
  shop: { type: sqlite, path: shop.db }
  sink:
    type: http
    connector: webhook
    base_url: "${sinkUrl}/hooks/orders"
    auth: { type: bearer, token: "${SECRETS.sinkToken}" }   # a literal secret, on purpose
  crm: { type: postgres, url: "postgres://postgres:${SECRETS.pgPassword}@127.0.0.1:5432/test" }
syncs:
  orders_to_sink:
    # keep this comment
    from: { connection: shop, sql: "SELECT id, note FROM orders ORDER BY id" }
    to: { connection: sink, endpoint: post }
    mode: insert
    key: id
${extra}`;
}

/** A running server over a temp project, its webhook sink and the project directory. */
export interface ServerFixture {
  server: SluiceServer;
  sink: WebhookSandbox;
  dir: string;
  /** Authorization header value. */
  auth: { authorization: string };
  close(): Promise<void>;
}

/** Writes the project (with `rows` orders in shop.db) and starts the sink and the server. */
export async function startServerFixture(options: { rows?: number; extra?: string; server?: CreateServerOptions } = {}): Promise<ServerFixture> {
  const sink = await startWebhookSandbox({ auth: { bearer: SECRETS.sinkToken } });
  const dir = await mkdtemp(join(tmpdir(), 'sluice-server-'));
  await writeFile(join(dir, 'sluice.yaml'), projectYaml(sink.url, options.extra));
  const db = new Database(join(dir, 'shop.db'));
  db.exec('CREATE TABLE orders (id INTEGER PRIMARY KEY, note TEXT)');
  const insert = db.prepare('INSERT INTO orders (id, note) VALUES (?, ?)');
  for (let i = 1; i <= (options.rows ?? 3); i++) insert.run(i, `order ${i}`);
  db.close();
  // The sink listens on loopback, which a server refuses unless listed (the SSRF guard).
  const server = await createServer({ project: dir, token: SECRETS.apiToken, env: { ...process.env, SLUICE_SECRET_KEY: '', SLUICE_ALLOWED_HOSTS: '127.0.0.1' }, ...options.server });
  return {
    server,
    sink,
    dir,
    auth: { authorization: `Bearer ${SECRETS.apiToken}` },
    async close() {
      await server.close();
      await sink.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** One Server-Sent Event. */
export interface SseEvent {
  event: string;
  data: unknown;
}

/** Reads an SSE response to its end, parsing each event's JSON data. */
export async function readSse(response: Response): Promise<SseEvent[]> {
  const text = await response.text();
  const events: SseEvent[] = [];
  for (const block of text.split('\n\n')) {
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
    if (data.length) events.push({ event, data: JSON.parse(data.join('\n')) });
  }
  return events;
}
