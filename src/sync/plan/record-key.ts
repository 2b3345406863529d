import type { Row } from '../../rows/row.js';

/** The key columns of a sync, as a list (a sync's `key` is one column or a list). */
export function keyColumns(key: string | string[] | undefined): string[] {
  if (key === undefined) return [];
  return Array.isArray(key) ? key : [key];
}

/**
 * The record key of a row as one string: the value itself for a one-column key, a JSON array for a composite key.
 * Returns null when a key column is NULL or missing (such a row cannot be tracked and is rejected).
 */
export function recordKey(row: Row, columns: string[]): string | null {
  if (columns.length === 1) {
    const v = row[columns[0]!];
    return v === null || v === undefined ? null : keyPart(v);
  }
  const parts: string[] = [];
  for (const c of columns) {
    const v = row[c];
    if (v === null || v === undefined) return null;
    parts.push(keyPart(v));
  }
  return JSON.stringify(parts);
}

function keyPart(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}
