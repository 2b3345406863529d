import { describe, expect, it } from 'vitest';
import { decimalFits } from './decimal-fits.js';

describe('decimalFits', () => {
  it.each([
    ['12.50', 5, 2, true],
    ['12.500', 5, 2, true],
    ['1.239', 5, 2, false],
    ['999.99', 5, 2, true],
    ['1000', 5, 2, false],
    ['-0.01', 5, 2, true],
    ['0.000', 1, 0, true],
    ['00012.3', 4, 1, true],
    ['1e3', 4, 0, true],
    ['1.5e-2', 5, 2, false],
    ['12345678901234567890.123456789', 38, 10, true],
    ['not a number', 5, 2, true],
  ])('%s in DECIMAL(%i,%i): %s', (text, p, s, fits) => {
    expect(decimalFits(text, p, s)).toBe(fits);
  });
});
