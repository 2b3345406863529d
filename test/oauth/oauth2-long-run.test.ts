import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { startOAuthProvider, type OAuthProvider } from '../../sandbox/oauth-provider/oauth-provider.js';
import { connectorSpecSchema } from '../../src/config/connector-schema.js';
import type { ConnectionAuth } from '../../src/config/project-schema.js';
import { createOAuth2Auth } from '../../src/connectors/auth/oauth2-auth.js';
import { createTemplateEngine } from '../../src/connectors/template-engine.js';
import { classifyResponse } from '../../src/http/classify-response.js';
import { HttpClient } from '../../src/http/http-client.js';
import { Redactor } from '../../src/log/redactor.js';
import { openStateStore } from '../../src/state/open-state-store.js';
import type { StateStore } from '../../src/state/state-store.js';
import { authorizeWithSandbox } from './authorize-with-sandbox.js';
import { sandboxOAuth2Kind } from './sandbox-connector.js';

let provider: OAuthProvider | undefined;
let store: StateStore | undefined;
let client: HttpClient | undefined;
let dir: string | undefined;

afterEach(async () => {
  await client?.close();
  await provider?.close();
  await store?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('delivers 500 single-record requests across 1-second rotating tokens with zero failures', async () => {
  provider = await startOAuthProvider({ tokenLifetimeSeconds: 1, rotateRefreshTokens: true });
  dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-oauth-run-'));
  store = await openStateStore({ state: '.sluice', projectDir: dir, env: {} });
  const engine = createTemplateEngine();
  const url = provider.url;
  const render = (t: string) => engine.render(t, { config: { provider: url } });
  const credentials: ConnectionAuth = { type: 'oauth2', client_id: 'sandbox-client', client_secret: 'sandbox-secret' };
  const kind = sandboxOAuth2Kind();
  await authorizeWithSandbox({ kind, credentials, connectionName: 'crm', render, store });

  const redactor = new Redactor();
  const auth = await createOAuth2Auth({ kind, credentials, connectionName: 'crm', store, render, redactor });
  const spec = connectorSpecSchema.parse({ name: 'sandbox', base_url: url, rate_limit: { concurrency: 8, requests_per_second: 170 } });
  client = new HttpClient({ rateLimit: spec.rate_limit, retry: spec.retry, timeouts: spec.timeouts, allowedOrigin: url, redactor });
  const classify = (response: Parameters<typeof classifyResponse>[0]) => classifyResponse(response, [], () => false);

  const started = Date.now();
  const outcomes = await Promise.all(
    Array.from({ length: 500 }, (_, i) =>
      client!.send(
        { method: 'POST', url: `${url}/api/records`, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ n: i }) },
        { classify, auth },
      ),
    ),
  );
  const elapsed = Date.now() - started;

  const failures = outcomes.filter((o) => !o.ok).map((o) => (o.ok ? '' : o.error));
  expect(failures).toEqual([]);
  expect(provider.records).toHaveLength(500);
  expect(new Set(provider.records.map((r) => (r as { n: number }).n)).size).toBe(500);
  expect(elapsed).toBeGreaterThan(2_500); // the run really spanned several token lifetimes
  const refreshes = provider.requests.filter((r) => r.params.grant_type === 'refresh_token');
  expect(refreshes.length).toBeGreaterThanOrEqual(3);
  // Each refresh used the refresh token the previous one rotated in: none was reused or lost.
  expect(new Set(refreshes.map((r) => r.params.refresh_token)).size).toBe(refreshes.length);
});
