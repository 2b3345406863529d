import type { ColumnType } from '../../rows/row.js';

// BigQuery's types as a query's columns read (BigQuery is read only: it is never a table destination). Types not
// listed (TIME, INTERVAL, GEOGRAPHY...) read as strings.

/** A query column's type by its result schema field's type and mode (REPEATED fields are arrays, so json). */
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
