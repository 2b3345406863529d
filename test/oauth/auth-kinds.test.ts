// The auth kinds beyond the static ones, each against the sandbox provider on loopback through the real connection
// (HttpClient's 401 path, the stream reader): session, jwt, api_key with several keys, oauth2's Basic client auth
// with rotating refresh tokens, and PKCE's verifier.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startOAuthProvider, type OAuthProvider, type OAuthProviderOptions } from '../../sandbox/oauth-provider/oauth-provider.js';
import { ConfigError, formatConfigIssue } from '../../src/config/config-error.js';
import { connectorSpecSchema } from '../../src/config/connector-schema.js';
import { connectionSchema, type ConnectionAuth } from '../../src/config/project-schema.js';
import { createOAuth2Auth } from '../../src/connectors/auth/oauth2-auth.js';
import { completeAuthorization, startAuthorization } from '../../src/connectors/auth/oauth2-authorization.js';
import { oauth2TokenSchema } from '../../src/connectors/auth/oauth2-token-store.js';
import { openHttpConnection, type HttpConnection } from '../../src/connectors/open-http-connection.js';
import { createTemplateEngine } from '../../src/connectors/template-engine.js';
import { Redactor } from '../../src/log/redactor.js';
import { createHttpStreamSource } from '../../src/sources/http-stream-source.js';
import { openStateStore } from '../../src/state/open-state-store.js';
import type { StateStore } from '../../src/state/state-store.js';
import { authorizeWithSandbox } from './authorize-with-sandbox.js';
import { sandboxOAuth2Kind } from './sandbox-connector.js';

let dir: string;
let store: StateStore;
let provider: OAuthProvider | undefined;
const opened: HttpConnection[] = [];

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-auth-kinds-'));
  store = await openStateStore({ state: '.sluice', projectDir: dir, env: {} });
});

afterEach(async () => {
  vi.restoreAllMocks();
  for (const http of opened.splice(0)) await http.close();
  await provider?.close();
  provider = undefined;
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

async function start(options: OAuthProviderOptions = {}): Promise<OAuthProvider> {
  provider = await startOAuthProvider(options);
  return provider;
}

/** A connection named `api` to the sandbox provider: its connector is `spec` (config.provider is the provider's URL). */
async function connect(spec: Record<string, unknown>, auth: ConnectionAuth, options: { config?: Record<string, string>; redactor?: Redactor; withStore?: boolean } = {}): Promise<HttpConnection> {
  const parsed = connectorSpecSchema.parse({
    name: 'sandbox',
    config: { provider: { type: 'string', required: true }, username: { type: 'string' }, password: { type: 'string', secret: true } },
    base_url: '{{ config.provider }}',
    retry: { max_attempts: 3, initial_delay_ms: 1, max_delay_ms: 5 },
    ...spec,
  });
  const connection = connectionSchema.parse({ type: 'http', connector: 'sandbox', config: { provider: provider!.url, ...options.config }, auth });
  if (connection.type !== 'http') throw new Error('unreachable');
  const http = await openHttpConnection({
    name: 'api',
    connection,
    spec: parsed,
    store: options.withStore === false ? undefined : store,
    redactor: options.redactor ?? new Redactor(),
  });
  opened.push(http);
  return http;
}

/** One request through the connection's client, as endpoints send theirs (401 renews the credential and retries once). */
async function get(http: HttpConnection, pathname = '/api/records') {
  return http.client.send({ method: 'GET', url: `${http.baseUrl()}${pathname}`, headers: {} }, { classify: http.classifier(), auth: http.auth });
}

const logins = (p: OAuthProvider) => p.requests.filter((r) => r.endpoint === 'login');

const sessionSpec = (login: Record<string, unknown> = {}, more: Record<string, unknown> = {}) => ({
  auth: {
    type: 'session',
    login: {
      path: '/login',
      body: { username: '{{ config.username }}', password: '{{ config.password }}' },
      token_path: '$.session.token',
      expires_in_path: '$.session.expires_in',
      ...login,
    },
    ...more,
  },
  streams: { items: { path: '/api/items', records: '$.items', paginate: { type: 'offset', limit: 10, total: '$.total' } } },
});
const user = { username: 'sandbox-user', password: 'pa"ss word\\1' };

/** Reads the `items` stream page by page, calling `between(n)` after page n arrives (before the next is asked for). */
async function readItems(http: HttpConnection, between: (page: number) => Promise<void> | void = () => {}): Promise<unknown[]> {
  const source = createHttpStreamSource({ http, stream: http.spec.streams.items!, streamName: 'items', store, cursorName: 'cursor:test' });
  const rows: unknown[] = [];
  let page = 0;
  for await (const batch of source.read()) {
    rows.push(...batch);
    await between(++page);
  }
  return rows;
}

describe('auth: session', () => {
  it('logs in again once when the session ends mid-read (401), and the read completes', async () => {
    const p = await start({ items: 50, session: { password: user.password } });
    const http = await connect(sessionSpec(), { type: 'session' }, { config: user });
    const rows = await readItems(http, async (page) => {
      if (page !== 2) return;
      // Not within the half second after a login, when a 401 is taken for a request that left before it.
      await new Promise((r) => setTimeout(r, 600));
      p.expireSessions();
    });
    expect(rows.map((r) => (r as { id: number }).id)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(logins(p)).toHaveLength(2);
    expect(p.apiCalls.unauthorized).toBe(1);
    // The mapping body is JSON-encoded: the quote and backslash of the password arrive intact.
    expect(logins(p)[0]?.params).toEqual({ username: 'sandbox-user', password: user.password });
  });

  it('logs in again before a short-lived token expires (expires_in from the response), without a 401', async () => {
    const p = await start({ items: 40, session: { password: user.password, lifetimeSeconds: 1 } });
    const http = await connect(sessionSpec(), { type: 'session' }, { config: user });
    // Past half its life after page 2, the token is renewed before page 3 is asked for.
    const rows = await readItems(http, (page) => (page === 2 ? new Promise((r) => setTimeout(r, 600)) : undefined));
    expect(rows).toHaveLength(40);
    expect(logins(p)).toHaveLength(2);
    expect(p.apiCalls.unauthorized).toBe(0);
  });

  it('logs in once for concurrent first requests, keeps the token encrypted and reuses it in the next run', async () => {
    const p = await start({ session: { password: user.password } });
    const http = await connect(sessionSpec(), { type: 'session' }, { config: user });
    const outcomes = await Promise.all(Array.from({ length: 12 }, () => get(http)));
    expect(outcomes.map((o) => o.ok)).toEqual(Array(12).fill(true));
    expect(logins(p)).toHaveLength(1);

    const later = await connect(sessionSpec(), { type: 'session' }, { config: user });
    expect((await get(later)).ok).toBe(true);
    expect(logins(p)).toHaveLength(1);
    // Another user's login is another session: the stored token is not reused for it.
    const other = await connect(sessionSpec(), { type: 'session' }, { config: { ...user, username: 'someone-else' } });
    expect((await get(other)).ok).toBe(false);
    expect(logins(p)).toHaveLength(2);

    const tokenPattern = /st-[A-Za-z0-9_-]{24}/;
    for (const entry of await readdir(path.join(dir, '.sluice'), { withFileTypes: true, recursive: true })) {
      if (!entry.isFile()) continue;
      const bytes = await readFile(path.join(entry.parentPath, entry.name));
      expect(tokenPattern.test(bytes.toString('latin1')), `${entry.name} holds a session token`).toBe(false);
      expect(bytes.includes(Buffer.from(user.password)), `${entry.name} holds the password`).toBe(false);
    }
  });

  it('sends the token in a query parameter when asked, masked in every output', async () => {
    const p = await start({ session: { password: user.password } });
    const redactor = new Redactor();
    const http = await connect(sessionSpec({}, { query_param: 'access_token' }), { type: 'session' }, { config: user, redactor });
    expect((await get(http)).ok).toBe(true);
    const applied = await http.auth.apply({ method: 'GET', url: `${p.url}/api/records?x=1`, headers: {} });
    const token = new URL(applied.url).searchParams.get('access_token')!;
    expect(token).toMatch(/^st-/);
    expect(applied.headers).toEqual({});
    expect(redactor.mask(applied.url)).toBe(`${p.url}/api/records?x=1&access_token=****`);
    expect(await http.curl({ method: 'GET', url: `${p.url}/api/records`, headers: {} })).not.toContain(token);
  });

  it('says the login was refused, with the API\'s words and never the password', async () => {
    await start({ session: { password: 'the-right-password' } });
    const http = await connect(sessionSpec(), { type: 'session' }, { config: user });
    const outcome = await get(http);
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error).toBe(
      'the login of connection "api" was refused: HTTP 401: {"error":"invalid_credentials","error_description":"the user name or password is wrong"}',
    );
    expect(outcome.error).not.toContain(user.password);
  });

  it('refuses a login path that renders to another origin, before sending anything', async () => {
    const p = await start();
    const other = await startOAuthProvider();
    try {
      const spec = sessionSpec({ path: '{{ config.username }}/login' });
      await expect(connect(spec, { type: 'session' }, { config: { username: other.url, password: 'x' } })).rejects.toThrow(
        `the login of connection "api" goes to ${other.url}, not the connection's origin ${p.url}: a login is sent only there`,
      );
      expect(other.requests).toEqual([]);
    } finally {
      await other.close();
    }
  });
});

describe('auth: jwt', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = (key: typeof rsa.privateKey) => key.export({ type: 'pkcs8', format: 'pem' }) as string;
  const jwtSpec = (more: Record<string, unknown> = {}) => ({
    config: { provider: { type: 'string', required: true }, client_email: { type: 'string' } },
    auth: {
      type: 'jwt',
      claims: { iss: '{{ config.client_email }}', scope: 'records.read', aud: '{{ config.provider }}/token' },
      token_url: '{{ config.provider }}/token',
      ...more,
    },
  });
  const decode = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;

  it('exchanges a signed JWT at token_url (RFC 7523 jwt-bearer) and sends the access token', async () => {
    const p = await start({ jwtPublicKey: rsa.publicKey });
    const http = await connect(jwtSpec(), { type: 'jwt', private_key: pem(rsa.privateKey) }, { config: { client_email: 'reader@sandbox.iam' } });
    expect((await get(http)).ok).toBe(true);
    expect((await get(http)).ok).toBe(true);
    const exchanges = p.requests.filter((r) => r.endpoint === 'token');
    expect(exchanges).toHaveLength(1);
    expect(Object.keys(exchanges[0]!.params).sort()).toEqual(['assertion', 'grant_type']);
    expect(exchanges[0]!.params.grant_type).toBe('urn:ietf:params:oauth:grant-type:jwt-bearer');
    expect(exchanges[0]!.clientAuth).toBe('none');
    const claims = decode(exchanges[0]!.params.assertion!);
    expect(claims).toEqual({ iat: expect.any(Number), exp: (claims.iat as number) + 3600, iss: 'reader@sandbox.iam', scope: 'records.read', aud: `${p.url}/token` });
  });

  it('sends the signed JWT itself without token_url (ES256), numeric claims from now and exp', async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const p = await start({ jwtPublicKey: ec.publicKey });
    const spec = jwtSpec({ token_url: undefined, algorithm: 'ES256', lifetime_seconds: 600, claims: { iss: 'me', aud: '{{ config.provider }}/', nbf: '{{ now | minus: 30 }}' } });
    const http = await connect(spec, { type: 'jwt', private_key: pem(ec.privateKey) });
    expect((await get(http)).ok).toBe(true);
    const sent = (await http.auth.apply({ method: 'GET', url: `${p.url}/api/records`, headers: {} })).headers.Authorization!;
    const claims = decode(sent.replace('Bearer ', ''));
    expect(claims.exp).toBe((claims.iat as number) + 600);
    expect(claims.nbf).toBe((claims.iat as number) - 30);
    expect(p.requests.filter((r) => r.endpoint === 'token')).toEqual([]);
  });

  it('names the key and the provider\'s refusal when the key is not the one the provider knows', async () => {
    const p = await start({ jwtPublicKey: rsa.publicKey });
    const wrong = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const http = await connect(jwtSpec(), { type: 'jwt', private_key: pem(wrong.privateKey) }, { config: { client_email: 'reader@sandbox.iam' } });
    const outcome = await get(http);
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error).toBe(
      'could not exchange the signed JWT of connection "api" for a token (signed with the key of connections.api.auth.private_key in sluice.yaml): ' +
        'the provider refused the grant (the code or refresh token is invalid, expired or revoked) (invalid_grant: Invalid JWT Signature.)',
    );
    expect(p.apiCalls.ok).toBe(0);
  });

  it('refuses a private key that is not PEM, or not of the algorithm, when the connection opens', async () => {
    await start({ jwtPublicKey: rsa.publicKey });
    const refusal = async (auth: ConnectionAuth, spec = jwtSpec()) =>
      connect(spec, auth).then(
        () => 'opened',
        (e: unknown) => (e instanceof ConfigError ? e.issues.map(formatConfigIssue).join('\n') : String(e)),
      );
    expect(await refusal({ type: 'jwt', private_key: 'not a key at all' })).toBe(
      'sluice.yaml: connections.api.auth.private_key: the private key of connection "api" is refused: it is not a PEM private key (expected text starting with -----BEGIN PRIVATE KEY-----)',
    );
    const broken = pem(rsa.privateKey).replace(/[A-Za-z]{20}/, 'x');
    expect(await refusal({ type: 'jwt', private_key: broken })).toBe(
      'sluice.yaml: connections.api.auth.private_key: the private key of connection "api" is refused: it could not be read as a PEM private key',
    );
    expect(await refusal({ type: 'jwt', private_key: pem(rsa.privateKey) }, jwtSpec({ algorithm: 'ES256' }))).toBe(
      'sluice.yaml: connections.api.auth.private_key: the private key of connection "api" is refused: ES256 needs an EC (P-256) key, this one is rsa',
    );
    expect(await refusal({ type: 'jwt' })).toBe(
      'sluice.yaml: connections.api.auth.private_key: the connector signs a JWT and needs a private key: give auth: { type: jwt, private_key: "${secret:NAME}" }',
    );
  });
});

describe('auth: api_key with several keys', () => {
  const keys = ['key-one-000001', 'key-two-000002', 'key-three-0003'];
  const keySpec = (more: Record<string, unknown> = {}) => ({ auth: { type: 'api_key', in: 'header', name: 'X-Api-Key', per_key_requests_per_second: 20, ...more } });

  it('uses the keys in turn, each within its own requests per second', async () => {
    const p = await start({ apiKeys: keys });
    const http = await connect(keySpec(), { type: 'api_key', keys });
    for (let i = 0; i < 12; i++) expect((await get(http)).ok).toBe(true);
    expect(keys.map((k) => p.apiKeyCalls.get(k)?.length)).toEqual([4, 4, 4]);
    for (const key of keys) {
      const times = p.apiKeyCalls.get(key)!;
      // 20 a second: each key's 4 requests leave 50 ms apart, so they span 150 ms at least (arrivals may lag their
      // slot by a few ms; without the budget the 12 requests take about 20 ms on loopback).
      expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(130);
    }
  });

  it.each([401, 403] as const)('skips a key answered %i for the rest of the run, warning with its position only', async (status) => {
    const p = await start({ apiKeys: keys, refusedKeyStatus: status });
    const warnings: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((text) => {
      warnings.push(String(text));
      return true;
    });
    // A 403 is a refused key only where the connector says so (by default it rejects the row).
    const responses = status === 403 ? [{ when: 'response.status == 403', action: 'refresh_auth' }] : [];
    const http = await connect({ ...keySpec(), responses }, { type: 'api_key', keys });
    p.revokeApiKey(keys[1]!);
    const outcomes = [];
    for (let i = 0; i < 9; i++) outcomes.push(await get(http));
    expect(outcomes.map((o) => o.ok)).toEqual(Array(9).fill(true));
    expect(p.apiCalls.unauthorized).toBe(1);
    expect(p.apiKeyCalls.get(keys[1]!)).toBeUndefined();
    expect((p.apiKeyCalls.get(keys[0]!)?.length ?? 0) + (p.apiKeyCalls.get(keys[2]!)?.length ?? 0)).toBe(9);
    expect(warnings).toEqual(['warning: connection "api": API key 2 of 3 was refused (401/403); it is skipped for the rest of the run (2 left)\n']);
    expect(warnings.join('')).not.toContain(keys[1]);
  });

  it('fails plainly once every key is refused, and keeps the single key form working', async () => {
    const p = await start({ apiKeys: [keys[0]!] });
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const two = await connect(keySpec(), { type: 'api_key', keys: ['revoked-key-01', 'revoked-key-02'] });
    // The first request tries both keys (a refusal, then the retry with the other key); the next finds none left.
    const first = await get(two);
    expect(first.ok ? 'ok' : first.error).toBe('401 Unauthorized: the API refused the credential even after renewing it: the API key is unknown or revoked');
    const next = await get(two);
    expect(next.ok ? 'ok' : next.error).toBe('every API key of connection "api" was refused (401/403): check keys 1 to 2');
    const single = await connect(keySpec({ per_key_requests_per_second: undefined }), { type: 'api_key', key: keys[0]! });
    expect((await get(single)).ok).toBe(true);
    expect(p.apiKeyCalls.get(keys[0]!)).toHaveLength(1);
  });
});

describe('auth: oauth2 client_auth and pkce', () => {
  const credentials: ConnectionAuth = { type: 'oauth2', client_id: 'sandbox-client', client_secret: 'sandbox-secret' };
  const engine = createTemplateEngine();
  const renderFor = (p: OAuthProvider) => (t: string) => engine.render(t, { config: { provider: p.url } });

  it('rotates the refresh token with Basic client auth: two refreshes, each with the newest refresh token', async () => {
    const p = await start({ rotateRefreshTokens: true });
    const render = renderFor(p);
    const kind = sandboxOAuth2Kind({ client_auth: 'basic' });
    const first = await authorizeWithSandbox({ kind, credentials, connectionName: 'crm', render, store });
    const auth = await createOAuth2Auth({ kind, credentials, connectionName: 'crm', store, render });
    const stored = async () => oauth2TokenSchema.parse(JSON.parse((await store.getSecret('oauth:crm'))!)).refresh_token;

    // Each refresh is for a request refused with the token then current (as HttpClient reports a 401).
    const refused = () => auth.apply({ method: 'GET', url: `${p.url}/api/records`, headers: {} });
    p.expireAccessTokens();
    await auth.refresh(await refused());
    const second = await stored();
    p.expireAccessTokens();
    await auth.refresh(await refused());
    const third = await stored();

    const refreshes = p.requests.filter((r) => r.endpoint === 'token' && r.params.grant_type === 'refresh_token');
    expect(refreshes.map((r) => r.params.refresh_token)).toEqual([first.refresh_token, second]);
    expect(new Set([first.refresh_token, second, third]).size).toBe(3);
    // RFC 6749 §2.3.1: the client in the Basic header (form-encoded first), never in the body.
    const basic = `Basic ${Buffer.from('sandbox%2Dclient:sandbox%2Dsecret').toString('base64')}`;
    expect(refreshes.map((r) => [r.clientAuth, r.authorization, r.params.client_secret])).toEqual([
      ['client_secret_basic', basic, undefined],
      ['client_secret_basic', basic, undefined],
    ]);
    // The replaced refresh token is dead at the provider: only the stored one works.
    const replay = await fetch(`${p.url}/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: basic },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: second! }).toString(),
    });
    expect([replay.status, await replay.json()]).toEqual([400, { error: 'invalid_grant', error_description: 'expired access/refresh token' }]);
  });

  it('PKCE: the sandbox checks the verifier; a wrong one surfaces as a clear invalid_grant', async () => {
    const p = await start();
    const render = renderFor(p);
    const kind = sandboxOAuth2Kind({ pkce: true, client_auth: 'body' });
    const public_client: ConnectionAuth = { type: 'oauth2', client_id: 'sandbox-client', client_secret: 'sandbox-secret' };
    const redirectUri = 'http://127.0.0.1:9/cb';
    const pending = await startAuthorization({ kind, credentials: public_client, connectionName: 'crm', render, redirectUri });
    const location = (await fetch(pending.url, { redirect: 'manual' })).headers.get('location')!;
    const tampered = { ...pending, codeVerifier: `${pending.codeVerifier!.slice(0, -4)}AAAA` };
    await expect(completeAuthorization({ kind, credentials: public_client, connectionName: 'crm', render, callbackUrl: location, pending: tampered, store })).rejects.toThrow(
      'the provider refused the grant (the code or refresh token is invalid, expired or revoked) (invalid_grant: the code verifier does not match the challenge)',
    );
    expect(await store.getSecret('oauth:crm')).toBeNull();

    // The right verifier, on a fresh code, is accepted.
    const again = await startAuthorization({ kind, credentials: public_client, connectionName: 'crm', render, redirectUri });
    const next = (await fetch(again.url, { redirect: 'manual' })).headers.get('location')!;
    await completeAuthorization({ kind, credentials: public_client, connectionName: 'crm', render, callbackUrl: next, pending: again, store });
    const exchange = p.requests.filter((r) => r.endpoint === 'token').at(-1)!;
    expect(exchange.params.code_verifier).toBe(again.codeVerifier);
    expect(exchange.clientAuth).toBe('client_secret_post');
  });
});
