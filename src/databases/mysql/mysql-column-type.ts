import type { Column, ColumnType } from '../../rows/row.js';
import { declaredDecimal } from '../declared-decimal.js';
import type { NativeType } from '../table-schema.js';

// MySQL's and MariaDB's types both ways: what a query's column reads as (ColumnType), and what a table column Sluice
// creates or finds can hold. Types not listed (time of day, enums, sets, geometry...) read as strings.

/** A query column's type by the protocol's column type name (mysql2 `Types`), length and flags. */
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

/**
 * The type Sluice gives a table column it creates for a source column: string → LONGTEXT (VARCHAR(255) in a key),
 * integer → BIGINT, decimal → DECIMAL(p,s) of the source when it says, else DECIMAL(65,30), number → DOUBLE,
 * boolean → BOOLEAN, date → DATE, timestamp → DATETIME(6) holding UTC, json → JSON, binary → LONGBLOB
 * (VARBINARY(255) in a key).
 */
export function mysqlTableColumnType(column: Column, isKey: boolean): string {
  switch (column.type) {
    case 'string':
      return isKey ? 'VARCHAR(255)' : 'LONGTEXT';
    case 'integer':
      return 'BIGINT';
    case 'decimal': {
      const d = declaredDecimal(column.nativeType);
      return d && d.precision >= 1 && d.precision <= 65 && d.scale <= 30 && d.scale <= d.precision ? `DECIMAL(${d.precision},${d.scale})` : 'DECIMAL(65,30)';
    }
    case 'number':
      return 'DOUBLE';
    case 'boolean':
      return 'BOOLEAN';
    case 'date':
      return 'DATE';
    case 'timestamp':
      return 'DATETIME(6)';
    case 'json':
      return 'JSON';
    case 'binary':
      return isKey ? 'VARBINARY(255)' : 'LONGBLOB';
  }
}

/** A table column's type (information_schema COLUMN_TYPE) read as what it can hold. */
export function mysqlNativeType(type: string): NativeType {
  const t = type.toLowerCase().trim();
  if (/^(tinyint\(1\)|boolean|bool)\b/.test(t)) return { family: 'boolean' };
  if (/^(tinyint|smallint|mediumint|int|integer|bigint)\b/.test(t)) return { family: 'integer' };
  const dec = /^(?:decimal|numeric)(?:\((\d+)(?:,(\d+))?\))?/.exec(t);
  if (dec) return { family: 'decimal', precision: Number(dec[1] ?? 10), scale: Number(dec[2] ?? 0) };
  if (/^(float|double|real)\b/.test(t)) return { family: 'float' };
  if (/^(varchar|char|tinytext|text|mediumtext|longtext)\b/.test(t)) return { family: 'text' };
  if (t === 'date') return { family: 'date' };
  if (/^(datetime|timestamp)\b/.test(t)) return { family: 'timestamp' };
  if (t === 'json') return { family: 'json' };
  if (/^(binary|varbinary|tinyblob|blob|mediumblob|longblob)\b/.test(t)) return { family: 'binary' };
  return { family: 'other' };
}
