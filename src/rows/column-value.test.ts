import { describe, expect, it } from 'vitest';
import { decimalText, integerValue, timestampFromMillis, timestampValue } from './column-value.js';

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

describe('timestampFromMillis', () => {
  it('writes exactly what Date#toISOString() writes, across eras, days and millisecond edges', () => {
    const samples = [0, -1, 1, 999, 1000, 86_399_999, 86_400_000, -86_400_000, -86_400_001, 1_767_225_600_000, 253_402_300_799_999,
      253_402_300_800_000, -62_167_219_200_000, -62_167_219_200_001, 8.64e15, -8.64e15, 1.5, -0.5];
    for (let i = 0; i < 2000; i++) samples.push(Math.floor((Math.random() - 0.5) * 2 * 4e14));
    for (const ms of samples) expect(timestampFromMillis(ms)).toBe(new Date(ms).toISOString());
  });

  it('throws like Date for a time it cannot hold', () => {
    expect(() => timestampFromMillis(8.64e15 + 1)).toThrow(RangeError);
    expect(() => timestampFromMillis(Number.NaN)).toThrow(RangeError);
  });
});

describe('decimalText', () => {
  it.each([
    [0n, 2, '0.00'],
    [5n, 2, '0.05'],
    [-5n, 2, '-0.05'],
    [123456n, 2, '1234.56'],
    [-123456n, 0, '-123456'],
    [1234, 3, '1.234'],
    [-7, 1, '-0.7'],
    [12345678901234567890123456789n, 10, '1234567890123456789.0123456789'],
    [-99999999999999999999999999999999999999n, 38, '-0.99999999999999999999999999999999999999'],
    [9007199254740991n, 38, '0.00000000000000000000009007199254740991'],
  ] as const)('%s scaled by 10^%i is %s', (scaled, scale, text) => {
    expect(decimalText(scaled, scale)).toBe(text);
  });
});
