import type { Column, ColumnType } from '../../rows/row.js';
import { declaredDecimal } from '../declared-decimal.js';
import type { NativeType } from '../table-schema.js';

// DuckDB's types both ways: what a query's column reads as (ColumnType), and what a table column Sluice creates or
// finds can hold. Types not listed (time of day, intervals, UUIDs, enums...) read as strings.

/** A query column's type by its id name (`DuckDBTypeId`) and alias. */
export function duckdbColumnType(typeId: string, alias?: string): ColumnType {
  if (alias?.toUpperCase() === 'JSON') return 'json';
  switch (typeId) {
    case 'TINYINT':
    case 'SMALLINT':
    case 'INTEGER':
    case 'BIGINT':
    case 'HUGEINT':
    case 'UTINYINT':
    case 'USMALLINT':
    case 'UINTEGER':
    case 'UBIGINT':
    case 'UHUGEINT':
    case 'BIGNUM':
      return 'integer';
    case 'DECIMAL':
      return 'decimal';
    case 'FLOAT':
    case 'DOUBLE':
      return 'number';
    case 'BOOLEAN':
      return 'boolean';
    case 'DATE':
      return 'date';
    case 'TIMESTAMP':
    case 'TIMESTAMP_S':
    case 'TIMESTAMP_MS':
    case 'TIMESTAMP_NS':
    case 'TIMESTAMP_TZ':
      return 'timestamp';
    case 'LIST':
    case 'ARRAY':
    case 'STRUCT':
    case 'MAP':
    case 'UNION':
      return 'json';
    case 'BLOB':
      return 'binary';
  }
  return 'string';
}

/**
 * The type Sluice gives a table column it creates for a source column: string → VARCHAR, integer → BIGINT,
 * decimal → DECIMAL(p,s) of the source when it says and fits (p <= 38), else DECIMAL(38,10) (values that would be
 * rounded are rejected row by row), number → DOUBLE, boolean → BOOLEAN, date → DATE, timestamp → TIMESTAMPTZ,
 * json → JSON, binary → BLOB.
 */
export function duckdbTableColumnType(column: Column): string {
  switch (column.type) {
    case 'string':
      return 'VARCHAR';
    case 'integer':
      return 'BIGINT';
    case 'decimal': {
      const d = declaredDecimal(column.nativeType);
      return d && d.precision >= 1 && d.precision <= 38 && d.scale <= d.precision ? `DECIMAL(${d.precision},${d.scale})` : 'DECIMAL(38,10)';
    }
    case 'number':
      return 'DOUBLE';
    case 'boolean':
      return 'BOOLEAN';
    case 'date':
      return 'DATE';
    case 'timestamp':
      return 'TIMESTAMPTZ';
    case 'json':
      return 'JSON';
    case 'binary':
      return 'BLOB';
  }
}

/** A table column's type (information_schema data_type) read as what it can hold. */
export function duckdbNativeType(type: string): NativeType {
  const t = type.toUpperCase().trim();
  if (t.endsWith(']') || /^(STRUCT|MAP|UNION|LIST)\b/.test(t)) return { family: 'other' };
  if (/^(VARCHAR|TEXT|STRING|CHAR|BPCHAR)\b/.test(t)) return { family: 'text' };
  if (/^U?(TINYINT|SMALLINT|INTEGER|INT|BIGINT|HUGEINT)$/.test(t)) return { family: 'integer' };
  const dec = /^(?:DECIMAL|NUMERIC)(?:\((\d+),\s*(\d+)\))?$/.exec(t);
  if (dec) return { family: 'decimal', precision: Number(dec[1] ?? 18), scale: Number(dec[2] ?? 3) };
  if (/^(FLOAT|DOUBLE|REAL)$/.test(t)) return { family: 'float' };
  if (t === 'BOOLEAN') return { family: 'boolean' };
  if (t === 'DATE') return { family: 'date' };
  if (t.startsWith('TIMESTAMP')) return { family: 'timestamp' };
  if (t === 'JSON') return { family: 'json' };
  if (t === 'BLOB') return { family: 'binary' };
  return { family: 'other' };
}
