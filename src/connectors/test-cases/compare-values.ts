/** One place where what a case expects and what the code did differ. */
export interface Difference {
  /** Where, as `body.inputs[0].properties.email` (empty: the value as a whole). */
  path: string;
  expected: unknown;
  actual: unknown;
}

/** How many differences one comparison reports at most: past that the case is plainly wrong, and the rest is noise. */
const MAX_DIFFERENCES = 20;

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The path of a key below `path`: `.name` for plain names, `["a b"]` for others. */
export function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  if (/^[A-Za-z_$][\w$-]*$/.test(key)) return path ? `${path}.${key}` : key;
  return `${path}[${JSON.stringify(key)}]`;
}

/**
 * The differences between two JSON values, deepest first found: mappings key by key (order aside), lists item by
 * item, anything else by value. Only the differing parts are reported.
 */
export function compareValues(expected: unknown, actual: unknown, path: string, out: Difference[] = []): Difference[] {
  if (out.length >= MAX_DIFFERENCES) return out;
  if (isObject(expected) && isObject(actual)) {
    for (const key of Object.keys(expected)) {
      const p = childPath(path, key);
      if (!(key in actual)) out.push({ path: p, expected: expected[key], actual: undefined });
      else compareValues(expected[key], actual[key], p, out);
    }
    for (const key of Object.keys(actual)) if (!(key in expected)) out.push({ path: childPath(path, key), expected: undefined, actual: actual[key] });
    return out;
  }
  if (Array.isArray(expected) && Array.isArray(actual)) {
    const n = Math.max(expected.length, actual.length);
    for (let i = 0; i < n; i++) {
      const p = childPath(path, i);
      if (i >= actual.length) out.push({ path: p, expected: expected[i], actual: undefined });
      else if (i >= expected.length) out.push({ path: p, expected: undefined, actual: actual[i] });
      else compareValues(expected[i], actual[i], p, out);
    }
    return out;
  }
  if (expected !== actual) out.push({ path, expected, actual });
  return out;
}

/** A value as a diff line shows it: JSON, cut when long; `nothing` for an absent one. */
export function showValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 200 ? `${text.slice(0, 200)}...` : text;
}

/** `path: expected X, got Y`, one line per difference. */
export function formatDifferences(differences: readonly Difference[]): string[] {
  const lines = differences.map((d) => `${d.path || '(value)'}: expected ${showValue(d.expected)}, got ${showValue(d.actual)}`);
  if (differences.length >= MAX_DIFFERENCES) lines.push(`(only the first ${MAX_DIFFERENCES} differences are shown)`);
  return lines;
}
