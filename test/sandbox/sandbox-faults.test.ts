import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startWebhookSandbox, type WebhookSandbox } from '../../sandbox/webhook/webhook-sandbox.js';

const post = (url: string, body: unknown = {}) => fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

describe('sandbox control routes and faults', () => {
  let sink: WebhookSandbox;
  beforeAll(async () => {
    sink = await startWebhookSandbox();
  });
  afterAll(() => sink.close());
  beforeEach(() => sink.reset());

  it('fails the next N requests with the given status, then answers normally', async () => {
    expect((await post(`${sink.url}/_sandbox/faults`, { status: 503, count: 2 })).status).toBe(200);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await post(`${sink.url}/hooks/a`, { i })).status);
    expect(statuses).toEqual([503, 503, 200]);
    expect(sink.state.hooks.map((h) => h.body)).toEqual([{ i: 2 }]);
    expect(sink.requests().map((r) => r.status)).toEqual([503, 503, 200]);
  });

  it('uses a given body and headers on the injected failure', async () => {
    sink.faults({ status: 429, body: { error: 'slow down' }, headers: { 'Retry-After': '7' } });
    const res = await post(`${sink.url}/hooks/a`);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(await res.json()).toEqual({ error: 'slow down' });
  });

  it('delays answers by latency_ms', async () => {
    await post(`${sink.url}/_sandbox/faults`, { latency_ms: 120 });
    const t0 = performance.now();
    await post(`${sink.url}/hooks/a`);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(110);
  });

  it('drops the connection without an answer when asked', async () => {
    sink.faults({ drop: true });
    await expect(post(`${sink.url}/hooks/a`)).rejects.toThrow();
    expect((await post(`${sink.url}/hooks/a`)).status).toBe(200);
  });

  it('refuses an unknown fault key with 400 naming it', async () => {
    const res = await post(`${sink.url}/_sandbox/faults`, { stauts: 500 });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toContain('stauts');
  });

  it('reset empties records and switches faults off', async () => {
    await post(`${sink.url}/hooks/a`);
    sink.faults({ status: 500, count: 5 });
    expect((await post(`${sink.url}/_sandbox/reset`)).status).toBe(200);
    expect(await (await fetch(`${sink.url}/_sandbox/records`)).json()).toEqual({ hooks: [] });
    expect((await post(`${sink.url}/hooks/a`)).status).toBe(200);
  });
});
