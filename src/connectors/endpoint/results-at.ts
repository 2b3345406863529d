import { JSONPath } from 'jsonpath-plus';

const simplePath = /^\$(?:\.[A-Za-z_]\w*)*$/;
const hasOwn = Object.prototype.hasOwnProperty;

/**
 * The per-record results at `response.results`: the array it selects (`$.results`), or every match (`$.results[*]`);
 * a string says why there are none to read (the path matched nothing, or a plain path found something not a list).
 * A plain dotted path into a JSON object is walked directly; anything else goes through JSONPath.
 */
export function resultsAt(path: string, body: unknown): unknown[] | string {
  let found: unknown[];
  const simple = simplePath.test(path);
  if (body !== null && typeof body === 'object' && simple) {
    let value: unknown = body;
    let missing = false;
    for (const key of path.split('.').slice(1)) {
      if (value === null || typeof value !== 'object' || !hasOwn.call(value, key)) {
        missing = true;
        break;
      }
      value = (value as Record<string, unknown>)[key];
    }
    found = missing ? [] : [value];
  } else {
    found = JSONPath({ path, json: body as object, wrap: true, eval: 'safe' }) as unknown[];
  }
  if (found.length === 0) return `response.results (${path}) matches nothing in the response`;
  // `$.results` selects the array itself; `$.results[*]` selects its elements.
  if (found.length === 1 && Array.isArray(found[0])) return found[0] as unknown[];
  if (simple) return `response.results (${path}) is not a list in the response`;
  return found;
}
