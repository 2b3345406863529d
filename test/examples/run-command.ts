import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

const cli = resolve(__dirname, '../../bin/sluice.js');

/** What a finished command printed. */
export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Where and how a command runs; `onStdout` sees all it has printed so far each time it prints more (and may stop it). */
export interface CommandOptions {
  cwd?: string;
  env: NodeJS.ProcessEnv;
  onStdout?: (printed: string, child: ChildProcess) => void;
}

/** Splits a shell line as a README writes it: words, and '...' quoted words. */
export function shellWords(line: string): string[] {
  return [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

/**
 * Runs one README line in `cwd` as a shell would: `export NAME=value ...` sets the variables in `env` for the lines that
 * follow; `sluice ...` runs the built CLI, anything else the program itself, asynchronously: sandboxes running in the
 * test process keep answering meanwhile.
 */
export function runCommand(line: string, options: CommandOptions & { cwd: string }): Promise<CommandResult> {
  if (line.startsWith('export ')) {
    for (const pair of line.slice('export '.length).split(/\s+/)) {
      const eq = pair.indexOf('=');
      options.env[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
    return Promise.resolve({ code: 0, stdout: '', stderr: '' });
  }
  const [program, ...args] = shellWords(line);
  return program === 'sluice' ? runSluice(args, options) : runProgram(program!, args, options);
}

/** Runs the built CLI with these arguments, as they are (no shell splitting). */
export function runSluice(args: string[], options: CommandOptions): Promise<CommandResult> {
  return runProgram(process.execPath, [cli, ...args], options);
}

function runProgram(command: string, argv: string[], options: CommandOptions): Promise<CommandResult> {
  return new Promise((done, fail) => {
    const child = spawn(command, argv, { cwd: options.cwd, env: options.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      options.onStdout?.(stdout, child);
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}
