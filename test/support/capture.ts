import { Writable } from 'node:stream';
import { main } from '../../src/cli/main.js';

/** A stream that keeps all written to it, as a command's stdout or stderr, and can wait for a pattern to appear. */
export class Capture extends Writable {
  text = '';
  private waiters: { pattern: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  override _write(chunk: Buffer, _enc: string, done: () => void) {
    this.text += chunk.toString();
    this.waiters = this.waiters.filter((w) => {
      const m = this.text.match(w.pattern);
      if (m) w.resolve(m);
      return !m;
    });
    done();
  }
  /** The first match of `pattern` in what was written, as soon as there is one. */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray> {
    const m = this.text.match(pattern);
    return m ? Promise.resolve(m) : new Promise((resolve) => this.waiters.push({ pattern, resolve }));
  }
}

/** The command line run in process (`sluice ARGS`), with what it wrote to stdout and stderr. */
export async function runSluiceInProcess(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await main(['node', 'sluice', ...args], { stdout, stderr });
  return { code, out: stdout.text, err: stderr.text };
}
