import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

/** The median of a bench's trials (the mean of the middle two when their count is even). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * A loopback sink in a Node process of its own (so it does not share the event loop it measures): `program` listens
 * on a free port and writes that port on a line of its stdout.
 */
export async function startSinkProcess(program: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['-e', program], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  return { url: `http://127.0.0.1:${chunk.toString().trim()}`, child };
}
