import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookSandbox, type WebhookSandbox } from '../../sandbox/webhook/webhook-sandbox.js';
import { writeProject } from '../config/write-project.js';
import { runCommand } from '../examples/run-command.js';
import { sluiceYaml } from '../support/sluice-yaml.js';
import { writeSqlite } from '../support/sqlite-file.js';

const TOKEN = 'sink token with spaces + "quotes" 7f3e';
const cli = resolve(__dirname, '../../bin/sluice.js');

let sink: WebhookSandbox;
let dir: string;
let cleanup: () => Promise<void>;
const env = { ...process.env, SLUICE_SECRET_KEY: '' };

beforeAll(async () => {
  sink = await startWebhookSandbox({ auth: { bearer: TOKEN } });
  ({ dir, cleanup } = await writeProject({
    'sluice.yaml': sluiceYaml({
      connections: {
        shop: '{ type: sqlite, path: shop.db }',
        sink: ['type: http', 'connector: webhook', `base_url: "${sink.url}/hooks/orders"`, `auth: { type: bearer, token: "\${secret:sink_token}" }`],
      },
      syncs: { orders: { from: '{ connection: shop, sql: "SELECT id FROM orders" }', to: '{ connection: sink, endpoint: post }', mode: 'insert', key: 'id' } },
    }),
  }));
  writeSqlite(join(dir, 'shop.db'), 'CREATE TABLE orders (id INTEGER PRIMARY KEY); INSERT INTO orders VALUES (1), (2)');
});

afterAll(async () => {
  await sink?.close();
  await cleanup?.();
});

/** `sluice secrets set NAME` with the value on standard input. */
function setSecret(name: string, value: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [cli, 'secrets', 'set', name], { cwd: dir, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => done({ code, stdout, stderr }));
    child.stdin.end(`${value}\n`);
  });
}

describe('${secret:NAME} in sluice.yaml', () => {
  it('is a configuration error naming the file, line and secret while the store lacks it', async () => {
    const { code, stdout, stderr } = await runCommand('sluice validate', { cwd: dir, env });
    expect(code).toBe(2);
    expect(stdout + stderr).toMatch(/sluice\.yaml:8:\d+.*secret sink_token is not in the state store \(enter it again in the web UI, or: sluice secrets set sink_token\)/);
  });

  it('refuses an invalid name, and a value on the command line is not how it is given', async () => {
    expect((await setSecret('bad name', 'x')).code).toBe(2);
    expect((await setSecret('ok_name', '')).stderr).toContain('no value on standard input');
  });

  it('is read from the encrypted store at run time: the run delivers with the token, which no file holds', async () => {
    const set = await setSecret('sink_token', TOKEN);
    expect(set.code).toBe(0);
    expect(set.stdout).toContain('reference it in sluice.yaml as ${secret:sink_token}');
    const run = await runCommand('sluice sync run orders --json', { cwd: dir, env });
    expect(run.code, run.stderr).toBe(0);
    expect(sink.state.hooks).toHaveLength(2);
    for (const text of [run.stdout, run.stderr, set.stdout, set.stderr]) expect(text).not.toContain(TOKEN);
    for (const file of await readdir(dir, { recursive: true })) {
      const bytes = await readFile(join(dir, file)).catch(() => Buffer.alloc(0));
      expect(bytes.includes(Buffer.from(TOKEN)), file).toBe(false);
      expect(bytes.includes(Buffer.from('sink token with spaces')), file).toBe(false);
    }
  });
});
