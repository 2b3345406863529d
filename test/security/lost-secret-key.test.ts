// A deleted secret.key is never silently replaced while secrets sealed with it are stored: serve and sync exit 2 saying
// how to recover; restoring the key works again; `sluice secrets reset --yes` is the way out when it is lost for good.
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOAuthProvider, type OAuthProvider } from '../../sandbox/oauth-provider/oauth-provider.js';
import { runCommand } from '../examples/run-command.js';

const cli = resolve(__dirname, '../../bin/sluice.js');

const RECOVERY =
  /^error: \.sluice\/secret\.key: the secret key file is missing, but the state \(\.sluice\) holds secrets sealed with key [0-9a-f]{8}; a new key could never decrypt them, so none was made\. Restore the key file from a backup, or set SLUICE_SECRET_KEY to the key used before; if that key is lost for good, run "sluice secrets reset --yes"/;

describe('a lost secret key', () => {
  let provider: OAuthProvider;
  let dir: string;
  const env = { ...process.env, TRACKER_SECRET: 'sandbox-secret', SLUICE_SECRET_KEY: '', SLUICE_API_TOKEN: '', SLUICE_OPERATOR_TOKEN: '' };
  const sluice = (line: string) => runCommand(`sluice ${line}`, { cwd: dir, env });
  const keyFile = () => join(dir, '.sluice', 'secret.key');

  /** Starts `sluice serve --json` on a free port: the token it printed, then stopped; or its exit and error when it does not start. */
  function serve(): Promise<{ code: number | null; token?: string; error?: string }> {
    return new Promise((done) => {
      const child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--json'], { cwd: dir, env });
      let stdout = '';
      let token: string | undefined;
      const printed = () => stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { url?: string; token?: string; error?: string });
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        const started = printed().find((l) => l.url !== undefined);
        if (started && token === undefined) {
          token = started.token;
          child.kill('SIGTERM');
        }
      });
      child.on('close', (code) => done({ code, token, error: printed().find((l) => l.error !== undefined)?.error }));
    });
  }

  beforeAll(async () => {
    provider = await startOAuthProvider();
    dir = await mkdtemp(join(tmpdir(), 'sluice-lost-key-'));
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
    db.exec("CREATE TABLE items (id INTEGER PRIMARY KEY, title TEXT); INSERT INTO items VALUES (1, 'one'), (2, 'two')");
    db.close();
  });
  afterAll(async () => {
    await provider?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('stops serve and sync with exit 2 and the way to recover, keeps working once the key is back, and can be reset', async () => {
    // OAuth tokens stored by `sluice connect` (the provider approves at once), and serve's generated API tokens.
    const connect = await connectTracker();
    expect(connect.code).toBe(0);
    const first = await serve();
    expect([0, null]).toContain(first.code); // stopped by the test's SIGTERM
    expect(first.token).toMatch(/^[\w-]{32}$/);
    const key = await readFile(keyFile(), 'utf8');

    await unlink(keyFile());
    const lostServe = await serve();
    expect(lostServe.code).toBe(2);
    expect(lostServe.token).toBeUndefined();
    expect(`error: ${lostServe.error}`).toMatch(RECOVERY);
    const lostRun = await sluice('sync run records');
    expect(lostRun.code).toBe(2);
    expect(lostRun.stderr).toMatch(RECOVERY);
    expect(provider.records).toEqual([]);
    expect(existsSync(keyFile())).toBe(false);

    // The key restored: the same API token, and the sync delivers with the stored OAuth tokens.
    await writeFile(keyFile(), key, { mode: 0o600 });
    expect((await serve()).token).toBe(first.token);
    const run = await sluice('sync run records');
    expect(run.stdout).toContain('delivered 2, failed 0');
    expect(run.code).toBe(0);

    // Lost for good: reset asks for --yes, then deletes the secrets; serve makes a new key and new tokens.
    await unlink(keyFile());
    const asked = await sluice('secrets reset');
    expect(asked.code).toBe(2);
    expect(asked.stderr).toMatch(/^error: this deletes the stored secrets \(sealed with key [0-9a-f]{8}\) for good; run again with --yes to do it\n$/);
    expect((await serve()).code).toBe(2);
    const reset = await sluice('secrets reset --yes');
    expect(reset.code).toBe(0);
    expect(reset.stdout).toMatch(/^deleted 3 secrets; enter them again: sluice connect NAME for OAuth connections/);
    const fresh = await serve();
    expect([0, null]).toContain(fresh.code);
    expect(fresh.token).toMatch(/^[\w-]{32}$/);
    expect(fresh.token).not.toBe(first.token);
    expect(await readFile(keyFile(), 'utf8')).not.toBe(key);
    expect((await stat(keyFile())).mode & 0o777).toBe(0o600);
  });

  /** `sluice connect tracker`, following the printed authorization URL (the sandbox provider approves at once). */
  function connectTracker(): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((done) => {
      const child = spawn(process.execPath, [cli, 'connect', 'tracker', '--no-browser', '--port', '0'], { cwd: dir, env });
      let stdout = '';
      let stderr = '';
      let opened = false;
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        const url = /(http:\/\/127\.0\.0\.1:\d+\/authorize\?\S+)/.exec(stdout)?.[1];
        if (url && !opened) {
          opened = true;
          void fetch(url, { redirect: 'follow' }).catch(() => undefined);
        }
      });
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (code) => done({ code, stdout, stderr }));
    });
  }
});
