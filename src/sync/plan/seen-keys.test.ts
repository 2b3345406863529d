import { describe, expect, it } from 'vitest';
import { SeenKeys, SHARDS, shardOf } from './seen-keys.js';

describe('SeenKeys', () => {
  it('keeps each key with the row it was read in, and tells a key read before', () => {
    const seen = new SeenKeys();
    const keys = ['1', '10', '100', 'a@example.com', '["x",1]', '', '日本', '__proto__', 'constructor'];
    keys.forEach((k, i) => seen.set(k, i + 1));
    keys.forEach((k, i) => expect(seen.get(k)).toBe(i + 1));
    expect(seen.has('2')).toBe(false);
    expect(seen.get('2')).toBeUndefined();
    expect(seen.size).toBe(keys.length);
  });

  it('spreads keys over its maps, so no one map meets the 16.7M entries a Map can hold', () => {
    for (const key of [(i: number) => String(i), (i: number) => `user${i}@example.com`, (i: number) => JSON.stringify(['acme', i])]) {
      const counts = new Array<number>(SHARDS).fill(0);
      for (let i = 0; i < 64_000; i++) counts[shardOf(key(i))]!++;
      // About 1,000 each: 20M keys of these kinds stay far below a Map's limit in every map.
      expect(Math.max(...counts)).toBeLessThan(2_000);
    }
  });
});
