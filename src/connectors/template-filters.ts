import { createHash } from 'node:crypto';
import type { FilterImplOptions } from 'liquidjs';
import { csvText } from './csv-text.js';
import { formEncode } from './form-encode.js';
import { jsonLiteral } from './json-literal.js';
import { RawJson } from './raw-json.js';

/** A value as text for hashing and encoding: strings as they are, anything else as its JSON literal. */
function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value instanceof RawJson) return value.text;
  return jsonLiteral(value);
}

/**
 * Filters Sluice adds to standard Liquid (liquidjs already has `date` with strftime formats and a timezone
 * argument, `url_encode`, `base64_decode`, `hmac_sha256`). `raw` filters are not escaped again in JSON or URL mode.
 */
export const templateFilters: Record<string, FilterImplOptions> = {
  /** A safe JSON literal of any value (bigint-safe); written raw, so it can stand for a whole JSON value. */
  json: { handler: (value: unknown) => jsonLiteral(value), raw: true },
  /** SHA-256 of the value's text, lower-case hex. */
  sha256: (value: unknown) => createHash('sha256').update(asText(value), 'utf8').digest('hex'),
  /** MD5 of the value's text, lower-case hex: an id some APIs derive from a key (Mailchimp's subscriber hash), not a secret. */
  md5: (value: unknown) => createHash('md5').update(asText(value), 'utf8').digest('hex'),
  /** Base64 of the value's UTF-8 text. */
  base64: (value: unknown) => Buffer.from(asText(value), 'utf8').toString('base64'),
  /** CSV text of a list of rows (a header line, then a line a row), for batch bodies of APIs taking CSV; written raw. */
  csv: { handler: (value: unknown) => csvText(value), raw: true },
  /** x-www-form-urlencoded text of an object (arrays as `a[]=1&a[]=2`); already encoded, so written raw. */
  form: {
    handler: (value: unknown) =>
      value !== null && typeof value === 'object' && !Array.isArray(value)
        ? formEncode(value as Record<string, unknown>)
        : '',
    raw: true,
  },
};
