import type { Row } from '../rows/row.js';

/** A sync's `mapping` (destination field: source column) as a function renaming a row's columns; unmapped columns pass through. */
export function createRowMapper(mapping: Record<string, string> | undefined): (row: Row) => Row {
  if (!mapping || Object.keys(mapping).length === 0) return (row) => row;
  const renamed = new Set(Object.values(mapping));
  const entries = Object.entries(mapping);
  return (row) => {
    const out: Row = {};
    for (const k in row) if (!renamed.has(k)) out[k] = row[k];
    for (const [dest, src] of entries) out[dest] = row[src] ?? null;
    return out;
  };
}

/** The destination name of a source column under a mapping (for keys named by their source column). */
export function mappedName(mapping: Record<string, string> | undefined, column: string): string {
  if (!mapping) return column;
  for (const [dest, src] of Object.entries(mapping)) if (src === column) return dest;
  return column;
}
