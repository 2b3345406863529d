import type { ColumnBinding } from '../table-schema.js';

/** Turns one value into its field in PostgreSQL's COPY text format (escaped; `\N` for NULL). */
export type CopyTextEncoder = (value: unknown) => string;

const NULL = '\\N';
const SPECIAL = /[\\\t\n\r]/;
const SPECIAL_ALL = /[\\\t\n\r]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** Escapes text for COPY: backslash, tab, newline and carriage return; everything else (Unicode included) passes as is. */
export function escapeCopyText(text: string): string {
  return SPECIAL.test(text) ? text.replace(SPECIAL_ALL, (c) => ESCAPES[c]!) : text;
}

/** The COPY text encoder of one column, chosen once from the source type and the column's family; the common value type is tested first. */
export function copyTextEncoder(binding: ColumnBinding): CopyTextEncoder {
  const { source, target } = binding;
  const binaryTarget = target.family === 'binary';
  if (source.type === 'json') {
    // JSON values are plain JS values; a JSON string must arrive quoted.
    return (v) => (v === null || v === undefined ? NULL : escapeCopyText(JSON.stringify(v)));
  }
  if (source.type === 'binary' && binaryTarget) {
    return (v) => (typeof v === 'string' ? '\\\\x' + Buffer.from(v, 'base64').toString('hex') : v === null || v === undefined ? NULL : field(v, true));
  }
  if (source.type === 'boolean' && (target.family === 'integer' || target.family === 'decimal' || target.family === 'float')) {
    return (v) => (v === true ? '1' : v === false ? '0' : v === null || v === undefined ? NULL : field(v, false));
  }
  if (source.type === 'integer' || source.type === 'number') {
    return (v) => (typeof v === 'number' ? String(v) : v === null || v === undefined ? NULL : field(v, binaryTarget));
  }
  return (v) => (typeof v === 'string' ? escapeCopyText(v) : v === null || v === undefined ? NULL : field(v, binaryTarget));
}

function field(v: unknown, binaryTarget: boolean): string {
  switch (typeof v) {
    case 'string':
      return escapeCopyText(v);
    case 'number':
    case 'bigint':
      return String(v);
    case 'boolean':
      // Read right by boolean columns and readable in text columns.
      return v ? 'true' : 'false';
  }
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) {
    const b = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    return binaryTarget ? '\\\\x' + b.toString('hex') : b.toString('base64');
  }
  return escapeCopyText(JSON.stringify(v));
}
