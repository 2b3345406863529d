import { describe, expect, it } from 'vitest';
import { newRunId } from './new-run-id.js';

describe('newRunId', () => {
  it('starts with the UTC time to the millisecond', () => {
    expect(newRunId(new Date('2030-11-23T09:30:00.123Z'))).toMatch(/^run_20301123T093000\.123Z_[0-9a-z]{6}$/);
  });

  it('gives unique ids that sort in creation order, even within one millisecond', () => {
    const now = new Date('2031-01-01T00:00:00.000Z');
    const ids = Array.from({ length: 5000 }, () => newRunId(now));
    expect(new Set(ids).size).toBe(5000);
    expect([...ids].sort()).toEqual(ids);
  });

  it('never goes back when the clock does', () => {
    const later = newRunId(new Date('2032-06-01T00:00:00.500Z'));
    const earlier = newRunId(new Date('2032-06-01T00:00:00.100Z'));
    expect(earlier > later).toBe(true);
  });
});
