import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runServe } from '../../src/cli/commands/serve.js';
import { Capture } from '../support/capture.js';

let dir: string;
const saved = { token: process.env.SLUICE_API_TOKEN, key: process.env.SLUICE_SECRET_KEY };

beforeEach(async () => {
  delete process.env.SLUICE_API_TOKEN;
  delete process.env.SLUICE_SECRET_KEY;
  dir = await mkdtemp(join(tmpdir(), 'sluice-serve-'));
  await writeFile(join(dir, 'sluice.yaml'), 'version: 1\nconnections:\n  local: { type: sqlite, path: local.db }\n');
});

afterEach(async () => {
  if (saved.token !== undefined) process.env.SLUICE_API_TOKEN = saved.token;
  if (saved.key !== undefined) process.env.SLUICE_SECRET_KEY = saved.key;
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

/** Starts `sluice serve` in process on a free port; returns what it printed once it listens, and a stop. */
async function serve(): Promise<{ url: string; token: string; operatorToken: string; stdout: Capture; stop: () => Promise<number> }> {
  const stdout = new Capture();
  const abort = new AbortController();
  const exit = runServe({ port: 0, host: '127.0.0.1', signal: abort.signal }, { project: dir, json: false, stdout, stderr: new Capture() });
  for (let i = 0; i < 200 && !/Operator token/.test(stdout.text); i++) await new Promise((r) => setTimeout(r, 25));
  const url = /serving at (http:\/\/\S+)/.exec(stdout.text)![1]!;
  const token = /Admin token \([^)]*\)[^:]*:\n {2}(\S+)/.exec(stdout.text)![1]!;
  const operatorToken = /Operator token \([^)]*\)[^:]*:\n {2}(\S+)/.exec(stdout.text)![1]!;
  return {
    url,
    token,
    operatorToken,
    stdout,
    stop: () => {
      abort.abort();
      return exit;
    },
  };
}

describe('sluice serve', () => {
  it('prints the URL and a generated API token, answers with it, logs without it, and stops cleanly', async () => {
    const logged: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
      logged.push(String(chunk));
      return (write as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
    });
    const first = await serve();
    expect(first.stdout.text).toContain('Admin token (generated and stored in the state; set SLUICE_API_TOKEN to choose your own) edits connectors, connections, syncs and SQL:');
    expect(first.stdout.text).toContain('Operator token (generated and stored in the state; set SLUICE_OPERATOR_TOKEN to choose your own) reads, previews, runs and retries:');
    expect(first.token).toMatch(/^[\w-]{32}$/);
    expect(first.operatorToken).toMatch(/^[\w-]{32}$/);
    expect(first.operatorToken).not.toBe(first.token);
    const asOperator = { authorization: `Bearer ${first.operatorToken}`, 'content-type': 'application/json' };
    expect((await fetch(`${first.url}/api/connections`, { headers: asOperator })).status).toBe(200);
    const edit = await fetch(`${first.url}/api/connections/local`, { method: 'PUT', headers: asOperator, body: JSON.stringify({ type: 'sqlite', path: 'other.db' }) });
    expect(edit.status).toBe(403);
    const ok = await fetch(`${first.url}/api/connections`, { headers: { authorization: `Bearer ${first.token}` } });
    expect(await ok.json()).toEqual([{ name: 'local', type: 'sqlite' }]);
    expect((await fetch(`${first.url}/api/connections?access_token=${first.token}`)).status).toBe(401);
    expect(await first.stop()).toBe(0);
    expect(first.stdout.text).toContain('stopping');
    // pino request lines, with the query string and any secret left out.
    expect(logged.some((l) => l.includes('"url":"/api/connections"'))).toBe(true);
    expect(logged.join('')).not.toContain(first.token);

    // The next start reuses the stored token.
    const second = await serve();
    expect(second.stdout.text).toContain('Admin token (stored in the state;');
    expect(second.token).toBe(first.token);
    expect(second.operatorToken).toBe(first.operatorToken);
    expect(await second.stop()).toBe(0);
  });

  it.each(['javascript:alert(document.domain)', 'file:///etc/passwd', 'https://user:pass@evil.example', 'not a url'])('refuses --public-url %s with exit 2 and starts nothing', async (publicUrl) => {
    const stderr = new Capture();
    const code = await runServe({ port: 0, host: '127.0.0.1', publicUrl }, { project: dir, json: false, stdout: new Capture(), stderr });
    expect(code).toBe(2);
    expect(stderr.text).toContain(`error: --public-url must be an http(s) URL of a host, with no user name or password, such as https://sluice.example.com (got "${publicUrl}")`);
  });
});
