import type { Row } from '../../rows/row.js';

/** The key columns of a record rebuilt from its key string (a removed record has no source row left). */
export function keyRow(key: string, columns: string[]): Row {
  if (columns.length === 1) return { [columns[0]!]: key };
  const parts = JSON.parse(key) as string[];
  return Object.fromEntries(columns.map((c, i) => [c, parts[i] ?? null]));
}
