import type { Row } from '../../rows/row.js';
import type { CopyTextEncoder } from './copy-text-encoder.js';

/** Builds one COPY text line (fields joined by tabs, ending in a newline) from a row and its position. */
export type CopyLine = (row: Row, position: number) => string;

/**
 * Compiles the line builder of a column list once per table: one expression with a property read per
 * column, instead of a loop over names and encoders for every row (the hot path of a load).
 */
export function compileCopyLine(names: readonly string[], encoders: readonly CopyTextEncoder[], withPosition: boolean): CopyLine {
  const fields = names.map((n, i) => `e[${i}](row[${JSON.stringify(n)}])`);
  if (withPosition) fields.unshift('position');
  const body = `return function copyLine(row, position) { return ${fields.join(` + '\\t' + `)} + '\\n'; };`;
  return (new Function('e', body) as (e: readonly CopyTextEncoder[]) => CopyLine)(encoders);
}
