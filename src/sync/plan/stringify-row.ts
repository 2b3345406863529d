import type { Row } from '../../rows/row.js';

const bigintSafe = (_k: string, v: unknown) => (typeof v === 'bigint' ? v.toString() : v);

/** A row as JSON text, in its column order (the fingerprint is taken of this text, so it must be deterministic). */
export function stringifyRow(row: Row): string {
  return plainRowJson(row) ?? JSON.stringify(row, bigintSafe);
}

/**
 * The row's JSON.stringify text, the same text stringifyRow gives and the same a `json` filter writes of it; null when
 * the row holds what JSON.stringify refuses (a bigint), where those two differ.
 */
export function plainRowJson(row: Row): string | null {
  try {
    return JSON.stringify(row);
  } catch {
    return null;
  }
}
