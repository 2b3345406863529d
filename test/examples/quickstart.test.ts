import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exampleProjectFiles } from '../../src/config/example-project.js';

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
  it('is exactly the project `sluice init` writes', async () => {
    for (const [file, text] of Object.entries(exampleProjectFiles())) {
      expect(await readFile(join(root, 'examples/quickstart', file), 'utf8'), file).toBe(text);
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
