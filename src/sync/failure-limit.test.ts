import { describe, expect, it } from 'vitest';
import { exceedsFailureLimit } from './failure-limit.js';

describe('exceedsFailureLimit', () => {
  it('fails the run on the first failed row with the default limit of 0', () => {
    expect(exceedsFailureLimit(0, 10, 0)).toBe(false);
    expect(exceedsFailureLimit(1, 10, 0)).toBe(true);
  });
  it('tolerates up to a count', () => {
    expect(exceedsFailureLimit(3, 10, 3)).toBe(false);
    expect(exceedsFailureLimit(4, 10, 3)).toBe(true);
  });
  it('tolerates up to a percentage of the planned rows', () => {
    expect(exceedsFailureLimit(5, 100, '5%')).toBe(false);
    expect(exceedsFailureLimit(6, 100, '5%')).toBe(true);
    expect(exceedsFailureLimit(1, 1000, '0.1%')).toBe(false);
    expect(exceedsFailureLimit(0, 0, '0%')).toBe(false);
  });
});
