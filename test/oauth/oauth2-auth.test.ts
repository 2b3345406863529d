import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startOAuthProvider, type OAuthProvider, type OAuthProviderOptions } from '../../sandbox/oauth-provider/oauth-provider.js';
import type { ConnectionAuth } from '../../src/config/project-schema.js';
import type { Auth } from '../../src/http/auth.js';
import type { HttpRequest } from '../../src/http/http-request.js';
import { createOAuth2Auth } from '../../src/connectors/auth/oauth2-auth.js';
import { startAuthorization } from '../../src/connectors/auth/oauth2-authorization.js';
import { createClientCredentialsAuth } from '../../src/connectors/auth/oauth2-client-credentials-auth.js';
import { oauth2TokenSchema } from '../../src/connectors/auth/oauth2-token-store.js';
import { createTemplateEngine } from '../../src/connectors/template-engine.js';
import { Redactor } from '../../src/log/redactor.js';
import { openStateStore } from '../../src/state/open-state-store.js';
import type { StateStore } from '../../src/state/state-store.js';
import { authorizeWithSandbox } from './authorize-with-sandbox.js';
import { sandboxClientCredentialsKind, sandboxOAuth2Kind } from './sandbox-connector.js';

const credentials: ConnectionAuth = { type: 'oauth2', client_id: 'sandbox-client', client_secret: 'sandbox-secret' };
const engine = createTemplateEngine();

let dir: string;
let store: StateStore;
let provider: OAuthProvider | undefined;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-oauth-'));
  store = await openStateStore({ state: '.sluice', projectDir: dir, env: {} });
});

afterEach(async () => {
  await provider?.close();
  provider = undefined;
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

async function start(options: OAuthProviderOptions = {}) {
  provider = await startOAuthProvider(options);
  const url = provider.url;
  return { provider, render: (t: string) => engine.render(t, { config: { provider: url } }) };
}

/** Sends one request to the sandbox API the way the HTTP client does: apply, send, on 401 refresh and retry once. */
async function callApi(auth: Auth, url: string, options: { passFailed?: boolean; body?: unknown } = {}): Promise<number> {
  const request: HttpRequest = {
    method: options.body === undefined ? 'GET' : 'POST',
    url: `${url}/api/records`,
    headers: { 'Content-Type': 'application/json' },
    body: options.body === undefined ? null : JSON.stringify(options.body),
  };
  const send = async () => {
    const applied = await auth.apply(request);
    const res = await fetch(applied.url, { method: applied.method, headers: applied.headers, body: applied.body ?? undefined });
    await res.arrayBuffer();
    return { status: res.status, applied };
  };
  const first = await send();
  if (first.status !== 401) return first.status;
  await auth.refresh(options.passFailed ? first.applied : undefined);
  return (await send()).status;
}

const tokenRequests = (p: OAuthProvider, grant: string) => p.requests.filter((r) => r.endpoint === 'token' && r.params.grant_type === grant);

describe('authorization code grant', () => {
  it('sends every parameter of the authorization and token requests (client_secret_post)', async () => {
    const { provider, render } = await start();
    const kind = sandboxOAuth2Kind({ authorization_params: { access_type: 'offline', prompt: 'consent' }, token_params: { audience: 'records' } });
    await authorizeWithSandbox({ kind, credentials, connectionName: 'crm', render, store });

    const [authorize, token] = provider.requests;
    expect(authorize?.endpoint).toBe('authorize');
    expect(authorize?.params).toEqual({
      response_type: 'code',
      client_id: 'sandbox-client',
      redirect_uri: 'http://127.0.0.1:9/oauth/callback',
      scope: 'records.read records.write',
      state: expect.stringMatching(/^[\w-]{20,}$/),
      access_type: 'offline',
      prompt: 'consent',
    });
    expect(token?.endpoint).toBe('token');
    expect(token?.clientAuth).toBe('client_secret_post');
    expect(token?.authorization).toBeUndefined();
    expect(token?.params).toEqual({
      grant_type: 'authorization_code',
      client_id: 'sandbox-client',
      client_secret: 'sandbox-secret',
      code: expect.stringMatching(/^code-/),
      redirect_uri: 'http://127.0.0.1:9/oauth/callback',
      audience: 'records',
    });
  });

  it('writes scopes with %20 in the authorization URL', async () => {
    const { render } = await start();
    const pending = await startAuthorization({
      kind: sandboxOAuth2Kind(),
      credentials,
      connectionName: 'crm',
      render,
      redirectUri: 'http://127.0.0.1:8765/oauth/callback',
    });
    expect(pending.url).toContain('&scope=records.read%20records.write&state=');
    expect(pending.url.startsWith(`${provider!.url}/authorize?response_type=code&client_id=sandbox-client&redirect_uri=`)).toBe(true);
  });

  it('authenticates with client_secret_basic when the connector says so, and refreshes the same way', async () => {
    const { provider, render } = await start({ tokenLifetimeSeconds: 3600 });
    const kind = sandboxOAuth2Kind({ client_auth: 'client_secret_basic' });
    await authorizeWithSandbox({ kind, credentials, connectionName: 'crm', render, store });
    const auth = await createOAuth2Auth({ kind, credentials, connectionName: 'crm', store, render });
    provider.expireAccessTokens();
    expect(await callApi(auth, provider.url, { passFailed: true })).toBe(200);

    // RFC 6749 §2.3.1: id and secret are form-urlencoded before base64 ("-" becomes %2D).
    const basic = `Basic ${Buffer.from('sandbox%2Dclient:sandbox%2Dsecret').toString('base64')}`;
    const [code] = tokenRequests(provider, 'authorization_code');
    expect(code?.clientAuth).toBe('client_secret_basic');
    expect(code?.authorization).toBe(basic);
    expect(code?.params).toEqual({ grant_type: 'authorization_code', code: expect.any(String), redirect_uri: 'http://127.0.0.1:9/oauth/callback' });
    const [refresh] = tokenRequests(provider, 'refresh_token');
    expect(refresh?.authorization).toBe(basic);
    expect(refresh?.params).toEqual({ grant_type: 'refresh_token', refresh_token: expect.stringMatching(/^rt-/) });
  });

  it('sends a PKCE S256 challenge and its verifier when pkce is on', async () => {
    const { provider, render } = await start();
    const kind = sandboxOAuth2Kind({ pkce: true });
    await authorizeWithSandbox({ kind, credentials, connectionName: 'crm', render, store });
    const [authorize, token] = provider.requests;
    expect(authorize?.params.code_challenge_method).toBe('S256');
    expect(authorize?.params.code_challenge).toMatch(/^[\w-]{43}$/);
    // The sandbox checked sha256(verifier) == challenge, or it would have answered invalid_grant.
    expect(token?.params.code_verifier).toMatch(/^[\w-]{43}$/);
  });

  it('stores the tokens encrypted: the access token never appears in the state files', async () => {
    const { render } = await start();
    const token = await authorizeWithSandbox({ kind: sandboxOAuth2Kind(), credentials, connectionName: 'crm', render, store });
    const stored = oauth2TokenSchema.parse(JSON.parse((await store.getSecret('oauth:crm'))!));
    expect(stored.access_token).toBe(token.access_token);
    expect(stored.refresh_token).toMatch(/^rt-/);
    expect(stored.token_type).toBe('Bearer');
    expect(stored.scope).toBe('records.read records.write');
    expect(Date.parse(stored.expires_at!) - Date.now()).toBeGreaterThan(3_500_000);

    const stateDir = path.join(dir, '.sluice');
    const files = await readdir(stateDir);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const bytes = await readFile(path.join(stateDir, file));
      expect(bytes.includes(Buffer.from(token.access_token)), file).toBe(false);
      expect(bytes.includes(Buffer.from(token.refresh_token!)), file).toBe(false);
    }
  });

  it('explains a declined authorization, a refused client and a state mismatch in plain words', async () => {
    const { render } = await start({ autoApprove: false });
    await expect(authorizeWithSandbox({ kind: sandboxOAuth2Kind(), credentials, connectionName: 'crm', render, store })).rejects.toThrow(
      /^the authorization was declined at the provider \(access_denied/,
    );
    await provider!.close();

    const second = await start();
    const wrong: ConnectionAuth = { type: 'oauth2', client_id: 'sandbox-client', client_secret: 'not-the-secret' };
    await expect(
      authorizeWithSandbox({ kind: sandboxOAuth2Kind(), credentials: wrong, connectionName: 'crm', render: second.render, store }),
    ).rejects.toThrow(/^the provider refused the client id or secret/);
    await expect(
      authorizeWithSandbox({
        kind: sandboxOAuth2Kind({ client_auth: 'client_secret_basic' }),
        credentials: wrong,
        connectionName: 'crm',
        render: second.render,
        store,
      }),
    ).rejects.toThrow(/^the provider refused the client id or secret/);

    const { completeAuthorization } = await import('../../src/connectors/auth/oauth2-authorization.js');
    const pending = await startAuthorization({ kind: sandboxOAuth2Kind(), credentials, connectionName: 'crm', render: second.render, redirectUri: 'http://127.0.0.1:9/cb' });
    await expect(
      completeAuthorization({
        kind: sandboxOAuth2Kind(),
        credentials,
        connectionName: 'crm',
        render: second.render,
        pending,
        callbackUrl: 'http://127.0.0.1:9/cb?code=abc&state=forged',
      }),
    ).rejects.toThrow("the callback's state does not match: possible CSRF or a stale browser tab; run sluice connect again");
    expect(await store.getSecret('oauth:crm')).toBeNull();
  });
});

describe('createOAuth2Auth', () => {
  it('says the connection is not authorized yet when no tokens are stored', async () => {
    const { render } = await start();
    const auth = await createOAuth2Auth({ kind: sandboxOAuth2Kind(), credentials, connectionName: 'crm', store, render });
    await expect(auth.apply({ method: 'GET', url: 'http://127.0.0.1:9/', headers: {} })).rejects.toThrow(
      'connection "crm" is not authorized yet: run `sluice connect crm`',
    );
  });

  it('puts the token in the configured header and scheme and lists its secrets', async () => {
    const { render } = await start();
    const kind = sandboxOAuth2Kind({ header: 'X-Access-Token', scheme: '' });
    const token = await authorizeWithSandbox({ kind, credentials, connectionName: 'crm', render, store });
    const redactor = new Redactor();
    const auth = await createOAuth2Auth({ kind, credentials, connectionName: 'crm', store, render, redactor });
    const request: HttpRequest = { method: 'GET', url: 'http://127.0.0.1:9/x', headers: { accept: 'application/json' } };
    const applied = await auth.apply(request);
    expect(applied.headers).toEqual({ accept: 'application/json', 'X-Access-Token': token.access_token });
    expect(request.headers).toEqual({ accept: 'application/json' });
    expect(auth.secrets().sort()).toEqual(['sandbox-secret', token.access_token, token.refresh_token!].sort());
    expect(redactor.mask(`token ${token.access_token} secret sandbox-secret`)).toBe('token **** secret ****');
    expect(auth.baseUrl()).toBeUndefined();
  });

  it('refreshes ahead of expiry with 1-second tokens, so no request meets an expired token', async () => {
    const { provider, render } = await start({ tokenLifetimeSeconds: 1 });
    const kind = sandboxOAuth2Kind();
    const first = await authorizeWithSandbox({ kind, credentials, connectionName: 'crm', render, store });
    const auth = await createOAuth2Auth({ kind, credentials, connectionName: 'crm', store, render });
    expect(await callApi(auth, provider.url)).toBe(200);
    expect(tokenRequests(provider, 'refresh_token')).toHaveLength(0);

    await new Promise((r) => setTimeout(r, 650)); // past half the lifetime, before expiry
    const applied = await auth.apply({ method: 'GET', url: `${provider.url}/api/records`, headers: {} });
    expect(applied.headers.Authorization).not.toBe(`Bearer ${first.access_token}`);
    const [refresh] = tokenRequests(provider, 'refresh_token');
    expect(refresh?.params).toEqual({
      grant_type: 'refresh_token',
      client_id: 'sandbox-client',
      client_secret: 'sandbox-secret',
      refresh_token: first.refresh_token,
    });
    expect(await callApi(auth, provider.url)).toBe(200);
    expect(provider.apiCalls).toEqual({ ok: 2, unauthorized: 0 });
  });

  it.each([
    ['with the failed request', true],
    ['without it (a refresh that just finished is shared)', false],
  ])('lets 20 concurrent requests that hit 401 share exactly one refresh, %s', async (_name, passFailed) => {
    const { provider, render } = await start();
    const kind = sandboxOAuth2Kind();
    await authorizeWithSandbox({ kind, credentials, connectionName: 'crm', render, store });
    const auth = await createOAuth2Auth({ kind, credentials, connectionName: 'crm', store, render });
    expect(await callApi(auth, provider.url)).toBe(200);
    provider.expireAccessTokens();

    const statuses = await Promise.all(Array.from({ length: 20 }, () => callApi(auth, provider.url, { passFailed })));
    expect(statuses).toEqual(Array(20).fill(200));
    expect(provider.apiCalls.unauthorized).toBe(20);
    expect(tokenRequests(provider, 'refresh_token')).toHaveLength(1);
  });

  it('stores a rotated refresh token before using the new access token; the next process refreshes with it', async () => {
    const { provider, render } = await start({ rotateRefreshTokens: true });
    const kind = sandboxOAuth2Kind();
    const first = await authorizeWithSandbox({ kind, credentials, connectionName: 'crm', render, store });
    const auth = await createOAuth2Auth({ kind, credentials, connectionName: 'crm', store, render });
    provider.expireAccessTokens();
    await auth.refresh();

    // The moment the new access token is handed out, the rotated refresh token is already stored.
    const applied = await auth.apply({ method: 'GET', url: `${provider.url}/api/records`, headers: {} });
    const stored = oauth2TokenSchema.parse(JSON.parse((await store.getSecret('oauth:crm'))!));
    expect(applied.headers.Authorization).toBe(`Bearer ${stored.access_token}`);
    expect(stored.refresh_token).not.toBe(first.refresh_token);
    expect(tokenRequests(provider, 'refresh_token')[0]?.params.refresh_token).toBe(first.refresh_token);

    // A later run (a fresh Auth from the store) refreshes with the rotated token, which the provider accepts.
    provider.expireAccessTokens();
    const later = await createOAuth2Auth({ kind, credentials, connectionName: 'crm', store, render });
    expect(await callApi(later, provider.url)).toBe(200);
    expect(tokenRequests(provider, 'refresh_token').map((r) => r.params.refresh_token)).toEqual([first.refresh_token, stored.refresh_token]);
  });

  it('stops with the reconnect message when the grant was revoked', async () => {
    const { provider, render } = await start();
    const kind = sandboxOAuth2Kind();
    await authorizeWithSandbox({ kind, credentials, connectionName: 'crm', render, store });
    const auth = await createOAuth2Auth({ kind, credentials, connectionName: 'crm', store, render });
    provider.revokeAll();
    const message = 'the OAuth grant of connection "crm" was revoked or expired: reconnect with `sluice connect crm`';
    await expect(auth.refresh()).rejects.toThrow(message);
    // Every waiting request gets the same answer, and a later attempt asks the provider again.
    const results = await Promise.allSettled([auth.refresh(), auth.refresh(), auth.refresh()]);
    expect(results.map((r) => (r.status === 'rejected' ? (r.reason as Error).message : 'ok'))).toEqual([message, message, message]);
    expect(tokenRequests(provider, 'refresh_token')).toHaveLength(2);
  });

  it('takes the base URL from a Salesforce-style token response (no expires_in, instance_url)', async () => {
    const { provider, render } = await start({ omitExpiresIn: true, instanceUrl: true });
    // Salesforce sends an id_token with the openid scope: Sluice is no OpenID client and must not choke on it.
    const kind = sandboxOAuth2Kind({ base_url_from: 'instance_url', scopes: ['api', 'refresh_token', 'openid'] });
    await authorizeWithSandbox({ kind, credentials, connectionName: 'sf', render, store });
    const stored = oauth2TokenSchema.parse(JSON.parse((await store.getSecret('oauth:sf'))!));
    expect(stored.expires_at).toBeNull();
    expect(stored.instance_url).toBe(provider.url);

    const auth = await createOAuth2Auth({ kind, credentials, connectionName: 'sf', store, render });
    expect(auth.baseUrl()).toBe(provider.url);
    // No expiry known: the token is used until the API refuses it, then refreshed once.
    expect(await callApi(auth, auth.baseUrl()!)).toBe(200);
    provider.expireAccessTokens();
    expect(await callApi(auth, auth.baseUrl()!, { passFailed: true })).toBe(200);
    expect(tokenRequests(provider, 'refresh_token')).toHaveLength(1);
    expect(auth.baseUrl()).toBe(provider.url);
  });
});

describe('createClientCredentialsAuth', () => {
  const ccCredentials: ConnectionAuth = { type: 'oauth2_client_credentials', client_id: 'sandbox-client', client_secret: 'sandbox-secret' };

  it('fetches a token on first use, again when it expires, and once for concurrent refreshes', async () => {
    const { provider, render } = await start({ tokenLifetimeSeconds: 1 });
    const kind = sandboxClientCredentialsKind({ scopes: ['records.write'], client_auth: 'client_secret_basic' });
    const auth = await createClientCredentialsAuth({ kind, credentials: ccCredentials, connectionName: 'svc', render });
    expect(tokenRequests(provider, 'client_credentials')).toHaveLength(0);

    const statuses = await Promise.all(Array.from({ length: 5 }, () => callApi(auth, provider.url)));
    expect(statuses).toEqual(Array(5).fill(200));
    const [grant] = tokenRequests(provider, 'client_credentials');
    expect(grant?.params).toEqual({ grant_type: 'client_credentials', scope: 'records.write' });
    expect(grant?.authorization).toBe(`Basic ${Buffer.from('sandbox%2Dclient:sandbox%2Dsecret').toString('base64')}`);
    expect(tokenRequests(provider, 'client_credentials')).toHaveLength(1);

    await new Promise((r) => setTimeout(r, 650));
    expect(await callApi(auth, provider.url)).toBe(200);
    expect(tokenRequests(provider, 'client_credentials')).toHaveLength(2);

    expect(provider.apiCalls.unauthorized).toBe(0);

    provider.expireAccessTokens();
    const retried = await Promise.all(Array.from({ length: 5 }, () => callApi(auth, provider.url, { passFailed: true })));
    expect(retried).toEqual(Array(5).fill(200));
    expect(provider.apiCalls.unauthorized).toBe(5);
    expect(tokenRequests(provider, 'client_credentials')).toHaveLength(3);
  });

  it('names the connection and the refusal when the client is wrong', async () => {
    const { render } = await start();
    const wrong: ConnectionAuth = { type: 'oauth2_client_credentials', client_id: 'sandbox-client', client_secret: 'nope-nope' };
    const auth = await createClientCredentialsAuth({ kind: sandboxClientCredentialsKind(), credentials: wrong, connectionName: 'svc', render });
    await expect(auth.apply({ method: 'GET', url: 'http://127.0.0.1:9/', headers: {} })).rejects.toThrow(
      /^could not get an OAuth token for connection "svc": the provider refused the client id or secret \(invalid_client/,
    );
  });
});

describe('a provider blip', () => {
  it('does not fail a run: a refresh answered 503 is retried', async () => {
    const { provider, render } = await start();
    const kind = sandboxOAuth2Kind();
    await authorizeWithSandbox({ kind, credentials, connectionName: 'crm', render, store });
    const auth = await createOAuth2Auth({ kind, credentials, connectionName: 'crm', store, render });
    provider.expireAccessTokens();
    provider.failTokenRequests(2);
    expect(await callApi(auth, provider.url, { passFailed: true })).toBe(200);
    expect(tokenRequests(provider, 'refresh_token')).toHaveLength(3);
  });
});
