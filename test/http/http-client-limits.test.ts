import { describe, expect, it } from 'vitest';
import { classifyResponse } from '../../src/http/classify-response.js';
import type { HttpClientOptions } from '../../src/http/http-client.js';
import type { HttpResponse } from '../../src/http/http-response.js';
import { closeAfterEachTest } from '../support/close-after-each-test.js';
import { json, startServerAndClient, type TestHandler } from './start-test-server.js';

const classify = (r: HttpResponse) => classifyResponse(r, [], () => false);
const closeLater = closeAfterEachTest();

const setup = (handler: TestHandler, overrides: Partial<HttpClientOptions> = {}) =>
  startServerAndClient(handler, closeLater, { retry: { max_attempts: 3, on_status: [], initial_delay_ms: 5, max_delay_ms: 10 }, ...overrides });

const get = (url: string) => ({ method: 'GET', url, headers: {} });

describe('concurrency and rate', () => {
  it('never has more requests in flight than rate_limit.concurrency', async () => {
    const { server, client } = await setup((_req, res) => void setTimeout(() => json(res, 200, {}), 20), {
      rateLimit: { concurrency: 3 },
    });
    const outcomes = await Promise.all(Array.from({ length: 30 }, (_, i) => client.send(get(`${server.url}/r/${i}`), { classify })));
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(server.requests).toHaveLength(30);
    expect(server.stats.peakInFlight).toBe(3);
  });

  it('keeps to requests_per_second, evenly spaced', async () => {
    const { server, client } = await setup((_req, res) => json(res, 200, {}), {
      rateLimit: { concurrency: 8, requests_per_second: 20 },
    });
    await Promise.all(Array.from({ length: 21 }, (_, i) => client.send(get(`${server.url}/r/${i}`), { classify })));
    const times = server.requests.map((r) => r.at).sort((a, b) => a - b);
    const span = times.at(-1)! - times[0]!;
    // 20 intervals of 50 ms; the first arrival may come late (a new socket on a busy machine), which shortens the span
    // it opens. Twice the rate would span 500 ms.
    expect(span).toBeGreaterThanOrEqual(880);
    expect(span).toBeLessThan(1400);
    // Smooth, not bursty: any 200 ms holds about 4 requests (slack for a busy event loop), never a pile.
    for (const t of times) expect(times.filter((u) => u >= t && u < t + 200).length).toBeLessThanOrEqual(7);
  });

  it('reuses keep-alive connections instead of opening one per request', async () => {
    const { server, client } = await setup((_req, res) => json(res, 200, { ok: true }), { rateLimit: { concurrency: 2 } });
    for (let round = 0; round < 10; round++) {
      await Promise.all([client.send(get(`${server.url}/a`), { classify }), client.send(get(`${server.url}/b`), { classify })]);
    }
    expect(server.requests).toHaveLength(20);
    expect(server.stats.sockets).toBeLessThanOrEqual(2);
  });
});

describe('responses', () => {
  it('parses JSON bodies, lower-cases and joins headers, and times the request', async () => {
    const { server, client } = await setup((_req, res) => {
      res.setHeader('content-type', 'application/vnd.api+json; charset=utf-8');
      res.setHeader('X-Trace', ['a', 'b']);
      res.end('{"data":[{"id":"1","name":"日本語 😀"}]}');
    });
    const outcome = await client.send(get(`${server.url}/items`), { classify });
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.response.body).toEqual({ data: [{ id: '1', name: '日本語 😀' }] });
    expect(outcome.response.headers['x-trace']).toBe('a, b');
    expect(outcome.response.durationMs).toBeGreaterThanOrEqual(0);
    expect(outcome.response.url).toBe(`${server.url}/items`);
  });

  it('keeps the text as the body when it is not JSON or does not parse', async () => {
    const { server, client } = await setup((req, res) => {
      res.setHeader('content-type', req.url === '/text' ? 'text/plain' : 'application/json');
      res.end(req.url === '/text' ? 'ok' : '{broken');
    });
    const text = await client.send(get(`${server.url}/text`), { classify });
    const broken = await client.send(get(`${server.url}/broken`), { classify });
    expect(text.ok && text.response.body).toBe('ok');
    expect(broken.ok && broken.response.body).toBe('{broken');
  });

  it('sends the method, headers and body as given', async () => {
    const { server, client } = await setup((_req, res) => {
      res.statusCode = 204;
      res.end();
    });
    const body = JSON.stringify({ summary: 'a "quoted"\nline', name: '日本語' });
    const outcome = await client.send(
      { method: 'patch', url: `${server.url}/api/v2/issues/BLG-1`, headers: { 'Content-Type': 'application/json', 'X-Trace': 't1' }, body },
      { classify },
    );
    expect(outcome).toMatchObject({ ok: true, attempts: 1, response: { status: 204, text: '', body: '' } });
    const seen = server.requests[0]!;
    expect([seen.method, seen.url, seen.headers['content-type'], seen.headers['x-trace'], seen.body]).toEqual([
      'PATCH',
      '/api/v2/issues/BLG-1',
      'application/json',
      't1',
      body,
    ]);
  });

  it('rejects a response body over the size limit', async () => {
    const { server, client } = await setup((_req, res) => json(res, 200, { blob: 'x'.repeat(4096) }), { maxBodyBytes: 2048 });
    const outcome = await client.send(get(`${server.url}/big`), { classify });
    expect(outcome).toEqual({ ok: false, action: 'reject', attempts: 1, error: 'the response body is larger than 2 KB' });
  });
});
