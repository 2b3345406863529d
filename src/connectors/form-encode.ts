import { jsonLiteral } from './json-literal.js';
import { percentEncode } from './percent-encode.js';
import { RawJson } from './raw-json.js';

/** Encodes one key or value for application/x-www-form-urlencoded (space as `+`). */
export function formComponent(text: string): string {
  return percentEncode(text).replace(/%20/g, '+');
}

/** A scalar as form text: null/undefined empty, objects as JSON. */
function formScalar(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value instanceof Date) return value.toISOString();
  if (value instanceof RawJson) return value.text;
  return jsonLiteral(value);
}

/**
 * x-www-form-urlencoded text of an object: arrays as `a[]=1&a[]=2`, nested objects as `a[b]=1`
 * (the brackets stay literal, as Rails, PHP and Backlog expect them).
 */
export function formEncode(value: Record<string, unknown>): string {
  const pairs: string[] = [];
  const add = (key: string, v: unknown): void => {
    if (Array.isArray(v)) {
      const listKey = key.endsWith('[]') ? key : `${key}[]`;
      for (const item of v) add(listKey, item);
    } else if (v !== null && typeof v === 'object' && !(v instanceof Date) && !(v instanceof RawJson)) {
      for (const [k, inner] of Object.entries(v)) add(`${key}[${formComponent(k)}]`, inner);
    } else {
      pairs.push(`${key}=${formComponent(formScalar(v))}`);
    }
  };
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue;
    add(formComponent(k).replace(/%5B/g, '[').replace(/%5D/g, ']'), v);
  }
  return pairs.join('&');
}
