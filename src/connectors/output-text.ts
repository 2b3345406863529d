import { jsonLiteral } from './json-literal.js';
import { RawJson } from './raw-json.js';

/** Whether a value is pre-rendered JSON: a RawJson, or a list of them (batch `items`). */
export function isRawJson(value: unknown): value is RawJson | RawJson[] {
  return value instanceof RawJson || (Array.isArray(value) && value.length > 0 && value[0] instanceof RawJson);
}

/** A template output as text: objects and arrays as JSON (not Liquid's `[object Object]`), nil as empty. */
export function outputText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value instanceof RawJson) return value.text;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value) && value.length > 0 && value.every((v) => v instanceof RawJson)) {
    return `[${(value as RawJson[]).map((v) => v.text).join(',')}]`;
  }
  return jsonLiteral(value);
}
