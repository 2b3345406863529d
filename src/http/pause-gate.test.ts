import { describe, expect, it } from 'vitest';
import { PauseGate } from './pause-gate.js';

describe('PauseGate', () => {
  it('is open until paused, then holds every waiter until the latest announced time', async () => {
    let time = 0;
    const slept: number[] = [];
    const gate = new PauseGate(
      () => time,
      async (ms) => {
        slept.push(ms);
        time += ms;
      },
    );
    await gate.wait();
    expect(slept).toEqual([]);
    gate.pause(300);
    gate.pause(100); // a shorter pause never shortens the one announced
    expect(gate.remaining()).toBe(300);
    await gate.wait();
    expect(time).toBe(300);
    expect(gate.remaining()).toBe(0);
  });

  it('keeps waiting when the pause is extended while asleep', async () => {
    let time = 0;
    let extended = false;
    const gate: PauseGate = new PauseGate(
      () => time,
      async (ms) => {
        time += ms;
        if (!extended) {
          extended = true;
          gate.pause(200);
        }
      },
    );
    gate.pause(100);
    await gate.wait();
    expect(time).toBe(300);
  });
});
