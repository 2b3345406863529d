import { jsonString } from './json-string-content.js';
import { RawJson } from './raw-json.js';

/**
 * A JSON literal of any value: bigint as exact digits, Date as ISO text, undefined/functions as null,
 * `RawJson` written as is. Never throws for cycles: a repeated object is written as null.
 */
export function jsonLiteral(value: unknown): string {
  if (typeof value === 'string') return jsonString(value);
  if (value instanceof RawJson) return value.text;
  try {
    // Fast path: plain JSON values (the overwhelming case) go through the native serializer.
    const text = JSON.stringify(value);
    return text === undefined ? 'null' : text;
  } catch {
    return slowLiteral(value, new Set());
  }
}

function slowLiteral(value: unknown, seen: Set<object>): string {
  switch (typeof value) {
    case 'string':
      return jsonString(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      break;
    default:
      return 'null';
  }
  if (value === null) return 'null';
  if (value instanceof RawJson) return value.text;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'null' : JSON.stringify(value.toISOString());
  if (seen.has(value)) return 'null';
  seen.add(value);
  try {
    if (Array.isArray(value)) return `[${value.map((v) => slowLiteral(v, seen)).join(',')}]`;
    const parts: string[] = [];
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
      parts.push(`${JSON.stringify(k)}:${slowLiteral(v, seen)}`);
    }
    return `{${parts.join(',')}}`;
  } finally {
    seen.delete(value);
  }
}
