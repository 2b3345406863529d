// The whole OAuth flow through the built CLI: `sluice connect` against the sandbox provider, then a sync of 500
// single-record requests while access tokens live one second and refresh tokens rotate — zero failed rows.
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOAuthProvider, type OAuthProvider } from '../../sandbox/oauth-provider/oauth-provider.js';

const cli = resolve(__dirname, '../../bin/sluice.js');

describe('OAuth connection through the CLI', () => {
  let provider: OAuthProvider;
  let dir: string;
  beforeAll(async () => {
    provider = await startOAuthProvider({ tokenLifetimeSeconds: 1, rotateRefreshTokens: true });
    dir = await mkdtemp(join(tmpdir(), 'sluice-oauth-cli-'));
    await writeFile(
      join(dir, 'tracker.yaml'),
      `name: tracker
config:
  provider: { type: string, required: true }
base_url: "{{ config.provider }}"
auth:
  - type: oauth2
    authorization_url: "{{ config.provider }}/authorize"
    token_url: "{{ config.provider }}/token"
    scopes: [records.write]
rate_limit: { concurrency: 8 }
endpoints:
  add_record:
    operation: create
    path: /api/records
    body: '{ "id": {{ row.id }}, "title": "{{ row.title }}" }'
    response: { record_id: "{{ response.body.id }}" }
`,
    );
    await writeFile(
      join(dir, 'sluice.yaml'),
      `version: 1
connections:
  model: { type: sqlite, path: model.db }
  tracker:
    type: http
    connector: ./tracker.yaml
    config: { provider: "${provider.url}" }
    auth: { type: oauth2, client_id: sandbox-client, client_secret: "\${env:TRACKER_SECRET}" }
syncs:
  records:
    from: { connection: model, table: items }
    to: { connection: tracker, endpoint: add_record }
    mode: insert
    key: id
`,
    );
    const db = new Database(join(dir, 'model.db'));
    db.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, title TEXT)');
    const insert = db.prepare('INSERT INTO items VALUES (?, ?)');
    for (let i = 1; i <= 500; i++) insert.run(i, `item ${i}`);
    db.close();
  });
  afterAll(async () => {
    await provider.close();
    await rm(dir, { recursive: true, force: true });
  });

  const env = { ...process.env, TRACKER_SECRET: 'sandbox-secret', SLUICE_SECRET_KEY: '' };
  function sluice(args: string[], onStdout?: (text: string) => void) {
    return new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
      const child = spawn(process.execPath, [cli, '--project', dir, ...args], { env });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        onStdout?.(stdout);
      });
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (code) => done({ code, stdout, stderr }));
    });
  }

  it('connects, then delivers 500 records across 1-second tokens with zero failed rows', async () => {
    let opened = false;
    // The provider auto-approves: following the printed URL redirects to the CLI's loopback callback.
    const connect = await sluice(['connect', 'tracker', '--no-browser', '--port', '0'], (out) => {
      const url = /(http:\/\/127\.0\.0\.1:\d+\/authorize\?\S+)/.exec(out)?.[1];
      if (url && !opened) {
        opened = true;
        void fetch(url, { redirect: 'follow' }).catch(() => undefined);
      }
    });
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
