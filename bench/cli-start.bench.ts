import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../src/config/package-root.js';
import { printBench } from './bench-line.js';

// Cold start of the built CLI (`sluice --help`) next to a bare `node -e 0`, both spawned in this run.
const RUNS = 21;
const root = packageRoot();
const bin = join(root, 'bin', 'sluice.js');
if (!existsSync(join(root, 'dist', 'src', 'cli', 'main.js'))) {
  process.stderr.write('cli-start: dist/src/cli/main.js is missing; run `npm run build` first\n');
  process.exit(1);
}

/** Wall-clock milliseconds of one child process from spawn to exit. */
function timeOnce(args: string[]): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited with ${r.status}: ${r.stderr.toString()}`);
  return ms;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

// Warm the file system cache once, then alternate so both see the same machine load.
timeOnce([bin, '--help']);
timeOnce(['-e', '0']);
const cli: number[] = [];
const bare: number[] = [];
for (let i = 0; i < RUNS; i++) {
  cli.push(timeOnce([bin, '--help']));
  bare.push(timeOnce(['-e', '0']));
}
const value = median(cli);
const reference = median(bare);
printBench([
  {
    name: 'cli start (sluice --help, median)',
    value,
    unit: 'ms',
    reference: { value: reference },
    goal: `<= 3 and under 300 ms (${value / reference <= 3 && value < 300 ? 'met' : 'missed'})`,
  },
]);
