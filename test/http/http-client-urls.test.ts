import { describe, expect, it } from 'vitest';
import { classifyResponse } from '../../src/http/classify-response.js';
import type { HttpResponse } from '../../src/http/http-response.js';
import { closeAfterEachTest } from '../support/close-after-each-test.js';
import { json, startServerAndClient, type TestHandler } from './start-test-server.js';

const classify = (r: HttpResponse) => classifyResponse(r, [], () => false);
const closeLater = closeAfterEachTest();

const setup = (handler: TestHandler, maxBodyBytes?: number) =>
  startServerAndClient(handler, closeLater, { rateLimit: { concurrency: 2 }, retry: { max_attempts: 1, on_status: [], initial_delay_ms: 5, max_delay_ms: 10 }, maxBodyBytes });

describe('request URLs', () => {
  it('sends each URL as the URL parser reads it: dot segments resolved, unsafe characters encoded', async () => {
    const { server, client } = await setup((_req, res) => json(res, 200, {}));
    const base = server.url;
    const cases: [string, string][] = [
      [`${base}/contacts/a@x.io`, '/contacts/a@x.io'],
      [`${base}/items?ids=1,2&q=a%20b`, '/items?ids=1,2&q=a%20b'],
      [`${base}?only=query`, '/?only=query'],
      [base, '/'],
      [`${base}/a/./b/../c`, '/a/c'],
      [`${base}/a/%2e%2E/c`, '/c'],
      [`${base}/files/v1.2/report.json`, '/files/v1.2/report.json'],
      [`${base}/say hi?q="x"`, '/say%20hi?q=%22x%22'],
      [`${base}/it's?q=it's`, "/it's?q=it%27s"],
      [`${base}/page#section`, '/page'],
    ];
    for (const [url] of cases) {
      const outcome = await client.send({ method: 'get', url, headers: {} }, { classify });
      expect(outcome.ok, url).toBe(true);
      if (outcome.ok) expect(outcome.response.url).toBe(url);
    }
    expect(server.requests.map((r) => r.url)).toEqual(cases.map(([, path]) => path));
    expect(server.requests.every((r) => r.method === 'GET')).toBe(true);
  });

  it('fails the request, naming the problem, when the URL is not valid', async () => {
    const { client } = await setup((_req, res) => json(res, 200, {}));
    const outcome = await client.send({ method: 'GET', url: 'http://', headers: {} }, { classify });
    expect(outcome).toMatchObject({ ok: false, action: 'fail', attempts: 0 });
    expect(outcome.ok ? '' : outcome.error).toMatch(/Invalid URL/);
  });
});

describe('response bodies', () => {
  const chunked = (parts: string[]) => (_req: unknown, res: import('node:http').ServerResponse) => {
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    for (const part of parts) res.write(part);
    res.end();
  };

  it('reads a body of declared length and a chunked body of unknown length alike', async () => {
    const sized = await setup((_req, res) => {
      const body = '{"items":[1,2,3]}';
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
    const streamed = await setup(chunked(['{"items":[', '1,2,', '3]}']));
    for (const { server, client } of [sized, streamed]) {
      const outcome = await client.send({ method: 'GET', url: `${server.url}/x`, headers: {} }, { classify });
      expect(outcome.ok && outcome.response.body).toEqual({ items: [1, 2, 3] });
    }
  });

  it('rejects a body over the limit, whether its length is declared or only counted while reading', async () => {
    const big = JSON.stringify({ blob: 'x'.repeat(4096) });
    const sized = await setup((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(big) });
      res.end(big);
    }, 2048);
    const streamed = await setup(chunked([big.slice(0, 1500), big.slice(1500)]), 2048);
    for (const { server, client } of [sized, streamed]) {
      const outcome = await client.send({ method: 'GET', url: `${server.url}/big`, headers: {} }, { classify });
      expect(outcome).toEqual({ ok: false, action: 'reject', attempts: 1, error: 'the response body is larger than 2 KB' });
    }
  });

  it('drops a UTF-8 byte-order mark and skips an informational (103) response before the real one', async () => {
    const { server, client } = await setup((_req, res) => {
      res.writeEarlyHints({ link: '</style.css>; rel=preload' });
      const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"name":"Zoë"}')]);
      res.writeHead(201, { 'content-type': 'application/json', 'content-length': body.length, 'x-id': '7' });
      res.end(body);
    });
    const outcome = await client.send({ method: 'GET', url: `${server.url}/bom`, headers: {} }, { classify });
    expect(outcome.ok && outcome.response).toMatchObject({ status: 201, text: '{"name":"Zoë"}', body: { name: 'Zoë' } });
    expect(outcome.ok && outcome.response.headers['x-id']).toBe('7');
  });

  it('stops a response cancelled halfway through its body, and the next request still goes through', async () => {
    const { server, client } = await setup((req, res) => {
      if (req.url === '/stall') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
        res.write('{"partial":');
        return;
      }
      json(res, 200, { ok: true });
    });
    const controller = new AbortController();
    const cancelled = client.send({ method: 'GET', url: `${server.url}/stall`, headers: {} }, { classify, signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    expect(await cancelled).toEqual({ ok: false, action: 'fail', attempts: 0, error: 'the request was cancelled' });
    const next = await client.send({ method: 'GET', url: `${server.url}/after`, headers: {} }, { classify });
    expect(next.ok && next.response.body).toEqual({ ok: true });
  });
});
