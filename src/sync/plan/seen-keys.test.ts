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

describe('SeenKeys of integer ids', () => {
  it('tells every id read twice, dense or sparse, whichever way it was kept', () => {
    const seen = new SeenKeys();
    // Dense ids (pages), then ids far apart (pages stop being made: Maps), then ids in a page made after them.
    const dense = Array.from({ length: 200_000 }, (_, i) => i + 1);
    const sparse = Array.from({ length: 5_000 }, (_, i) => 2_000_000_000 - i * 390_001);
    const late = Array.from({ length: 70_000 }, (_, i) => 1_000_000 + i);
    const wide = [2 ** 31, 2 ** 31 - 1, 2 ** 40 + 3, Number.MAX_SAFE_INTEGER, -1, -(2 ** 31)];
    const all = [...dense, ...sparse, ...late, ...wide];
    const firstTime = all.filter((n, i) => seen.firstRead(String(n), i + 1) !== undefined);
    expect({ firstTime, size: seen.size }).toEqual({ firstTime: [], size: all.length });
    const secondTime = all.filter((n, i) => seen.firstRead(String(n), 999_999) !== i + 1);
    expect({ secondTime, size: seen.size }).toEqual({ secondTime: [], size: all.length });
    for (const n of [0, 200_001, 1_070_000, 2 ** 31 + 1, 2 ** 40 + 2, -3]) expect(seen.has(String(n))).toBe(false);
  });

  it('updates a kept id in place: set twice counts once', () => {
    const seen = new SeenKeys();
    seen.set('5', 1);
    seen.set('5', 2);
    seen.set('4294967296', 3);
    seen.set('4294967296', 4);
    expect([seen.get('5'), seen.get('4294967296'), seen.size]).toEqual([2, 4, 2]);
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
