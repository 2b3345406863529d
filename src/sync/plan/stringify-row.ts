import type { Row } from '../../rows/row.js';

const bigintSafe = (_k: string, v: unknown) => (typeof v === 'bigint' ? v.toString() : v);

/** A row as JSON text, in its column order (the fingerprint is taken of this text, so it must be deterministic). */
export function stringifyRow(row: Row): string {
  try {
    return JSON.stringify(row);
  } catch {
    return JSON.stringify(row, bigintSafe);
  }
}
