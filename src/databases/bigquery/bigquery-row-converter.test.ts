import { describe, expect, it } from 'vitest';
import { bigqueryRowConverter, timestampFromEpochSeconds } from './bigquery-row-converter.js';

describe('timestampFromEpochSeconds', () => {
  it.each([
    ['1.795338000123E9', '2026-11-22T09:00:00.123Z'],
    ['1.7953380009999E9', '2026-11-22T09:00:00.999Z'],
    ['1795338000', '2026-11-22T09:00:00.000Z'],
    ['0.0', '1970-01-01T00:00:00.000Z'],
    ['-0.5', '1969-12-31T23:59:59.500Z'],
    ['-1.0000001', '1969-12-31T23:59:58.999Z'],
  ])('%s is %s', (text, iso) => {
    expect(timestampFromEpochSeconds(text)).toBe(iso);
  });
});

describe('bigqueryRowConverter', () => {
  it('converts string cells by the schema, nested records and repeated fields included', () => {
    const convert = bigqueryRowConverter([
      { name: 'n', type: 'INT64' },
      { name: 'big', type: 'INTEGER' },
      { name: 'price', type: 'NUMERIC' },
      { name: 'ok', type: 'BOOL' },
      { name: 'f', type: 'FLOAT64' },
      { name: 'when', type: 'DATETIME' },
      { name: 'doc', type: 'JSON' },
      { name: 'tags', type: 'STRING', mode: 'REPEATED' },
      { name: 'who', type: 'RECORD', fields: [{ name: 'id', type: 'INTEGER' }, { name: 'at', type: 'TIMESTAMP' }] },
      { name: 'none', type: 'STRING' },
    ]);
    const row = convert({
      f: [
        { v: '5' },
        { v: '-9223372036854775808' },
        { v: '12.5' },
        { v: 'false' },
        { v: '1.5E-3' },
        { v: '2026-11-22T18:00:00.250000' },
        { v: '{"a":[1]}' },
        { v: [{ v: 'x' }, { v: null }] },
        { v: { f: [{ v: '7' }, { v: '1.795338E9' }] } },
        { v: null },
      ],
    });
    expect(row).toEqual({
      n: 5,
      big: '-9223372036854775808',
      price: '12.5',
      ok: false,
      f: 0.0015,
      when: '2026-11-22T18:00:00.250Z',
      doc: { a: [1] },
      tags: ['x', null],
      who: { id: 7, at: '2026-11-22T09:00:00.000Z' },
      none: null,
    });
  });
});
