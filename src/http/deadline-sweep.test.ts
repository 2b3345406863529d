import { describe, expect, it } from 'vitest';
import { DeadlineSweep } from './deadline-sweep.js';
import { sleep } from './sleep.js';

describe('DeadlineSweep', () => {
  it('expires what outlived its deadline, in order, and never what completed', async () => {
    const sweep = new DeadlineSweep(100);
    const expired: string[] = [];
    const item = (name: string) => ({ expire: () => expired.push(name) });
    const a = item('a');
    const b = item('b');
    const done = item('done');
    sweep.add(a);
    sweep.add(done);
    await sleep(40);
    sweep.add(b);
    sweep.delete(done);
    await sleep(90);
    expect(expired).toEqual(['a']);
    await sleep(80);
    expect(expired).toEqual(['a', 'b']);
    sweep.close();
  });

  it('fires no earlier than its length and at most a tenth of it late', async () => {
    const sweep = new DeadlineSweep(200);
    const started = performance.now();
    const at = await new Promise<number>((resolve) => sweep.add({ expire: () => resolve(performance.now() - started) }));
    expect(at).toBeGreaterThanOrEqual(199);
    expect(at).toBeLessThan(200 + 20 + 50);
    sweep.close();
  });
});
