import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';

const root = resolve(__dirname, '../..');

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(root, 'bin/sluice.js'), ...args], { cwd: root });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

describe('examples/quickstart and the README demo', () => {
  it('is exactly the project `sluice init` writes, file for file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-init-'));
    try {
      const quiet = { write: () => true } as unknown as NodeJS.WritableStream;
      expect(await main(['node', 'sluice', 'init', dir], { stdout: quiet, stderr: quiet })).toBe(0);
      const quickstart = join(root, 'examples/quickstart');
      // A local run's state (.sluice/, ignored by git) is no part of the example.
      const files = async (folder: string) =>
        (await readdir(folder, { recursive: true, withFileTypes: true }))
          .filter((entry) => entry.isFile())
          .map((entry) => join(entry.parentPath, entry.name).slice(folder.length + 1))
          .filter((file) => !file.split(/[\\/]/).includes('.sluice'))
          .sort();
      const written = await files(dir);
      expect(written).toEqual(await files(quickstart));
      for (const file of written) {
        expect(await readFile(join(dir, file), 'utf8'), file).toBe(await readFile(join(quickstart, file), 'utf8'));
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('`npm start` (sluice demo) sends 12 customers, then nothing, then the one that changed', async () => {
    const text = await run(['demo']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('planned 12: 12 added, 0 changed, 0 removed, 0 unchanged');
    expect(text.stdout).toContain('planned 0: 0 added, 0 changed, 0 removed, 12 unchanged');
    expect(text.stdout).toContain('planned 1: 0 added, 1 changed, 0 removed, 11 unchanged');
    expect(text.stdout).toContain('"lifetime_value": 2750');
    const json = await run(['demo', '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, received: 13 });
  });
});
