import { describe, expect, it } from 'vitest';
import { integerKey, SeenKeys, SHARDS, shardOf } from './seen-keys.js';

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

describe('integerKey', () => {
  it('reads a key as a number only when the number writes back to the same text', () => {
    for (const k of ['0', '7', '-7', '123456789012345', '-123456789012345']) expect(String(integerKey(k))).toBe(k);
    for (const k of ['', '-', '-0', '007', '+7', '1e3', '1.0', ' 7', '7 ', '0x10', '1234567890123456', '١٢', 'NaN', 'Infinity']) {
      expect(integerKey(k)).toBeNull();
    }
  });

  it('keeps "7", "007" and "-7" apart in a key set', () => {
    const seen = new SeenKeys();
    seen.set('7', 1);
    seen.set('007', 2);
    seen.set('-7', 3);
    expect([seen.get('7'), seen.get('007'), seen.get('-7'), seen.get('07')]).toEqual([1, 2, 3, undefined]);
    expect([seen.firstRead('-7', 9), seen.firstRead('a', 10), seen.firstRead('a', 11), seen.firstRead('8', 12)]).toEqual([3, undefined, 10, undefined]);
    expect(seen.get('8')).toBe(12);
    expect(seen.size).toBe(5);
  });
});
