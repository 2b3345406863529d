import type { RunProgress } from '../sync/run-sync.js';

/** Prints run progress: a one-line bar on a terminal, JSON lines (at most one a second) otherwise. */
export function createProgressPrinter(stream: NodeJS.WritableStream & { isTTY?: boolean }): {
  update(p: RunProgress): void;
  finish(): void;
} {
  let last = 0;
  let drawn = false;
  return {
    update(p) {
      const now = Date.now();
      if (!stream.isTTY) {
        if (p.phase === 'sending' && now - last < 1000) return;
        last = now;
        stream.write(JSON.stringify({ type: 'progress', ...p, rate: Math.round(p.rate), etaSeconds: p.etaSeconds === null ? null : Math.ceil(p.etaSeconds) }) + '\n');
        return;
      }
      if (p.phase === 'planning') {
        stream.write(`\rplanning ${p.sync}...`);
        drawn = true;
        return;
      }
      const done = p.delivered + p.failed;
      const ratio = p.planned > 0 ? Math.min(1, done / p.planned) : 1;
      const width = 24;
      const bar = '#'.repeat(Math.round(ratio * width)).padEnd(width, '.');
      const eta = p.etaSeconds === null ? '--' : `${Math.ceil(p.etaSeconds)}s`;
      stream.write(`\r[${bar}] ${done}/${p.planned} sent, ${p.failed} failed, ${Math.round(p.rate)} rows/s, ETA ${eta}   `);
      drawn = true;
    },
    finish() {
      if (stream.isTTY && drawn) stream.write('\n');
    },
  };
}
