// The state folder holds the ledger, stored secrets and the key: only its owner may read it (folders 0700, files 0600).
import { chmod, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startWebhookSandbox, type WebhookSandbox } from '../../sandbox/webhook/webhook-sandbox.js';
import { runCommand } from '../examples/run-command.js';
import { serveUntilListening } from '../server/serve-until-listening.js';
import { sluiceYaml } from '../support/sluice-yaml.js';
import { writeSqlite } from '../support/sqlite-file.js';
const TOKEN = 'sink-token-3e8c91d2a7';

const project = (state: string) =>
  sluiceYaml({
    state,
    connections: {
      model: '{ type: sqlite, path: model.db }',
      sink: ['type: http', 'connector: webhook', 'base_url: "${env:SINK_URL}/hooks/customers"', 'auth: { type: bearer, token: "${env:SINK_TOKEN}" }'],
    },
    syncs: { customers: { from: '{ connection: model, table: customers }', to: '{ connection: sink, endpoint: post }', mode: 'insert', key: 'id' } },
  });

/** Every folder and file under `dir` with its mode, as `path mode` lines (relative to dir). */
async function modes(dir: string): Promise<string[]> {
  const lines = [`. ${((await stat(dir)).mode & 0o777).toString(8)}`];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const file = join(entry.parentPath, entry.name);
    lines.push(`${file.slice(dir.length + 1)} ${((await stat(file)).mode & 0o777).toString(8)}`);
  }
  return lines.sort();
}

/** The lines of `modes` whose mode is not the private one (0700 for folders, 0600 for files). */
async function notPrivate(dir: string): Promise<string[]> {
  const wrong: string[] = [];
  for (const line of await modes(dir)) {
    const [name, mode] = line.split(' ') as [string, string];
    const isDir = (await stat(join(dir, name))).isDirectory();
    if (mode !== (isDir ? '700' : '600')) wrong.push(line);
  }
  return wrong;
}

describe('state files', () => {
  let dir: string;
  let sink: WebhookSandbox;
  beforeEach(async () => {
    sink = await startWebhookSandbox({ auth: { bearer: TOKEN } });
    dir = await mkdtemp(join(tmpdir(), 'sluice-state-files-'));
    writeSqlite(join(dir, 'model.db'), "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers VALUES (1, 'Ada'), (2, 'Grace')");
  });
  afterEach(async () => {
    await sink.close();
    await rm(dir, { recursive: true, force: true });
  });

  const env = () => ({ ...process.env, SINK_URL: sink.url, SINK_TOKEN: TOKEN, SLUICE_SECRET_KEY: '', SLUICE_API_TOKEN: '', SLUICE_OPERATOR_TOKEN: '' });
  const sluice = (line: string) => runCommand(`sluice ${line}`, { cwd: dir, env: env() });

  /** `sluice serve --json` until it listens (it stores its generated API tokens, so a key file is made), then stopped. */
  const serveOnce = async () => (await serveUntilListening({ cwd: dir, env: env() })).stdout;

  it('after sync runs and a serve on a fresh project, every folder under .sluice is 0700 and every file 0600', async () => {
    await writeFile(join(dir, 'sluice.yaml'), project('.sluice'));
    const first = await sluice('sync run customers');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('delivered 2, failed 0');
    const second = await sluice('sync run customers');
    expect(second.stdout).toContain('2 unchanged');
    // A run streams its plan; a preview plans the whole read and keeps the plan snapshot.
    expect((await sluice('sync preview customers')).code).toBe(0);
    expect(await serveOnce()).toContain('"url"');

    const state = join(dir, '.sluice');
    const found = await modes(state);
    // The files that matter are there, so the check below is not vacuous.
    for (const name of ['. ', '.gitignore ', 'state.db ', 'secret.key ', 'plans ', 'plans/customers.duckdb ', 'tmp ']) {
      expect(found.some((l) => l.startsWith(name)), `${name} in ${found.join(', ')}`).toBe(true);
    }
    expect(await notPrivate(state)).toEqual([]);
  });

  it('keeps an absolute state: path private too, and makes nothing of it inside the project', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'sluice-abs-state-'));
    const state = join(outside, 'state');
    try {
      await writeFile(join(dir, 'sluice.yaml'), project(state));
      const run = await sluice('sync run customers');
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('delivered 2, failed 0');
      expect((await sluice('sync run customers')).stdout).toContain('2 unchanged');
      // A run streams its plan; a preview plans the whole read and keeps the plan snapshot.
      expect((await sluice('sync preview customers')).code).toBe(0);
      const found = await modes(state);
      for (const name of ['state.db ', 'plans/customers.duckdb ', 'tmp ']) expect(found.some((l) => l.startsWith(name)), name).toBe(true);
      expect(await notPrivate(state)).toEqual([]);
      // Not <project>/<absolute path>/..., nor a .sluice beside sluice.yaml.
      expect(await readdir(dir)).toEqual(expect.not.arrayContaining(['.sluice', state.split('/')[1]]));
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('tightens a .sluice an older version left 0755 with 0644 files', async () => {
    await writeFile(join(dir, 'sluice.yaml'), project('.sluice'));
    expect((await sluice('sync run customers')).code).toBe(0);
    expect((await sluice('sync run customers')).stdout).toContain('2 unchanged');
    expect((await sluice('sync preview customers')).code).toBe(0);
    const state = join(dir, '.sluice');
    // As an older version left it: everything readable by all.
    for (const line of await modes(state)) {
      const name = line.split(' ')[0]!;
      const file = join(state, name);
      await chmod(file, (await stat(file)).isDirectory() ? 0o755 : 0o644);
    }
    expect(await notPrivate(state)).not.toEqual([]);
    expect(existsSync(join(state, 'plans', 'customers.duckdb'))).toBe(true);

    const runs = await sluice('sync runs customers');
    expect(runs.code).toBe(0);
    expect(await notPrivate(state)).toEqual([]);
  });
});
