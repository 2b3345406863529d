import { describe, expect, it } from 'vitest';
import { connectorAuthSchema } from '../../src/config/connector-schema.js';
import type { ConnectionAuth } from '../../src/config/project-schema.js';
import { createAuth } from '../../src/connectors/auth/create-auth.js';
import { errorMessage } from '../../src/http/api-message.js';
import { classifyResponse } from '../../src/http/classify-response.js';
import { HttpClient } from '../../src/http/http-client.js';
import type { HttpResponse } from '../../src/http/http-response.js';
import { Redactor } from '../../src/log/redactor.js';
import { closeAfterEachTest } from '../support/close-after-each-test.js';
import { json, startServerAndClient, type TestHandler } from './start-test-server.js';

const classify = (r: HttpResponse) => classifyResponse(r, [], () => false);
const closeLater = closeAfterEachTest();

async function setup() {
  const redactor = new Redactor();
  const retry = { max_attempts: 2, on_status: [], initial_delay_ms: 5, max_delay_ms: 10 };
  const started = await startServerAndClient((req, res) => json(res, 200, { seen: req.url }), closeLater, { rateLimit: { concurrency: 2 }, retry, allowServer: true, redactor });
  return { ...started, redactor };
}

/** A test server answering with `handler`, and a client that sends each request once, allowed to reach it when `allowServer`. */
const startOnce = (handler: TestHandler, allowServer: boolean) =>
  startServerAndClient(handler, closeLater, {
    rateLimit: { concurrency: 1 },
    retry: { max_attempts: 1, on_status: [], initial_delay_ms: 0, max_delay_ms: 0 },
    timeouts: { connect_ms: 1000, read_ms: 1000 },
    allowServer,
  });

const authFor = (kind: unknown, credentials: ConnectionAuth) =>
  createAuth({ kinds: [connectorAuthSchema.parse(kind)], credentials, connectionName: 'api', render: (t) => t });

describe('static auth kinds reach the server', () => {
  it('api_key in the query string', async () => {
    const { server, client } = await setup();
    const auth = await authFor({ type: 'api_key', in: 'query', name: 'apiKey' }, { type: 'api_key', key: 'key/with+chars&=' });
    const outcome = await client.send({ method: 'GET', url: `${server.url}/api/v2/issues?count=100`, headers: {} }, { classify, auth });
    expect(outcome.ok).toBe(true);
    const seen = new URL(server.requests[0]!.url, server.url);
    expect(seen.searchParams.get('apiKey')).toBe('key/with+chars&=');
    expect(seen.searchParams.get('count')).toBe('100');
    // The response keeps the URL as requested, so the key never shows in what templates or logs see.
    expect(outcome.ok && outcome.response.url).toBe(`${server.url}/api/v2/issues?count=100`);
  });

  it('api_key in a header with a scheme', async () => {
    const { server, client } = await setup();
    const auth = await authFor({ type: 'api_key', in: 'header', name: 'X-Auth-Token', scheme: 'Token' }, { type: 'api_key', key: 'k-123456' });
    await client.send({ method: 'GET', url: `${server.url}/customers`, headers: {} }, { classify, auth });
    expect(server.requests[0]!.headers['x-auth-token']).toBe('Token k-123456');
    expect(server.requests[0]!.headers.authorization).toBeUndefined();
  });

  it('basic', async () => {
    const { server, client } = await setup();
    const auth = await authFor({ type: 'basic' }, { type: 'basic', username: 'ann', password: 's3cret:pw' });
    await client.send({ method: 'GET', url: `${server.url}/me`, headers: {} }, { classify, auth });
    const header = server.requests[0]!.headers.authorization!;
    expect(header.startsWith('Basic ')).toBe(true);
    expect(Buffer.from(header.slice(6), 'base64').toString()).toBe('ann:s3cret:pw');
  });

  it('bearer with the default header and scheme, and with a custom one', async () => {
    const { server, client } = await setup();
    const plain = await authFor({ type: 'bearer' }, { type: 'bearer', token: 'xoxb-123456' });
    const custom = await authFor({ type: 'bearer', header: 'X-Api-Key', scheme: '' }, { type: 'bearer', token: 'raw-token-1' });
    await client.send({ method: 'POST', url: `${server.url}/chat.postMessage`, headers: {}, body: '{}' }, { classify, auth: plain });
    await client.send({ method: 'POST', url: `${server.url}/chat.postMessage`, headers: {}, body: '{}' }, { classify, auth: custom });
    expect(server.requests[0]!.headers.authorization).toBe('Bearer xoxb-123456');
    expect(server.requests[1]!.headers['x-api-key']).toBe('raw-token-1');
    expect(server.requests[1]!.headers.authorization).toBeUndefined();
  });
});

describe('credentials stay on the connection origin', () => {
  it("refuses to send a credential to another host, and the server never sees it", async () => {
    const { server, client } = await setup();
    const auth = await authFor({ type: 'bearer' }, { type: 'bearer', token: 'tok-999999' });
    // localhost is the same machine under another name: a different host as far as credentials go.
    const outcome = await client.send({ method: 'GET', url: `http://localhost:${server.port}/steal`, headers: {} }, { classify, auth });
    expect(outcome).toEqual({
      ok: false,
      action: 'reject',
      attempts: 0,
      error: `refused to send credentials to http://localhost:${server.port} (the connection's origin is ${server.url})`,
    });
    expect(server.requests).toHaveLength(0);
  });

  it('an explicit default port is the same origin; another port or scheme on the same host is not', async () => {
    const client = new HttpClient({
      rateLimit: { concurrency: 1 },
      retry: { max_attempts: 1, on_status: [], initial_delay_ms: 0, max_delay_ms: 0 },
      timeouts: { connect_ms: 200, read_ms: 200 },
      allowedOrigin: 'https://API.example.test/v2',
    });
    closeLater(() => client.close());
    const auth = await authFor({ type: 'bearer' }, { type: 'bearer', token: 'tok-origin-1' });
    const refusedFor = async (url: string) => {
      const outcome = await client.send({ method: 'GET', url, headers: {} }, { classify, auth });
      return !outcome.ok && outcome.error.startsWith('refused to send credentials');
    };
    expect(await refusedFor('http://api.example.test/v2/x')).toBe(true);
    expect(await refusedFor('https://api.example.test:8443/v2/x')).toBe(true);
    // Same origin: the credential check passes and the request goes out (and fails to connect: no such host).
    expect(await refusedFor('https://api.example.test:443/v2/x')).toBe(false);
  });

  it('sends no credential at all when the connection has no known origin', async () => {
    const { server, client } = await startOnce((_req, res) => json(res, 200, {}), false);
    const auth = await authFor({ type: 'bearer' }, { type: 'bearer', token: 'tok-nowhere-1' });
    const outcome = await client.send({ method: 'GET', url: `${server.url}/x`, headers: {} }, { classify, auth });
    expect(outcome).toMatchObject({
      ok: false,
      error: `refused to send credentials to ${server.url}: the connection has no base URL, so no origin they may go to`,
    });
    expect(server.requests).toHaveLength(0);
  });

  it('sends to another host when the auth is none', async () => {
    const { server, client } = await setup();
    const auth = await authFor({ type: 'none' }, { type: 'none' });
    const outcome = await client.send({ method: 'GET', url: `http://localhost:${server.port}/public`, headers: {} }, { classify, auth });
    expect(outcome.ok).toBe(true);
    expect(server.requests).toHaveLength(1);
  });

  it("allows the auth's own base URL host (Salesforce instance_url)", async () => {
    const { server, client } = await setup();
    const bearer = await authFor({ type: 'bearer' }, { type: 'bearer', token: 'tok-777777' });
    const auth = { ...bearer, baseUrl: () => `http://localhost:${server.port}` };
    const outcome = await client.send({ method: 'GET', url: `http://localhost:${server.port}/services/data`, headers: {} }, { classify, auth });
    expect(outcome.ok).toBe(true);
    expect(server.requests[0]!.headers.authorization).toBe('Bearer tok-777777');
  });
});

describe('no secret in any error string', () => {
  it('masks a token the API echoes back in a rejection', async () => {
    const { server, client } = await startOnce(
      (req, res) => json(res, 400, { message: `bad request with ${req.headers.authorization} and ${new URL(req.url, 'http://x').searchParams.get('apiKey')}` }),
      true,
    );
    const bearer = await authFor({ type: 'bearer' }, { type: 'bearer', token: 'tok-leaky-123' });
    const withKey = { ...bearer, apply: async (r: Parameters<typeof bearer.apply>[0]) => {
      const applied = await bearer.apply(r);
      return { ...applied, url: `${applied.url}?apiKey=tok-leaky-123` };
    } };
    const outcome = await client.send({ method: 'GET', url: `${server.url}/x`, headers: {} }, { classify, auth: withKey });
    expect(outcome).toMatchObject({ ok: false, action: 'reject', error: '400 Bad Request: bad request with Bearer **** and ****' });
  });

  it('masks the basic credential pair and the password in errors', async () => {
    const { server, client } = await startOnce((req, res) => json(res, 422, { message: `rejected ${req.headers.authorization}` }), true);
    const auth = await authFor({ type: 'basic' }, { type: 'basic', username: 'ann', password: 'hunter22' });
    const outcome = await client.send({ method: 'GET', url: `${server.url}/x`, headers: {} }, { classify, auth });
    expect(outcome.ok).toBe(false);
    const error = outcome.ok ? '' : outcome.error;
    expect(error).toBe('422 Unprocessable Entity: rejected Basic ****');
    expect(error).not.toContain(Buffer.from('ann:hunter22').toString('base64'));
  });

  it('errorMessage output through the redactor the client was given', async () => {
    const { server, client, redactor } = await setup();
    const auth = await authFor({ type: 'bearer' }, { type: 'bearer', token: 'tok-shared-42' });
    await client.send({ method: 'GET', url: `${server.url}/x`, headers: {} }, { classify, auth });
    // The client registers the auth's secrets with the shared redactor, so other outputs mask them too.
    const response: HttpResponse = { status: 400, headers: {}, text: '', body: { message: 'tok-shared-42 invalid' }, durationMs: 0, url: '' };
    expect(redactor.mask(errorMessage(response))).toBe('400 Bad Request: **** invalid');
  });
});

describe('a refused credential', () => {
  it('is named to the auth by the request that carried it, so several keys in flight blame the right one', async () => {
    // Keys 1 and 2 go out together; only key 1 is refused, and its answer comes after key 2's.
    const { server, client } = await startServerAndClient(async (req, res) => {
      const key = req.headers['x-key'];
      if (key === 'k1') {
        await new Promise((r) => setTimeout(r, 50));
        json(res, 401, { message: 'unknown key' });
      } else json(res, 200, { key });
    }, closeLater, { rateLimit: { concurrency: 2 }, retry: { max_attempts: 2, on_status: [], initial_delay_ms: 0, max_delay_ms: 0 }, allowServer: true });
    const refusedWith: (string | undefined)[] = [];
    let next = 0;
    const auth = {
      kind: 'api_key' as const,
      apply: async (request: { headers: Record<string, string> }) => ({ ...request, headers: { ...request.headers, 'x-key': next++ === 0 ? 'k1' : 'k2' } }),
      refresh: async (failed?: { headers: Record<string, string> }) => {
        refusedWith.push(failed?.headers['x-key']);
        return true;
      },
      secrets: () => [],
      baseUrl: () => undefined,
    } as unknown as Parameters<typeof client.send>[1]['auth'];
    const send = () => client.send({ method: 'GET', url: `${server.url}/x`, headers: {} }, { classify, auth });
    const [a, b] = await Promise.all([send(), send()]);
    expect([a.ok, b.ok]).toEqual([true, true]);
    expect(refusedWith).toEqual(['k1']);
  });
});
