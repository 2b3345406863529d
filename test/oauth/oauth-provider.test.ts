import { afterEach, expect, it } from 'vitest';
import { startOAuthProvider, type OAuthProvider } from '../../sandbox/oauth-provider/oauth-provider.js';

let provider: OAuthProvider | undefined;
afterEach(async () => {
  await provider?.close();
  provider = undefined;
});

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});
const client = { client_id: 'sandbox-client', client_secret: 'sandbox-secret' };

async function code(p: OAuthProvider, redirectUri = 'http://127.0.0.1:9/cb'): Promise<string> {
  const res = await fetch(`${p.url}/authorize?response_type=code&client_id=sandbox-client&redirect_uri=${encodeURIComponent(redirectUri)}&state=s1`, {
    redirect: 'manual',
  });
  const location = new URL(res.headers.get('location')!);
  expect(location.searchParams.get('state')).toBe('s1');
  return location.searchParams.get('code')!;
}

it('answers token requests as RFC 6749 says: single-use codes, matching redirect_uri, no-store', async () => {
  provider = await startOAuthProvider();
  const first = await code(provider);
  const ok = await fetch(`${provider.url}/token`, form({ grant_type: 'authorization_code', code: first, redirect_uri: 'http://127.0.0.1:9/cb', ...client }));
  expect(ok.status).toBe(200);
  expect(ok.headers.get('cache-control')).toBe('no-store');
  expect(await ok.json()).toMatchObject({ token_type: 'Bearer', expires_in: 3600, access_token: expect.any(String), refresh_token: expect.any(String) });

  const reused = await fetch(`${provider.url}/token`, form({ grant_type: 'authorization_code', code: first, redirect_uri: 'http://127.0.0.1:9/cb', ...client }));
  expect(reused.status).toBe(400);
  expect(((await reused.json()) as { error: string }).error).toBe('invalid_grant');

  const other = await code(provider);
  const mismatch = await fetch(`${provider.url}/token`, form({ grant_type: 'authorization_code', code: other, redirect_uri: 'http://127.0.0.1:9/else', ...client }));
  expect(await mismatch.json()).toEqual({ error: 'invalid_grant', error_description: 'redirect_uri does not match' });

  const unknown = await fetch(`${provider.url}/token`, form({ grant_type: 'password', ...client }));
  expect(((await unknown.json()) as { error: string }).error).toBe('unsupported_grant_type');
});

it('answers a bad client with 401 invalid_client, challenging Basic only when Basic was used', async () => {
  provider = await startOAuthProvider();
  const post = await fetch(`${provider.url}/token`, form({ grant_type: 'client_credentials', client_id: 'sandbox-client', client_secret: 'x' }));
  expect(post.status).toBe(401);
  expect(post.headers.get('www-authenticate')).toBeNull();
  expect(((await post.json()) as { error: string }).error).toBe('invalid_client');
  const basic = await fetch(`${provider.url}/token`, {
    ...form({ grant_type: 'client_credentials' }),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: `Basic ${Buffer.from('sandbox-client:x').toString('base64')}` },
  });
  expect(basic.status).toBe(401);
  expect(basic.headers.get('www-authenticate')).toBe('Basic realm="sandbox"');
});

it('does not redirect to an unknown client, and protects its API per RFC 6750', async () => {
  provider = await startOAuthProvider({ tokenLifetimeSeconds: 1 });
  const bad = await fetch(`${provider.url}/authorize?response_type=code&client_id=evil&redirect_uri=http://evil.example/cb`, { redirect: 'manual' });
  expect(bad.status).toBe(400);
  expect(bad.headers.get('location')).toBeNull();

  const none = await fetch(`${provider.url}/api/records`);
  expect(none.status).toBe(401);
  expect(none.headers.get('www-authenticate')).toBe('Bearer realm="sandbox"');

  const token = (await (await fetch(`${provider.url}/token`, form({ grant_type: 'client_credentials', ...client }))).json()) as { access_token: string };
  const posted = await fetch(`${provider.url}/api/records`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token.access_token}`, 'Content-Type': 'application/json' },
    body: '{"name":"Jane"}',
  });
  expect(posted.status).toBe(201);
  expect(await (await fetch(`${provider.url}/_sandbox/records`)).json()).toEqual({ records: [{ name: 'Jane' }] });

  await new Promise((r) => setTimeout(r, 1050));
  const expired = await fetch(`${provider.url}/api/records`, { headers: { Authorization: `Bearer ${token.access_token}` } });
  expect(expired.status).toBe(401);
  expect(expired.headers.get('www-authenticate')).toBe('Bearer realm="sandbox", error="invalid_token", error_description="The access token expired"');
});
