import { describe, expect, it } from 'vitest';
import type { ColumnType } from '../../rows/row.js';
import { copyTextEncoder, escapeCopyText } from './copy-text-encoder.js';
import type { TypeFamily } from '../table-schema.js';

const encoder = (type: ColumnType, family: TypeFamily) =>
  copyTextEncoder({ source: { name: 'c', type, nativeType: type }, target: { name: 'c', nativeType: family, family }, isKey: false });

describe('COPY text encoding', () => {
  it('escapes backslash, tab, newline and carriage return, and nothing else', () => {
    expect(escapeCopyText('a\tb\nc\rd\\e')).toBe('a\\tb\\nc\\rd\\\\e');
    expect(escapeCopyText('\\N')).toBe('\\\\N');
    expect(escapeCopyText('日本語 🎉 "q" \'s\'')).toBe('日本語 🎉 "q" \'s\'');
  });

  it('writes NULL as \\N and the empty string as nothing', () => {
    const text = encoder('string', 'text');
    expect([text(null), text(undefined), text('')]).toEqual(['\\N', '\\N', '']);
  });

  it('writes JSON values as JSON text (a JSON string quoted), binary as bytea hex, booleans as words or digits', () => {
    expect(encoder('json', 'json')({ a: 'x\ty' })).toBe('{"a":"x\\\\ty"}');
    expect(encoder('json', 'json')('plain')).toBe('"plain"');
    expect(encoder('binary', 'binary')(Buffer.from([0, 255]).toString('base64'))).toBe('\\\\x00ff');
    expect(encoder('boolean', 'boolean')(true)).toBe('true');
    expect(encoder('boolean', 'integer')(false)).toBe('0');
    expect(encoder('integer', 'integer')('9007199254740993')).toBe('9007199254740993');
  });
});
