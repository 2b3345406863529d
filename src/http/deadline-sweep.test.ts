import { describe, expect, it } from 'vitest';
import { DeadlineSweep, Expiring } from './deadline-sweep.js';
import { sleep } from './sleep.js';

/** An item that runs a callback when its deadline passes. */
class Named extends Expiring {
  constructor(private readonly onExpire: () => void) {
    super();
  }

  override expire(): void {
    this.onExpire();
  }
}

describe('DeadlineSweep', () => {
  it('expires what outlived its deadline, in order, and never what completed', async () => {
    const sweep = new DeadlineSweep(100);
    const expired: string[] = [];
    const item = (name: string) => new Named(() => expired.push(name));
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
    const at = await new Promise<number>((resolve) => sweep.add(new Named(() => resolve(performance.now() - started))));
    expect(at).toBeGreaterThanOrEqual(199);
    expect(at).toBeLessThan(200 + 20 + 50);
    sweep.close();
  });

  it('keeps its list whole when items end in any order, and ends none twice', async () => {
    const sweep = new DeadlineSweep(50);
    const expired: number[] = [];
    const items = Array.from({ length: 6 }, (_, i) => new Named(() => expired.push(i)));
    for (const i of items) sweep.add(i);
    for (const i of [items[0]!, items[3]!, items[5]!, items[3]!]) sweep.delete(i);
    await sleep(120);
    expect(expired).toEqual([1, 2, 4]);
    sweep.close();
  });
});
