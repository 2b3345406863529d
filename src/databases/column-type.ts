import type { ColumnType } from '../rows/row.js';

// The one documented mapping from each engine's native types to the shared ColumnType.
// Values follow source.ts: integers exact (number when safe, else a decimal string), decimals as the
// engine prints them, timestamps as ISO-8601 UTC (naive timestamps are taken as UTC), dates as
// YYYY-MM-DD, JSON/arrays/structs/maps as JS values, binary as base64, NULL as null.
// Anything not listed (time of day, intervals, UUIDs, enums, geometry...) is a string.

/** PostgreSQL: by type OID; `category` is pg_type.typcategory for types not listed (arrays → json). */
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

/** MySQL/MariaDB: by the protocol's column type name (mysql2 `Types`), length and flags. */
export function mysqlColumnType(type: string, length: number, extendedFormat?: string, binaryCharset?: boolean): ColumnType {
  if (extendedFormat === 'json') return 'json';
  switch (type) {
    case 'TINY':
      // TINYINT(1) is how MySQL spells BOOLEAN.
      return length === 1 ? 'boolean' : 'integer';
    case 'SHORT':
    case 'LONG':
    case 'INT24':
    case 'LONGLONG':
    case 'YEAR':
      return 'integer';
    case 'DECIMAL':
    case 'NEWDECIMAL':
      return 'decimal';
    case 'FLOAT':
    case 'DOUBLE':
      return 'number';
    case 'DATE':
    case 'NEWDATE':
      return 'date';
    case 'DATETIME':
    case 'DATETIME2':
    case 'TIMESTAMP':
    case 'TIMESTAMP2':
      return 'timestamp';
    case 'JSON':
      return 'json';
    case 'BIT':
      return length === 1 ? 'boolean' : 'binary';
    case 'TINY_BLOB':
    case 'MEDIUM_BLOB':
    case 'LONG_BLOB':
    case 'BLOB':
    case 'STRING':
    case 'VAR_STRING':
    case 'VARCHAR':
      return binaryCharset ? 'binary' : 'string';
  }
  return 'string';
}

/** SQLite: by the declared type, following SQLite's own affinity rules with the names people use. */
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

/** DuckDB: by the type's id name (`DuckDBTypeId`) and alias. */
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

/** BigQuery: by a result schema field's type and mode (REPEATED fields are arrays, so json). */
export function bigqueryColumnType(type: string, mode?: string): ColumnType {
  if (mode === 'REPEATED') return 'json';
  switch (type) {
    case 'INTEGER':
    case 'INT64':
      return 'integer';
    case 'NUMERIC':
    case 'BIGNUMERIC':
      return 'decimal';
    case 'FLOAT':
    case 'FLOAT64':
      return 'number';
    case 'BOOLEAN':
    case 'BOOL':
      return 'boolean';
    case 'DATE':
      return 'date';
    case 'TIMESTAMP':
    case 'DATETIME':
      return 'timestamp';
    case 'JSON':
    case 'RECORD':
    case 'STRUCT':
    case 'RANGE':
      return 'json';
    case 'BYTES':
      return 'binary';
  }
  return 'string';
}
