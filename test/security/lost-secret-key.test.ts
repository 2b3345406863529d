// A deleted secret.key is never silently replaced while secrets sealed with it are stored: serve and sync exit 2 saying
// how to recover; restoring the key works again; `sluice secrets reset --yes` is the way out when it is lost for good.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOAuthProvider, type OAuthProvider } from '../../sandbox/oauth-provider/oauth-provider.js';
import { runCommand } from '../examples/run-command.js';
import { connectTracker, writeTrackerProject } from '../oauth/tracker-cli-project.js';
import { serveUntilListening } from '../server/serve-until-listening.js';

const RECOVERY =
  /^error: \.sluice\/secret\.key: the secret key file is missing, but the state \(\.sluice\) holds secrets sealed with key [0-9a-f]{8}; a new key could never decrypt them, so none was made\. Restore the key file from a backup, or set SLUICE_SECRET_KEY to the key used before; if that key is lost for good, run "sluice secrets reset --yes"/;

describe('a lost secret key', () => {
  let provider: OAuthProvider;
  let dir: string;
  const env = { ...process.env, TRACKER_SECRET: 'sandbox-secret', SLUICE_SECRET_KEY: '', SLUICE_API_TOKEN: '', SLUICE_OPERATOR_TOKEN: '' };
  const sluice = (line: string) => runCommand(`sluice ${line}`, { cwd: dir, env });
  const keyFile = () => join(dir, '.sluice', 'secret.key');

  /** Starts `sluice serve --json` on a free port: the token it printed, then stopped; or its exit and error when it does not start. */
  const serve = () => serveUntilListening({ cwd: dir, env });

  beforeAll(async () => {
    provider = await startOAuthProvider();
    dir = await mkdtemp(join(tmpdir(), 'sluice-lost-key-'));
    await writeTrackerProject(dir, provider.url, { items: [[1, 'one'], [2, 'two']] });
  });
  afterAll(async () => {
    await provider?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('stops serve and sync with exit 2 and the way to recover, keeps working once the key is back, and can be reset', async () => {
    // OAuth tokens stored by `sluice connect` (the provider approves at once), and serve's generated API tokens.
    const connect = await connectTracker({ cwd: dir, env });
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
});
