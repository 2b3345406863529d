import { spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's folder, holding the built CLI (npm run build, or npx tsc -p tsconfig.build.json, before the tests that start it). */
const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = join(root, 'bin', 'sluice.js');

/**
 * A copy of the built CLI as it is now (bin, dist, package.json and the built-in connectors, with the package's
 * node_modules linked), for a long test whose workers start over minutes: a build made meanwhile in the same folder
 * would otherwise hand a worker half of one build and half of another. `remove` deletes it.
 */
export async function freezeBuiltCli(): Promise<{ cli: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-cli-'));
  for (const part of ['bin', 'dist', 'connectors', 'package.json']) await cp(join(root, part), join(dir, part), { recursive: true });
  await symlink(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return { cli: join(dir, 'bin', 'sluice.js'), remove: () => rm(dir, { recursive: true, force: true }) };
}

/** A `sluice worker` process, started as a user starts it. */
export interface WorkerProcess {
  child: ChildProcess;
  /** What it printed so far, stdout and stderr together. */
  output(): string;
  /** SIGTERM (it finishes the runs in hand first), then SIGKILL after `graceMs`; resolves once it exited. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts `sluice worker --project <project>` with `env` (which names the queue: SLUICE_REDIS_URL, SLUICE_REDIS_PREFIX)
 * and resolves once it says it is ready; rejects with its output when it exits or stays silent for `readyMs`.
 */
export async function startWorkerProcess(options: {
  project: string;
  env: NodeJS.ProcessEnv;
  args?: string[];
  readyMs?: number;
  /** The CLI to start (default: the package's bin/sluice.js). */
  cli?: string;
}): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [options.cli ?? cli, 'worker', '--project', options.project, ...(options.args ?? [])], { cwd: options.project, env: options.env });
  let output = '';
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const worker: WorkerProcess = {
    child,
    output: () => output,
    async stop(graceMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      // A worker stops after the run in hand: a test that failed mid-run does not wait for it.
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await closed;
      clearTimeout(timer);
    },
  };
  await new Promise<void>((resolve, reject) => {
    const readyMs = options.readyMs ?? 15_000;
    const settle = (error?: Error) => {
      clearTimeout(timer);
      child.off('close', exited);
      if (!error) return resolve();
      child.kill('SIGKILL');
      reject(error);
    };
    const exited = (code: number | null, signal: NodeJS.Signals | null) => settle(new Error(`sluice worker exited (${signal ?? code}) before it was ready: ${output}`));
    const timer = setTimeout(() => settle(new Error(`sluice worker not ready after ${readyMs} ms: ${output}`)), readyMs);
    const hear = (d: Buffer) => {
      const wasReady = output.includes('worker ready');
      output += d.toString();
      if (!wasReady && output.includes('worker ready')) settle();
    };
    child.stdout!.on('data', hear);
    child.stderr!.on('data', hear);
    child.once('close', exited);
  });
  return worker;
}
