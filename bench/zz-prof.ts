// temporary profiling harness (not committed)
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Pool } from 'undici';
import { connectorSpecSchema } from '../src/config/connector-schema.js';
import { connectionSchema } from '../src/config/project-schema.js';
import { openHttpConnection } from '../src/connectors/open-http-connection.js';
import type { DeliveryItem } from '../src/destinations/destination.js';
import { createHttpDestination } from '../src/destinations/http-destination.js';
import { Redactor } from '../src/log/redactor.js';
const which = process.argv[2] ?? 'ours';
const batchMode = process.argv[3] === 'batch';
const SINK = `
const http = require('node:http');
const single = Buffer.from('{"id":"1"}');
const batch = Buffer.from(JSON.stringify({ status: 'COMPLETE', results: Array.from({ length: 100 }, (_, i) => ({ id: String(i) })) }));
const server = http.createServer((req, res) => { req.on('data', () => {}); req.on('end', () => { const body = req.url.startsWith('/batch') ? batch : single; res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length }); res.end(body); }); });
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));`;
const child = spawn(process.execPath, ['-e', SINK], { stdio: ['ignore', 'pipe', 'inherit'] });
const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
const url = `http://127.0.0.1:${chunk.toString().trim()}`;
const rows = JSON.parse(JSON.stringify(Array.from({ length: 4000 }, (_, i) => ({ key: `user${i}@example.com`, operation: 'upsert', remoteId: null,
  row: { email: `user${i}@example.com`, first_name: i % 7 === 0 ? 'Zoë "Z"' : 'Jane', last_name: `Doe-${i}`, score: (i * 37) % 100, note: i % 5 === 0 ? 'line one\nline two\t(tabbed) 日本語' : 'plain note' } })))) as DeliveryItem[];
const parsed = connectorSpecSchema.parse({ name: 'bench', base_url: url, rate_limit: { concurrency: 16 }, endpoints: {
  upsert_one: { operation: 'upsert', method: 'POST', path: '/contacts/{{ row.email }}', body: '{"email":{{ row.email | json }},"properties":{"first":"{{ row.first_name }}","last":"{{ row.last_name }}","score":{{ row.score }},"note":"{{ row.note }}"}}', response: { record_id: '{{ response.body.id }}' } },
  upsert_batch: { operation: 'upsert', request: 'batch', method: 'POST', path: '/batch/contacts', batch: { size: 100, item: '{"idProperty":"email","id":{{ row.email | json }},"properties":{"first":"{{ row.first_name }}","last":"{{ row.last_name }}","score":{{ row.score }},"note":"{{ row.note }}"}}', body: '{"inputs":{{ items }}}' }, response: { results: '$.results', record_id: '{{ result.id }}' } } } });
const connection = connectionSchema.parse({ type: 'http', connector: 'bench', base_url: url });
if (connection.type !== 'http') throw new Error();
const http = await openHttpConnection({ name: 'bench', connection, spec: parsed, redactor: new Redactor(), run: { id: 'bench', started_at: new Date().toISOString() } });
const dest = createHttpDestination({ connection: http, endpoints: { upsert: batchMode ? 'upsert_batch' : 'upsert_one' } });
const pool = new Pool(url, { connections: 16, connect: { timeout: parsed.timeouts.connect_ms }, headersTimeout: parsed.timeouts.read_ms, bodyTimeout: parsed.timeouts.read_ms });
const headers = { 'Content-Type': 'application/json' };
const units: DeliveryItem[][] = batchMode ? Array.from({ length: 40 }, (_, k) => rows.slice(k * 100, k * 100 + 100)) : rows.map((r) => [r]);
async function hand(items: DeliveryItem[]) {
  const row = items[0]!.row as any;
  let path: string, body: string;
  if (batchMode) { path = '/batch/contacts'; body = JSON.stringify({ inputs: items.map((i) => { const row = i.row as any; return { idProperty: 'email', id: row.email, properties: { first: row.first_name, last: row.last_name, score: row.score, note: row.note } }; }) }); }
  else { path = `/contacts/${encodeURIComponent(row.email)}`; body = JSON.stringify({ email: row.email, properties: { first: row.first_name, last: row.last_name, score: row.score, note: row.note } }); }
  const res = await pool.request({ path, method: 'POST', headers, body });
  const b = (await res.body.json()) as any;
  if (res.statusCode !== 200) throw new Error();
  const ids = batchMode ? b.results.map((r: any) => r.id) : [b.id];
  if (ids.length !== items.length) throw new Error();
}
async function ours(items: DeliveryItem[]) {
  const r = await dest.write(items);
  if (r.length !== items.length || !r[0]!.ok) throw new Error(JSON.stringify(r[0]));
}
function rawSend(path: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []; let status = 0;
    pool.dispatch({ path, method: 'POST', headers, body }, {
      onConnect() {}, onHeaders(s: number) { status = s; return true; }, onData(c: Buffer) { chunks.push(c); return true; },
      onComplete() { resolve({ status, text: chunks.length === 1 ? chunks[0]!.toString() : Buffer.concat(chunks).toString() }); },
      onError(e: Error) { reject(e); },
    } as any);
  });
}
async function raw(items: DeliveryItem[]) {
  const row = items[0]!.row as any;
  const path = `/contacts/${encodeURIComponent(row.email)}`; const body = JSON.stringify({ email: row.email, properties: { first: row.first_name, last: row.last_name, score: row.score, note: row.note } });
  const res = await rawSend(path, body);
  const b = JSON.parse(res.text); if (res.status !== 200 || !b.id) throw new Error();
}
import { renderRequest } from '../src/connectors/render-request.js';
const pre = rows.map((item) => renderRequest(parsed.endpoints.upsert_one!, http.context({ row: item.row, record: { id: null } }), http.renderOptions()));
const prePaths = pre.map((r) => { const u = new URL(r.url); return u.pathname + u.search; });
const classify = http.classifier(parsed.endpoints.upsert_one!.responses);
let k = 0;
async function clientpre() { const r = pre[k++ % pre.length]!; const o = await http.client.send(r, { classify, auth: http.auth }); if (!o.ok) throw new Error(); }
async function rawpre() { const i = k++ % pre.length; const res = await rawSend(prePaths[i]!, pre[i]!.body!); const b = JSON.parse(res.text); if (res.status !== 200 || !b.id) throw new Error(); }
const fn = which === 'hand' ? hand : which === 'raw' ? raw : which === 'clientpre' ? clientpre : which === 'rawpre' ? rawpre : ours;
async function run(seconds: number) {
  const end = performance.now() + seconds * 1000; let n = 0; let next = 0;
  const before = process.cpuUsage(); const t0 = performance.now();
  await Promise.all(Array.from({ length: 16 }, async () => { while (performance.now() < end) { await fn(units[next++ % units.length]!); n++; } }));
  const u = process.cpuUsage(before); const s = (performance.now() - t0) / 1000;
  return { perSec: n / s, cpuUs: (u.user + u.system) / n };
}
await run(2);
const r = await run(Number(process.argv[4] ?? 8));
console.log(which, batchMode ? 'batch' : 'single', Math.round(r.perSec), 'req/s', r.cpuUs.toFixed(1), 'us cpu/req');
await http.close(); await pool.close(); child.kill();
