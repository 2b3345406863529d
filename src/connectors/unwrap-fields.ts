import type { Row } from '../rows/row.js';

/**
 * A record whose fields wrap their values (`stream.unwrap_fields`): each field that is an object holding `key` becomes
 * that key's value, so kintone's `{ "age": { "type": "NUMBER", "value": "42" } }` reads as `{ "age": "42" }`. Other
 * fields are kept as they are; an inherited key (`__proto__`, `toString`) never counts as the wrapped value.
 */
export function unwrapFields(record: Row, key: string): Row {
  const out: Row = {};
  for (const [name, value] of Object.entries(record)) {
    const wrapped = value !== null && typeof value === 'object' && !Array.isArray(value) && Object.hasOwn(value, key);
    // defineProperty: a field named __proto__ stays a field, never the record's prototype.
    Object.defineProperty(out, name, { value: wrapped ? (value as Record<string, unknown>)[key] : value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}
