import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { shellWords } from './run-command.js';

const cli = resolve(__dirname, '../../bin/sluice.js');

/** A `sluice sandbox ...` process started as a README starts it. */
export interface CliSandbox {
  /** Base URL of each simulator, by name. */
  urls: Record<string, string>;
  /** Stops the process (SIGTERM) and waits for it to exit. */
  close(): Promise<void>;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(false));
    server.listen(port, '127.0.0.1', () => server.close(() => done(true)));
  });
}

/** A first port such that it and the `count - 1` ports after it are free now. */
export async function freePorts(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = 20000 + Math.floor(Math.random() * 30000);
    let ok = true;
    for (let i = 0; i < count && ok; i++) ok = await portFree(first + i);
    if (ok) return first;
  }
  throw new Error('no run of free ports found');
}

/** Runs a README's `sluice sandbox NAMES --port N` line with `--port` replaced by `port`, until its URLs are printed. */
export function startCliSandbox(line: string, port: number): Promise<CliSandbox> {
  const args = shellWords(line).slice(1);
  const at = args.indexOf('--port');
  args[at + 1] = String(port);
  const names = args.slice(1, at);
  const child: ChildProcess = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  return new Promise((done, fail) => {
    let stdout = '';
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      const urls = Object.fromEntries(
        names.map((n) => [n, new RegExp(`^${n}\\s+(http://\\S+)$`, 'm').exec(stdout)?.[1]] as const).filter(([, u]) => u !== undefined),
      ) as Record<string, string>;
      if (Object.keys(urls).length === names.length) done({ urls, close });
    });
    void exited.then(() => fail(new Error(`sluice sandbox exited before it was ready: ${stderr}`)));
  });
}
