import type { Column, ColumnType } from '../../rows/row.js';
import type { NativeType } from '../table-schema.js';

// SQLite's declared types both ways: what a query's column reads as (ColumnType), and what a table column Sluice
// creates or finds can hold. Both follow SQLite's own affinity rules, with the names people use for dates, booleans
// and JSON first.

/** A query column's type by its declared type. */
export function sqliteColumnType(declared: string | null): ColumnType {
  const t = (declared ?? '').toUpperCase();
  // An expression has no declared type: describe says string, its values keep their storage class.
  if (t === '') return 'string';
  if (t.includes('BOOL')) return 'boolean';
  if (t.includes('DEC') || t.includes('NUMERIC') || t.includes('MONEY')) return 'decimal';
  if (t.includes('INT')) return 'integer';
  if (t.includes('DATETIME') || t.includes('TIMESTAMP')) return 'timestamp';
  if (t.includes('DATE')) return 'date';
  if (t.includes('JSON')) return 'json';
  if (t.includes('BLOB') || t.includes('BINARY') || t.includes('BYTEA')) return 'binary';
  if (t.includes('REAL') || t.includes('FLOA') || t.includes('DOUB')) return 'number';
  return 'string';
}

/**
 * Source type → column type: string → TEXT, integer → INTEGER, decimal → TEXT (SQLite's NUMERIC affinity would
 * turn "12.50" into the float 12.5; text keeps the exact digits), number → REAL, boolean → BOOLEAN (0/1),
 * date → DATE and timestamp → TIMESTAMP (ISO-8601 text), json → TEXT (JSON text), binary → BLOB.
 */
const TABLE_TYPES: Record<ColumnType, string> = {
  string: 'TEXT',
  integer: 'INTEGER',
  decimal: 'TEXT',
  number: 'REAL',
  boolean: 'BOOLEAN',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
  json: 'TEXT',
  binary: 'BLOB',
};

/** The type Sluice gives a table column it creates for a source column. */
export function sqliteTableColumnType(column: Column): string {
  return TABLE_TYPES[column.type];
}

/** A table column's declared type read as what it can hold. */
export function sqliteNativeType(type: string): NativeType {
  const t = type.toUpperCase();
  if (t === '') return { family: 'text' }; // no declared type: holds anything as given
  if (t.includes('BOOL')) return { family: 'boolean' };
  if (t.includes('INT')) return { family: 'integer' };
  if (t.includes('TIMESTAMP') || t.includes('DATETIME')) return { family: 'timestamp' };
  if (t.includes('DATE')) return { family: 'date' };
  if (t.includes('JSON')) return { family: 'json' };
  if (t.includes('CHAR') || t.includes('CLOB') || t.includes('TEXT')) return { family: 'text' };
  if (t.includes('BLOB')) return { family: 'binary' };
  if (t.includes('REAL') || t.includes('FLOA') || t.includes('DOUB')) return { family: 'float' };
  if (t.includes('DEC') || t.includes('NUM')) return { family: 'decimal' };
  return { family: 'other' };
}
