// The whole OAuth flow through the built CLI: `sluice connect` against the sandbox provider, then a sync of 500
// single-record requests while access tokens live one second and refresh tokens rotate — zero failed rows.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOAuthProvider, type OAuthProvider } from '../../sandbox/oauth-provider/oauth-provider.js';
import { runSluice } from '../examples/run-command.js';
import { connectTracker, writeTrackerProject } from './tracker-cli-project.js';

describe('OAuth connection through the CLI', () => {
  let provider: OAuthProvider;
  let dir: string;
  beforeAll(async () => {
    // 20 ms per call at concurrency 8 keeps 500 records above 1.2 s, so the run outlives at least one token however fast we get.
    provider = await startOAuthProvider({ tokenLifetimeSeconds: 1, rotateRefreshTokens: true, apiLatencyMs: 20 });
    dir = await mkdtemp(join(tmpdir(), 'sluice-oauth-cli-'));
    const items = Array.from({ length: 500 }, (_, i): [number, string] => [i + 1, `item ${i + 1}`]);
    await writeTrackerProject(dir, provider.url, { items, concurrency: 8 });
  });
  afterAll(async () => {
    await provider.close();
    await rm(dir, { recursive: true, force: true });
  });

  const env = { ...process.env, TRACKER_SECRET: 'sandbox-secret', SLUICE_SECRET_KEY: '' };
  const sluice = (args: string[]) => runSluice(['--project', dir, ...args], { env });

  it('connects, then delivers 500 records across 1-second tokens with zero failed rows', async () => {
    // The provider auto-approves: following the printed URL redirects to the CLI's loopback callback.
    const connect = await connectTracker({ project: dir, env });
    expect(connect.stderr).toBe('');
    expect(connect.code).toBe(0);
    expect(connect.stdout).toContain('connected: tracker');
    const authorize = provider.requests.find((r) => r.endpoint === 'authorize');
    expect(authorize?.params).toMatchObject({ response_type: 'code', client_id: 'sandbox-client', scope: 'records.write' });

    const started = Date.now();
    const run = await sluice(['sync', 'run', 'records']);
    expect(run.stdout).toContain('delivered 500, failed 0');
    expect(run.code).toBe(0);
    expect(provider.records).toHaveLength(500);
    const refreshes = provider.requests.filter((r) => r.endpoint === 'token' && r.params.grant_type === 'refresh_token');
    expect(Date.now() - started).toBeGreaterThan(1000); // the run outlived at least one access token
    expect(refreshes.length).toBeGreaterThan(0);

    // No secret in plain text: not in the output, not in the state files (the provider's tokens look like at-… / rt-…).
    const tokenPattern = /\b(at|rt)-[A-Za-z0-9_-]{24}/;
    const outputs = connect.stdout + connect.stderr + run.stdout + run.stderr;
    expect(outputs).not.toContain('sandbox-secret');
    expect(tokenPattern.test(outputs)).toBe(false);
    for (const entry of await readdir(join(dir, '.sluice'), { withFileTypes: true, recursive: true })) {
      if (!entry.isFile()) continue;
      const file = join(entry.parentPath, entry.name);
      const bytes = await readFile(file);
      expect(tokenPattern.test(bytes.toString('latin1')), `${file} holds a token`).toBe(false);
      expect(bytes.includes(Buffer.from('sandbox-secret')), `${file} holds the client secret`).toBe(false);
    }
  });
});
