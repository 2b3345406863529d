import { describe, expect, it } from 'vitest';
import { keyBucket } from './key-bucket.js';

describe('keyBucket', () => {
  it('gives a key the same bucket in every process and version (workers of two versions share a run)', () => {
    expect(['1', '2', 'alice@example.com', '["eu",42]', ''].map((k) => keyBucket(k, 4))).toEqual([0, 1, 2, 1, 1]);
    expect(keyBucket('alice@example.com', 64)).toBe(6);
  });

  it('spreads keys evenly, and puts every key in bucket 0 of 1', () => {
    const counts = [0, 0, 0, 0];
    for (let id = 1; id <= 100_000; id++) counts[keyBucket(String(id), 4)]!++;
    for (const c of counts) expect(Math.abs(c - 25_000)).toBeLessThan(1000);
    expect(keyBucket('anything', 1)).toBe(0);
  });
});
