import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOAuthProvider, type OAuthProvider } from '../../sandbox/oauth-provider/oauth-provider.js';
import { oauth2TokenSchema } from '../../src/connectors/auth/oauth2-token-store.js';
import { createServer, type SluiceServer } from '../../src/server/create-server.js';
import { oauthProviderConnector } from '../oauth/oauth-provider-connector.js';

const TOKEN = 'oauth-test-api-token-3b9d';
const CLIENT_SECRET = 'client-secret-c0ffee42';

let provider: OAuthProvider;
let refusing: OAuthProvider;
let server: SluiceServer;
let dir: string;
let base: string;
const auth = { authorization: `Bearer ${TOKEN}` };

beforeAll(async () => {
  provider = await startOAuthProvider({ clientSecret: CLIENT_SECRET });
  refusing = await startOAuthProvider({ clientSecret: CLIENT_SECRET, autoApprove: false });
  dir = await mkdtemp(join(tmpdir(), 'sluice-server-oauth-'));
  await mkdir(join(dir, 'connectors'));
  await writeFile(
    join(dir, 'connectors', 'sandbox.yaml'),
    oauthProviderConnector({ name: 'sandbox', scopes: 'records.read' }),
  );
  const connection = (name: string, url: string) =>
    `  ${name}:\n    type: http\n    connector: ./connectors/sandbox.yaml\n    config: { provider: "${url}" }\n    auth: { type: oauth2, client_id: sandbox-client, client_secret: ${CLIENT_SECRET} }\n`;
  await writeFile(join(dir, 'sluice.yaml'), `version: 1\nconnections:\n${connection('crm', provider.url)}${connection('declined', refusing.url)}`);
  server = await createServer({ project: dir, token: TOKEN, env: { ...process.env, SLUICE_SECRET_KEY: '', SLUICE_ALLOWED_HOSTS: '127.0.0.1' } });
  await server.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await server?.close();
  await provider?.close();
  await refusing?.close();
  await rm(dir, { recursive: true, force: true });
});

const bodies: string[] = [];
async function call(method: string, path: string): Promise<any> {
  const response = await fetch(base + path, { method, headers: auth });
  const text = await response.text();
  bodies.push(text);
  return JSON.parse(text);
}

/** What a browser does with the authorization URL: the provider approves and redirects to our callback. */
async function approve(url: string): Promise<string> {
  const response = await fetch(url, { redirect: 'manual' });
  expect(response.status, await response.clone().text()).toBe(302);
  return response.headers.get('location')!;
}

describe('OAuth from the browser', () => {
  it('authorizes a connection: authorize URL, provider redirect, callback page, tokens stored', async () => {
    expect((await call('GET', '/api/connections')).find((c: { name: string }) => c.name === 'crm')).toEqual({
      name: 'crm', type: 'http', connector: './connectors/sandbox.yaml', authType: 'oauth2', authorized: false,
    });
    const started = await call('POST', '/api/connections/crm/authorize');
    expect(started.redirectUri).toBe(`${base}/oauth/callback`);
    const url = new URL(started.url);
    expect(url.origin + url.pathname).toBe(`${provider.url}/authorize`);
    expect(url.searchParams.get('redirect_uri')).toBe(`${base}/oauth/callback`);

    const callback = await approve(started.url);
    expect(callback.startsWith(`${base}/oauth/callback?`)).toBe(true);
    const page = await fetch(callback); // the browser has no API token
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<h1>Connected crm</h1>');
    expect(html).toContain('href="/connections/crm"');

    expect((await call('GET', '/api/connections')).find((c: { name: string }) => c.name === 'crm').authorized).toBe(true);
    const stored = oauth2TokenSchema.parse(JSON.parse((await getStoredToken()) ?? '{}'));
    expect(stored.access_token).toMatch(/^at-/);
    expect(provider.requests.filter((r) => r.endpoint === 'token').map((r) => r.params.redirect_uri)).toEqual([`${base}/oauth/callback`]);

    // The same callback twice: the state was used up.
    const replay = await fetch(callback);
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain('unknown or has expired');
  });

  it('shows the provider\'s refusal in plain words, and stores nothing', async () => {
    const started = await call('POST', '/api/connections/declined/authorize');
    const page = await fetch(await approve(started.url));
    expect(page.status).toBe(400);
    const html = await page.text();
    expect(html).toContain('<h1>Could not connect declined</h1>');
    expect(html).toMatch(/access_denied|declined the authorization/);
    expect((await call('GET', '/api/connections')).find((c: { name: string }) => c.name === 'declined').authorized).toBe(false);
  });

  it('refuses to authorize a connection that has no OAuth', async () => {
    const response = await fetch(`${base}/api/connections/nope/authorize`, { method: 'POST', headers: auth });
    expect(response.status).toBe(404);
  });

  it('never shows the client secret or a token in an API answer', async () => {
    const token = await getStoredToken();
    const { access_token, refresh_token } = JSON.parse(token!) as { access_token: string; refresh_token: string };
    bodies.push(JSON.stringify(await call('GET', '/api/connections/crm')));
    for (const body of bodies) {
      expect(body).not.toContain(CLIENT_SECRET);
      expect(body).not.toContain(access_token);
      expect(body).not.toContain(refresh_token);
    }
  });
});

async function getStoredToken(): Promise<string | null> {
  const { openStateStore } = await import('../../src/state/open-state-store.js');
  const store = await openStateStore({ state: '.sluice', projectDir: dir, env: {} });
  try {
    return await store.getSecret('oauth:crm');
  } finally {
    await store.close();
  }
}
