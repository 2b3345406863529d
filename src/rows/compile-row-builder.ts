import type { Row } from './row.js';

/** Values of one batch, column by column. */
export type ColumnValues = readonly (readonly unknown[])[];

/**
 * A function that builds row `r` from column-major values as an object literal of fixed shape.
 * Compiled once per read: object literals with the same keys share one hidden class, which is
 * several times faster than assigning computed keys row by row.
 */
export function compileRowBuilder(names: readonly string[]): (columns: ColumnValues, r: number) => Row {
  const fields = names.map((n, i) => `${JSON.stringify(n)}: c[${i}][r]`).join(', ');
  return new Function('c', 'r', `return { ${fields} };`) as (columns: ColumnValues, r: number) => Row;
}
