/** One row as read from a source: column name to a JS value of the shared type mapping (see ColumnType). */
export type Row = Record<string, unknown>;

/**
 * The type every engine's columns map to. Values in rows follow it:
 * string → string; integer → number when |v| <= 2^53-1, otherwise a decimal string (exact);
 * decimal → string with the exact digits ("12.50"); number → number (floating point);
 * boolean → boolean; date → "YYYY-MM-DD"; timestamp → ISO-8601 in UTC with "Z"
 * ("2026-11-22T09:00:00.000Z"); json (JSON, arrays, structs, maps) → plain JS values;
 * binary → base64 string; NULL → null.
 */
export type ColumnType = 'string' | 'integer' | 'decimal' | 'number' | 'boolean' | 'date' | 'timestamp' | 'json' | 'binary';

/** A column of a source: its name, the shared type and the engine's own type name. */
export interface Column {
  name: string;
  type: ColumnType;
  nativeType: string;
}
