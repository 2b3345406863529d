import { describe, expect, it } from 'vitest';
import { integerValue, timestampValue } from './column-value.js';

describe('integerValue', () => {
  it('is a number up to 2^53-1 and the exact decimal string beyond', () => {
    expect(integerValue('9007199254740991')).toBe(9007199254740991);
    expect(integerValue('9007199254740992')).toBe('9007199254740992');
    expect(integerValue(-9223372036854775808n)).toBe('-9223372036854775808');
    expect(integerValue('-42')).toBe(-42);
    expect(integerValue(7n)).toBe(7);
  });
});

describe('timestampValue', () => {
  it.each([
    ['2026-11-22 09:00:00+00', '2026-11-22T09:00:00.000Z'],
    ['2026-11-22 09:00:00.123456+00', '2026-11-22T09:00:00.123Z'],
    ['2026-11-22 18:00:00', '2026-11-22T18:00:00.000Z'],
    ['2026-11-22T18:00:00.5', '2026-11-22T18:00:00.500Z'],
    ['2026-11-22 18:00:00+09', '2026-11-22T09:00:00.000Z'],
    ['2026-11-22T18:00:00+09:00', '2026-11-22T09:00:00.000Z'],
    ['2026-11-22 04:30:00.25-05:30', '2026-11-22T10:00:00.250Z'],
    ['2026-11-22T09:00:00Z', '2026-11-22T09:00:00.000Z'],
    ['10000-01-01 00:00:00+00', '+010000-01-01T00:00:00.000Z'],
    ['infinity', 'infinity'],
  ])('%s is %s', (text, iso) => {
    expect(timestampValue(text)).toBe(iso);
  });
});
