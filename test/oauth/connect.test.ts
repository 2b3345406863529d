import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { startOAuthProvider, type OAuthProvider, type OAuthProviderOptions } from '../../sandbox/oauth-provider/oauth-provider.js';
import { runConnect } from '../../src/cli/commands/connect.js';
import { main } from '../../src/cli/main.js';
import { oauth2TokenSchema } from '../../src/connectors/auth/oauth2-token-store.js';
import { openStateStore } from '../../src/state/open-state-store.js';
import { Capture } from '../support/capture.js';
import { oauthProviderConnector } from './oauth-provider-connector.js';

let provider: OAuthProvider | undefined;
let dir: string | undefined;

afterEach(async () => {
  await provider?.close();
  provider = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** `runConnect` with a redirect URI that is not on loopback: the user pastes the callback's address on stdin. */
function connectByPasting(dir: string) {
  const stdout = new Capture();
  const stderr = new Capture();
  const stdin = new PassThrough();
  const exit = runConnect(
    { name: 'sandbox', redirectUri: 'https://app.example.com/oauth/callback', browser: false },
    { project: dir, json: false, stdout, stderr, stdin },
  );
  return { stdout, stderr, stdin, exit };
}

/** A project whose `sandbox` connection uses a connector pointing at the sandbox OAuth provider. */
async function project(options: OAuthProviderOptions = {}, auth = 'auth: { type: oauth2, client_id: sandbox-client, client_secret: sandbox-secret }') {
  provider = await startOAuthProvider(options);
  dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-connect-'));
  await mkdir(path.join(dir, 'connectors'));
  await writeFile(
    path.join(dir, 'connectors', 'sandbox.yaml'),
    oauthProviderConnector({ name: 'sandbox', scopes: 'records.read, records.write' }),
  );
  await writeFile(
    path.join(dir, 'sluice.yaml'),
    [
      'version: 1',
      'connections:',
      '  sandbox:',
      '    type: http',
      '    connector: ./connectors/sandbox.yaml',
      `    config: { provider: "${provider.url}" }`,
      `    ${auth}`,
      '  warehouse: { type: duckdb }',
      '',
    ].join('\n'),
  );
  return { provider, dir };
}

async function storedToken(projectDir: string) {
  const store = await openStateStore({ state: '.sluice', projectDir, env: {} });
  try {
    const text = await store.getSecret('oauth:sandbox');
    return text === null ? null : oauth2TokenSchema.parse(JSON.parse(text));
  } finally {
    await store.close();
  }
}

const urlPattern = /(http:\/\/127\.0\.0\.1:\d+\/authorize\?\S+)/;

describe('sluice connect', () => {
  it('prints the authorization URL, catches the loopback callback and stores the tokens encrypted', async () => {
    const { provider, dir } = await project();
    const stdout = new Capture();
    const stderr = new Capture();
    const exit = main(['node', 'sluice', '--project', dir, 'connect', 'sandbox', '--no-browser', '--port', '0'], { stdout, stderr });

    const [, url] = await stdout.waitFor(urlPattern);
    const page = await fetch(url!); // the provider approves and redirects the "browser" to the callback
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Connected. You can close this tab');
    expect(await exit).toBe(0);
    expect(stdout.text).toMatch(/^connected: sandbox \(token expires in 1 hour\)$/m);
    expect(stderr.text).toBe('');

    const [authorize, token] = provider.requests;
    const redirectUri = authorize?.params.redirect_uri;
    expect(redirectUri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/oauth\/callback$/);
    expect(stdout.text).toContain(`Waiting for the provider to redirect to ${redirectUri}`);
    expect(authorize?.params).toMatchObject({ response_type: 'code', client_id: 'sandbox-client', scope: 'records.read records.write' });
    expect(token?.params).toEqual({
      grant_type: 'authorization_code',
      client_id: 'sandbox-client',
      client_secret: 'sandbox-secret',
      code: expect.any(String),
      redirect_uri: redirectUri,
    });

    const stored = await storedToken(dir);
    expect(stored?.access_token).toMatch(/^at-/);
    expect(stored?.refresh_token).toMatch(/^rt-/);
    expect(stdout.text).not.toContain(stored!.access_token);
    expect(stdout.text).not.toContain('sandbox-secret');
    for (const file of await readdir(path.join(dir, '.sluice'))) {
      const bytes = await readFile(path.join(dir, '.sluice', file));
      expect(bytes.includes(Buffer.from(stored!.access_token)), file).toBe(false);
    }
  });

  it('answers --json with the result only on stdout', async () => {
    const { dir } = await project({ tokenLifetimeSeconds: 1800 });
    const stdout = new Capture();
    const stderr = new Capture();
    const exit = main(['node', 'sluice', '--project', dir, '--json', 'connect', 'sandbox', '--no-browser', '--port', '0'], { stdout, stderr });
    const [, url] = await stderr.waitFor(urlPattern);
    await (await fetch(url!)).text();
    expect(await exit).toBe(0);
    expect(JSON.parse(stdout.text)).toEqual({ ok: true, connection: 'sandbox', expires_in: 1800 });
  });

  it('exits 1 with plain words when the authorization is declined, storing nothing', async () => {
    const { dir } = await project({ autoApprove: false });
    const stdout = new Capture();
    const stderr = new Capture();
    const exit = main(['node', 'sluice', '--project', dir, 'connect', 'sandbox', '--no-browser', '--port', '0'], { stdout, stderr });
    const [, url] = await stdout.waitFor(urlPattern);
    const page = await fetch(url!);
    expect(page.status).toBe(400);
    expect(await page.text()).toContain('The connection failed: the authorization was declined at the provider');
    expect(await exit).toBe(1);
    expect(stderr.text).toBe('error: the authorization was declined at the provider (access_denied: The user declined the authorization)\n');
    expect(await storedToken(dir)).toBeNull();
  });

  it('exits 1 naming the refused client when the secret is wrong', async () => {
    const { dir } = await project({}, 'auth: { type: oauth2, client_id: sandbox-client, client_secret: wrong-secret }');
    const stdout = new Capture();
    const stderr = new Capture();
    const exit = main(['node', 'sluice', '--project', dir, 'connect', 'sandbox', '--no-browser', '--port', '0'], { stdout, stderr });
    const [, url] = await stdout.waitFor(urlPattern);
    await (await fetch(url!)).text();
    expect(await exit).toBe(1);
    expect(stderr.text).toBe('error: the provider refused the client id or secret (invalid_client: client authentication failed)\n');
    expect(stderr.text).not.toContain('wrong-secret');
  });

  it('with a registered redirect URI elsewhere, reads the pasted redirected URL', async () => {
    const { provider, dir } = await project();
    const { stdout, stdin, exit } = connectByPasting(dir);
    const [, url] = await stdout.waitFor(urlPattern);
    const redirect = await fetch(url!, { redirect: 'manual' });
    const location = redirect.headers.get('location')!;
    expect(location.startsWith('https://app.example.com/oauth/callback?')).toBe(true);
    await stdout.waitFor(/paste the address/);
    stdin.write(`  ${location}\n`);
    expect(await exit).toBe(0);
    expect(provider.requests[1]?.params.redirect_uri).toBe('https://app.example.com/oauth/callback');
    expect((await storedToken(dir))?.access_token).toMatch(/^at-/);
  });

  it('refuses a pasted callback whose state does not match', async () => {
    const { dir } = await project();
    const { stdout, stderr, stdin, exit } = connectByPasting(dir);
    const [, url] = await stdout.waitFor(urlPattern);
    const location = new URL((await fetch(url!, { redirect: 'manual' })).headers.get('location')!);
    location.searchParams.set('state', 'from-another-tab');
    stdin.write(`${location.href}\n`);
    expect(await exit).toBe(1);
    expect(stderr.text).toBe("error: the callback's state does not match: possible CSRF or a stale browser tab; run sluice connect again\n");
    expect(await storedToken(dir)).toBeNull();
  });

  it('exits 2 for a connection that is not an OAuth connection', async () => {
    const { dir } = await project();
    const stdout = new Capture();
    const stderr = new Capture();
    expect(await main(['node', 'sluice', '--project', dir, 'connect', 'warehouse', '--no-browser'], { stdout, stderr })).toBe(2);
    expect(stderr.text).toBe('error: connection "warehouse" is a duckdb connection: only HTTP connections use OAuth\n');
    expect(await main(['node', 'sluice', '--project', dir, 'connect', 'nope', '--no-browser'], { stdout, stderr })).toBe(2);
    expect(stderr.text).toContain('error: no connection named "nope"');
  });
});
