import type { Column, ColumnType } from '../../rows/row.js';
import type { NativeType } from '../table-schema.js';

// PostgreSQL's types both ways: what a query's column reads as (ColumnType), and what a table column Sluice creates
// or finds can hold. Types not listed (time of day, intervals, UUIDs, enums, geometry...) read as strings.

/** A query column's type by OID; `category` is pg_type.typcategory for types not listed (arrays → json). */
export function postgresColumnType(oid: number, category?: string): ColumnType {
  switch (oid) {
    case 20: // int8
    case 21: // int2
    case 23: // int4
    case 26: // oid
      return 'integer';
    case 1700: // numeric
    case 790: // money
      return 'decimal';
    case 700: // float4
    case 701: // float8
      return 'number';
    case 16:
      return 'boolean';
    case 1082:
      return 'date';
    case 1114: // timestamp
    case 1184: // timestamptz
      return 'timestamp';
    case 114: // json
    case 3802: // jsonb
      return 'json';
    case 17:
      return 'binary';
  }
  return category === 'A' ? 'json' : 'string';
}

/**
 * Source type → column type when Sluice creates or extends a table:
 * string → text, integer → bigint, decimal → numeric (unbounded, exact digits), number → double precision,
 * boolean → boolean, date → date, timestamp → timestamptz, json → jsonb, binary → bytea.
 */
const TABLE_TYPES: Record<ColumnType, string> = {
  string: 'text',
  integer: 'bigint',
  decimal: 'numeric',
  number: 'double precision',
  boolean: 'boolean',
  date: 'date',
  timestamp: 'timestamp with time zone',
  json: 'jsonb',
  binary: 'bytea',
};

/** The type Sluice gives a table column it creates for a source column. */
export function postgresTableColumnType(column: Column): string {
  return TABLE_TYPES[column.type];
}

/** A table column's type (as format_type spells it) read as what it can hold. */
export function postgresNativeType(type: string): NativeType {
  const t = type.toLowerCase();
  if (t.endsWith('[]')) return { family: 'other' };
  if (/^(text|character varying|character|varchar|char|bpchar|name|citext)\b/.test(t)) return { family: 'text' };
  if (/^(smallint|integer|bigint|int2|int4|int8)$/.test(t)) return { family: 'integer' };
  const numeric = /^numeric(?:\((\d+)(?:,\s*(\d+))?\))?$/.exec(t);
  if (numeric) {
    return numeric[1] === undefined ? { family: 'decimal' } : { family: 'decimal', precision: Number(numeric[1]), scale: Number(numeric[2] ?? 0) };
  }
  if (/^(real|double precision|float4|float8)$/.test(t)) return { family: 'float' };
  if (t === 'boolean') return { family: 'boolean' };
  if (t === 'date') return { family: 'date' };
  if (t.startsWith('timestamp')) return { family: 'timestamp' };
  if (t === 'json' || t === 'jsonb') return { family: 'json' };
  if (t === 'bytea') return { family: 'binary' };
  return { family: 'other' };
}
