import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startWebhookSandbox, type WebhookSandbox } from '../../sandbox/webhook/webhook-sandbox.js';

describe('webhook sink', () => {
  let sink: WebhookSandbox;
  beforeAll(async () => {
    sink = await startWebhookSandbox();
  });
  afterAll(() => sink.close());
  beforeEach(() => sink.reset());

  it('stores JSON sent with POST, PUT, PATCH and DELETE under /hooks/ and answers 200 with an id', async () => {
    const ids: string[] = [];
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      const res = await fetch(`${sink.url}/hooks/orders?x=1`, { method, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ n: method }) });
      expect(res.status).toBe(200);
      ids.push(((await res.json()) as { id: string }).id);
    }
    expect(new Set(ids).size).toBe(4);
    const records = (await (await fetch(`${sink.url}/_sandbox/records`)).json()) as { hooks: { method: string; path: string; query: unknown; body: unknown }[] };
    expect(records.hooks.map((h) => [h.method, h.path, h.body])).toEqual([
      ['POST', '/hooks/orders', { n: 'POST' }],
      ['PUT', '/hooks/orders', { n: 'PUT' }],
      ['PATCH', '/hooks/orders', { n: 'PATCH' }],
      ['DELETE', '/hooks/orders', { n: 'DELETE' }],
    ]);
    expect(records.hooks[0]!.query).toEqual({ x: '1' });
  });

  it('refuses a body that is not JSON with 400 and stores nothing', async () => {
    const res = await fetch(`${sink.url}/hooks/x`, { method: 'POST', body: '{"a":' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/^invalid JSON body/);
    expect(sink.state.hooks).toHaveLength(0);
  });

  it('answers 404 outside /hooks/', async () => {
    expect((await fetch(`${sink.url}/other`, { method: 'POST', body: '{}' })).status).toBe(404);
  });
});

describe('webhook sink with a bearer check', () => {
  it('answers 401 with WWW-Authenticate without the token and keeps the token out of stored headers', async () => {
    const sink = await startWebhookSandbox({ auth: { bearer: 's3cret' } });
    try {
      const refused = await fetch(`${sink.url}/hooks/a`, { method: 'POST', body: '{}' });
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toBe('Bearer realm="sandbox"');
      const wrong = await fetch(`${sink.url}/hooks/a`, { method: 'POST', headers: { Authorization: 'Bearer nope' }, body: '{}' });
      expect(wrong.status).toBe(401);
      const ok = await fetch(`${sink.url}/hooks/a`, { method: 'POST', headers: { Authorization: 'Bearer s3cret' }, body: '{"a":1}' });
      expect(ok.status).toBe(200);
      expect(sink.state.hooks).toHaveLength(1);
      expect(JSON.stringify(sink.state.hooks)).not.toContain('s3cret');
    } finally {
      await sink.close();
    }
  });

  it('accepts basic credentials and an API key header when configured', async () => {
    const sink = await startWebhookSandbox({ auth: { basic: { username: 'u', password: 'p' }, apiKey: { header: 'X-Api-Key', value: 'k1' } } });
    try {
      const basic = await fetch(`${sink.url}/hooks/a`, { method: 'POST', headers: { Authorization: 'Basic ' + Buffer.from('u:p').toString('base64') }, body: '{}' });
      expect(basic.status).toBe(200);
      const key = await fetch(`${sink.url}/hooks/a`, { method: 'POST', headers: { 'X-Api-Key': 'k1' }, body: '{}' });
      expect(key.status).toBe(200);
      const bad = await fetch(`${sink.url}/hooks/a`, { method: 'POST', headers: { 'X-Api-Key': 'k2' }, body: '{}' });
      expect(bad.status).toBe(401);
      expect(JSON.stringify(sink.state.hooks)).not.toContain('k1');
    } finally {
      await sink.close();
    }
  });
});
