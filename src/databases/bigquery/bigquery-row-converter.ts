import { bigqueryColumnType } from './bigquery-column-type.js';
import { integerValue, timestampValue } from '../../rows/column-value.js';
import type { Row } from '../../rows/row.js';

/** A field of a BigQuery result schema. */
export interface BigQuerySchemaField {
  name: string;
  type: string;
  mode?: string;
  fields?: BigQuerySchemaField[];
}

/** A row as the REST API sends it: one `{ v }` cell per field. */
export interface BigQueryRow {
  f: { v: unknown }[];
}

type Convert = (v: unknown) => unknown;

/** Turns REST rows of this schema into rows of the shared mapping (cells arrive as strings). */
export function bigqueryRowConverter(fields: BigQuerySchemaField[]): (row: BigQueryRow) => Row {
  const converters = fields.map(fieldConverter);
  const names = fields.map((f) => f.name);
  return (row) => {
    const out: Row = {};
    for (let i = 0; i < names.length; i++) {
      const v = row.f[i]?.v ?? null;
      out[names[i]!] = v === null ? null : converters[i]!(v);
    }
    return out;
  };
}

function fieldConverter(field: BigQuerySchemaField): Convert {
  const one = scalarConverter(field);
  if (field.mode !== 'REPEATED') return one;
  return (v) => (v as { v: unknown }[]).map((cell) => (cell.v === null ? null : one(cell.v)));
}

function scalarConverter(field: BigQuerySchemaField): Convert {
  switch (field.type) {
    case 'RECORD':
    case 'STRUCT': {
      const inner = (field.fields ?? []).map((f) => [f.name, fieldConverter(f)] as const);
      return (v) => {
        const cells = (v as { f: { v: unknown }[] }).f;
        const out: Record<string, unknown> = {};
        inner.forEach(([name, convert], i) => {
          const x = cells[i]?.v ?? null;
          out[name] = x === null ? null : convert(x);
        });
        return out;
      };
    }
    case 'TIMESTAMP':
      return (v) => timestampFromEpochSeconds(v as string);
    case 'DATETIME':
      return (v) => timestampValue(v as string);
    case 'JSON':
      return (v) => JSON.parse(v as string);
    case 'RANGE':
      return (v) => v;
  }
  switch (bigqueryColumnType(field.type)) {
    case 'integer':
      return (v) => integerValue(v as string);
    case 'number':
      return (v) => Number(v);
    case 'boolean':
      return (v) => v === 'true';
    default:
      // STRING, NUMERIC/BIGNUMERIC (exact text), DATE, BYTES (already base64), TIME, GEOGRAPHY, INTERVAL.
      return (v) => v;
  }
}

/**
 * BigQuery's TIMESTAMP cell — float seconds since the epoch such as "1.795338000123E9" — as
 * ISO-8601 UTC, computed on the digits so that no precision is lost to floating point.
 */
export function timestampFromEpochSeconds(text: string): string {
  const m = /^(-?)(\d+)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m) return text;
  const [, sign, whole, frac = '', exp = '0'] = m;
  const digits = whole! + frac;
  const point = whole!.length + Number(exp);
  const padded = point > digits.length ? digits.padEnd(point, '0') : digits;
  const seconds = point <= 0 ? '0' : padded.slice(0, point);
  const fraction = point < 0 ? '0'.repeat(-point) + digits : padded.slice(Math.max(point, 0));
  let ms = BigInt(seconds) * 1000n + BigInt((fraction + '000').slice(0, 3));
  if (sign === '-') ms = -ms - (/[1-9]/.test(fraction.slice(3)) ? 1n : 0n);
  return new Date(Number(ms)).toISOString();
}
