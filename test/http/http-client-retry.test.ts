import { Liquid } from 'liquidjs';
import { describe, expect, it } from 'vitest';
import type { ResponseRule } from '../../src/http/request-policy.js';
import type { Auth } from '../../src/http/auth.js';
import { classifyResponse } from '../../src/http/classify-response.js';
import type { HttpClientOptions } from '../../src/http/http-client.js';
import type { HttpResponse } from '../../src/http/http-response.js';
import { closeAfterEachTest } from '../support/close-after-each-test.js';
import { json, startServerAndClient, type TestHandler } from './start-test-server.js';

const liquid = new Liquid();
const evaluate = (condition: string, context: object) => {
  const value: unknown = liquid.evalValueSync(condition, context);
  return value !== false && value !== null && value !== undefined;
};
const render = (template: string, context: object) => liquid.parseAndRenderSync(template, context);
const classifyWith = (rules: ResponseRule[] = []) => (r: HttpResponse) =>
  classifyResponse(r, rules, evaluate, { onStatus: [408, 429, 500, 502, 503, 504], render });

const closeLater = closeAfterEachTest();

const setup = (handler: TestHandler, overrides: Partial<HttpClientOptions> = {}) =>
  startServerAndClient(handler, closeLater, { retry: { max_attempts: 5, on_status: [], initial_delay_ms: 10, max_delay_ms: 40 }, allowServer: true, ...overrides });

const post = (url: string) => ({ method: 'POST', url, headers: { 'content-type': 'application/json' }, body: '{"a":1}' });

describe('retries', () => {
  it('retries a 503 twice, then delivers (3 attempts, the same body each time)', async () => {
    const { server, client } = await setup((_req, res, i) =>
      i < 2 ? json(res, 503, { message: 'maintenance' }) : json(res, 201, { id: 42 }),
    );
    const outcome = await client.send(post(`${server.url}/records`), { classify: classifyWith() });
    expect(outcome).toMatchObject({ ok: true, attempts: 3, response: { status: 201, body: { id: 42 } } });
    expect(server.requests.map((r) => r.body)).toEqual(['{"a":1}', '{"a":1}', '{"a":1}']);
  });

  it('rejects the row with the status, the attempts and the API message once retries run out', async () => {
    const { server, client } = await setup((_req, res) => json(res, 503, { errors: [{ message: 'Backend down' }] }), {
      retry: { max_attempts: 3, on_status: [], initial_delay_ms: 5, max_delay_ms: 10 },
    });
    const outcome = await client.send(post(`${server.url}/records`), { classify: classifyWith() });
    expect(outcome).toMatchObject({
      ok: false,
      action: 'reject',
      attempts: 3,
      error: '503 Service Unavailable after 3 attempts: Backend down',
    });
    expect(server.requests).toHaveLength(3);
  });

  it('does not retry a 400: the row is rejected at once with the API message', async () => {
    const { server, client } = await setup((_req, res) =>
      json(res, 400, [{ message: 'Required fields are missing: [Company]', errorCode: 'REQUIRED_FIELD_MISSING' }]),
    );
    const outcome = await client.send(post(`${server.url}/records`), { classify: classifyWith() });
    expect(outcome).toMatchObject({ ok: false, action: 'reject', attempts: 1, error: '400 Bad Request: Required fields are missing: [Company]' });
    expect(server.requests).toHaveLength(1);
  });

  it('retries a server that never answers, then rejects naming the timeout', async () => {
    const { server, client } = await setup(() => undefined /* never answers */, {
      retry: { max_attempts: 2, on_status: [], initial_delay_ms: 5, max_delay_ms: 10 },
      timeouts: { connect_ms: 1000, read_ms: 150 },
    });
    const started = performance.now();
    const outcome = await client.send(post(`${server.url}/slow`), { classify: classifyWith() });
    expect(outcome).toEqual({
      ok: false,
      action: 'reject',
      attempts: 2,
      error: `no response from 127.0.0.1:${server.port} within 150 ms after 2 attempts`,
      // Retries ran out for availability, not for this row: the engine keeps the row pending.
      unavailable: true,
    });
    expect(server.requests).toHaveLength(2);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('retries a refused connection, then rejects', async () => {
    const { server, client } = await setup(() => undefined, {
      retry: { max_attempts: 2, on_status: [], initial_delay_ms: 5, max_delay_ms: 10 },
    });
    const { url, port } = server;
    await server.close();
    const outcome = await client.send(post(`${url}/x`), { classify: classifyWith() });
    expect(outcome).toEqual({ ok: false, action: 'reject', attempts: 2, error: `connection refused by 127.0.0.1:${port} after 2 attempts`, unavailable: true });
  });

  it('stops at once, as a run failure, when the request is cancelled', async () => {
    const { server, client } = await setup(() => undefined);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const outcome = await client.send(post(`${server.url}/x`), { classify: classifyWith(), signal: controller.signal });
    expect(outcome).toEqual({ ok: false, action: 'fail', attempts: 0, error: 'the request was cancelled' });
  });
});

describe('rate limits', () => {
  it('waits out a 429 with Retry-After in seconds, then delivers', async () => {
    const { server, client } = await setup((_req, res, i) =>
      i === 0 ? json(res, 429, { message: 'slow down' }, { 'retry-after': '1' }) : json(res, 200, { ok: true }),
    );
    const outcome = await client.send(post(`${server.url}/x`), { classify: classifyWith() });
    expect(outcome).toMatchObject({ ok: true, attempts: 2 });
    const [first, second] = server.requests;
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(990);
    expect(second!.at - first!.at).toBeLessThan(1500);
  });

  it('waits out a 429 with Retry-After as an HTTP-date, then delivers', async () => {
    let retryAt = 0;
    const { server, client } = await setup((_req, res, i) => {
      if (i > 0) return json(res, 200, { ok: true });
      // HTTP-dates have whole seconds: aim at the second after next so the wait is 1-2 s.
      retryAt = (Math.floor(Date.now() / 1000) + 2) * 1000;
      json(res, 429, { message: 'slow down' }, { 'retry-after': new Date(retryAt).toUTCString() });
    });
    const outcome = await client.send(post(`${server.url}/x`), { classify: classifyWith() });
    expect(outcome).toMatchObject({ ok: true, attempts: 2 });
    expect(Date.now()).toBeGreaterThanOrEqual(retryAt - 5);
  });

  it('honours X-RateLimit-Reset in epoch seconds (Backlog)', async () => {
    let resetAt = 0;
    const { server, client } = await setup((_req, res, i) => {
      if (i > 0) return json(res, 201, { id: 1 });
      resetAt = (Math.floor(Date.now() / 1000) + 1) * 1000;
      json(res, 429, { errors: [{ message: 'Too many requests', code: 13 }] }, {
        'x-ratelimit-limit': '150',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(resetAt / 1000),
      });
    });
    const outcome = await client.send(post(`${server.url}/api/v2/issues`), { classify: classifyWith() });
    expect(outcome).toMatchObject({ ok: true, attempts: 2 });
    expect(Date.now()).toBeGreaterThanOrEqual(resetAt - 5);
  });

  it('pauses every request of the client when the API says to wait, not just the limited one', async () => {
    let limitedAt = -1;
    const { server, client } = await setup((req, res) => {
      if (req.url === '/first' && limitedAt < 0) {
        limitedAt = req.at;
        return json(res, 429, { message: 'slow down' }, { 'retry-after': '1' });
      }
      setTimeout(() => json(res, 200, { ok: true }), 5);
    });
    const first = client.send(post(`${server.url}/first`), { classify: classifyWith() });
    await new Promise((r) => setTimeout(r, 100)); // the 429 has arrived: the gate is closed
    const others = await Promise.all(
      Array.from({ length: 6 }, (_, i) => client.send(post(`${server.url}/other-${i}`), { classify: classifyWith() })),
    );
    expect((await first).ok).toBe(true);
    expect(others.every((o) => o.ok)).toBe(true);
    const during = server.requests.filter((r) => r.at > limitedAt && r.at < limitedAt + 950);
    expect(during).toEqual([]);
    expect(server.requests).toHaveLength(8);
  });

  it('fails the run when the API asks to wait longer than Sluice waits', async () => {
    const { server, client } = await setup(
      (_req, res) => json(res, 429, { message: 'You have reached your daily limit.' }, { 'retry-after': '3600' }),
      { maxRateLimitWaitMs: 60_000 },
    );
    const outcome = await client.send(post(`${server.url}/x`), { classify: classifyWith() });
    expect(outcome).toMatchObject({
      ok: false,
      action: 'fail',
      attempts: 1,
      error: '429 Too Many Requests: the API asks to wait 3600 s before the next request, longer than the 60 s Sluice waits: You have reached your daily limit.',
    });
  });

  it('rejects with the attempts when 429s never stop', async () => {
    const { server, client } = await setup((_req, res) => json(res, 429, { message: 'slow down' }), {
      retry: { max_attempts: 3, on_status: [], initial_delay_ms: 5, max_delay_ms: 10 },
    });
    const outcome = await client.send(post(`${server.url}/x`), { classify: classifyWith() });
    expect(outcome).toMatchObject({ ok: false, action: 'reject', attempts: 3, error: '429 Too Many Requests after 3 attempts: slow down' });
  });
});

describe('responses: rules', () => {
  const rules: ResponseRule[] = [
    { when: "response.status == 403 and response.body[0].errorCode == 'REQUEST_LIMIT_EXCEEDED'", action: 'rate_limited' },
    { when: 'response.status == 200 and response.body.ok == false', action: 'reject', message: '{{ response.body.error }}' },
  ];

  it('rejects a 200 whose body says ok:false, with the rule message', async () => {
    const { server, client } = await setup((_req, res) => json(res, 200, { ok: false, error: 'channel_not_found' }));
    const outcome = await client.send(post(`${server.url}/chat.postMessage`), { classify: classifyWith(rules) });
    expect(outcome).toMatchObject({ ok: false, action: 'reject', attempts: 1, error: '200 OK: channel_not_found' });
    expect(outcome.ok === false && outcome.response?.body).toEqual({ ok: false, error: 'channel_not_found' });
  });

  it('treats a 403 REQUEST_LIMIT_EXCEEDED as a rate limit and retries it', async () => {
    const { server, client } = await setup((_req, res, i) =>
      i === 0
        ? json(res, 403, [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }])
        : json(res, 201, { id: '00Q5g00000AbCdEEAV', success: true, errors: [] }),
    );
    const outcome = await client.send(post(`${server.url}/sobjects/Lead/`), { classify: classifyWith(rules) });
    expect(outcome).toMatchObject({ ok: true, attempts: 2, response: { status: 201 } });
  });

  it('without the rule, the same 403 is rejected at once', async () => {
    const { server, client } = await setup((_req, res) =>
      json(res, 403, [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]),
    );
    const outcome = await client.send(post(`${server.url}/sobjects/Lead/`), { classify: classifyWith() });
    expect(outcome).toMatchObject({ ok: false, action: 'reject', attempts: 1, error: '403 Forbidden: TotalRequests Limit exceeded.' });
  });

  it('fails the run with the reason when a rule cannot be evaluated', async () => {
    const { server, client } = await setup((_req, res) => json(res, 200, {}));
    const outcome = await client.send(post(`${server.url}/x`), {
      classify: () => {
        throw new Error('unknown variable "response.bdy"');
      },
    });
    expect(outcome).toMatchObject({ ok: false, action: 'fail', error: 'could not classify the 200 OK response: unknown variable "response.bdy"' });
  });
});

/** A real Auth whose token the API accepts only after one renewal (like an expired OAuth access token). */
function renewableAuth(options: { renews: boolean }) {
  let token = 'old-token-1111';
  let refreshes = 0;
  const auth: Auth = {
    kind: 'bearer',
    apply: async (r) => ({ ...r, headers: { ...r.headers, authorization: `Bearer ${token}` } }),
    refresh: async () => {
      refreshes++;
      if (!options.renews) return false;
      token = 'new-token-2222';
      return true;
    },
    secrets: () => [token],
    baseUrl: () => undefined,
  };
  return { auth, refreshes: () => refreshes };
}

describe('refresh_auth', () => {
  it('renews the credential on a 401 and retries once with the new token', async () => {
    const { auth, refreshes } = renewableAuth({ renews: true });
    const { server, client } = await setup((req, res) =>
      req.headers.authorization === 'Bearer new-token-2222'
        ? json(res, 200, { ok: true })
        : json(res, 401, { message: 'expired' }, { 'www-authenticate': 'Bearer error="invalid_token"' }),
    );
    const outcome = await client.send(post(`${server.url}/x`), { classify: classifyWith(), auth });
    expect(outcome).toMatchObject({ ok: true, attempts: 2 });
    expect(refreshes()).toBe(1);
    expect(server.requests.map((r) => r.headers.authorization)).toEqual(['Bearer old-token-1111', 'Bearer new-token-2222']);
  });

  it('fails the run when the renewed credential is refused again, without leaking it', async () => {
    const { auth, refreshes } = renewableAuth({ renews: true });
    const { server, client } = await setup((req, res) =>
      json(res, 401, [{ message: `Session expired or invalid: ${req.headers.authorization}`, errorCode: 'INVALID_SESSION_ID' }]),
    );
    const outcome = await client.send(post(`${server.url}/x`), { classify: classifyWith(), auth });
    expect(outcome).toMatchObject({
      ok: false,
      action: 'fail',
      attempts: 2,
      error: '401 Unauthorized: the API refused the credential even after renewing it: Session expired or invalid: Bearer ****',
    });
    expect(refreshes()).toBe(1);
  });

  it('fails the run when the credential cannot be renewed (a static key)', async () => {
    const { auth } = renewableAuth({ renews: false });
    const { server, client } = await setup((_req, res) => json(res, 401, { message: 'bad key' }));
    const outcome = await client.send(post(`${server.url}/x`), { classify: classifyWith(), auth });
    expect(outcome).toMatchObject({
      ok: false,
      action: 'fail',
      attempts: 1,
      error: '401 Unauthorized: the API refused the credential and it cannot be renewed: check it: bad key',
    });
  });

  it('fails the run with the reason when the renewal itself fails, masking the secrets', async () => {
    const auth: Auth = {
      kind: 'oauth2',
      apply: async (r) => ({ ...r, headers: { ...r.headers, authorization: 'Bearer tok-abcdefgh' } }),
      refresh: async () => {
        throw new Error('the OAuth grant of connection "crm" was revoked (refresh token tok-abcdefgh)');
      },
      secrets: () => ['tok-abcdefgh'],
      baseUrl: () => undefined,
    };
    const { server, client } = await setup((_req, res) => json(res, 401, { message: 'expired' }));
    const outcome = await client.send(post(`${server.url}/x`), { classify: classifyWith(), auth });
    expect(outcome).toMatchObject({ ok: false, action: 'fail', error: 'the OAuth grant of connection "crm" was revoked (refresh token ****)' });
  });
});
