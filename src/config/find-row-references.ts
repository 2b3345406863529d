import { Liquid } from 'liquidjs';
import type { PlaceInTemplate } from './template-position.js';

/** One `row.X` a template reads: the column and where in the template it is written. */
export interface RowReference {
  column: string;
  /** As written: `row.email`, `row['first name']`. */
  text: string;
  at: PlaceInTemplate;
}

// Analysis needs no filters: an unknown filter is reported apart (when the template loads).
const liquid = new Liquid();
const conditionPrefix = '{% if ';

/**
 * Every column a template reads from `row` by a fixed name (`row.email`, `row["first name"]`, `row.tags[0]` reads
 * `tags`); `row` read whole or by a computed name is not a column reference. A condition (without braces) is read as
 * in `{% if %}`. Empty when the template does not parse (that is reported when the connector loads).
 */
export function findRowReferences(template: string, options: { condition?: boolean } = {}): RowReference[] {
  const text = options.condition ? `${conditionPrefix}${template} %}{% endif %}` : template;
  let analysis;
  try {
    analysis = liquid.analyzeSync(liquid.parse(text));
  } catch {
    return [];
  }
  const out: RowReference[] = [];
  for (const variable of analysis.globals['row'] ?? []) {
    const column = variable.segments[1];
    if (typeof column !== 'string') continue;
    const { row: line, col } = variable.location;
    const column1 = options.condition && line === 1 ? col - conditionPrefix.length : col;
    out.push({ column, text: String(variable), at: { line, column: column1 } });
  }
  return out;
}
