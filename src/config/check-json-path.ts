/**
 * Why a JSONPath (the jsonpath-plus syntax streams use) cannot be read, or null when it can.
 * jsonpath-plus itself reads almost any text (`$.data[` selects `$.data`, `data.items` a relative path), so a typo
 * would select something else, or nothing, only at run time: the spec is checked when it loads instead.
 */
export function checkJsonPath(path: string): string | null {
  if (path.trim() === '') return 'it is empty: give a JSONPath, "$" for the whole body or "$.data" for a field';
  if (!path.startsWith('$')) return `a JSONPath starts with $ (the response body), as in "$.${path.replace(/^[.$]+/, '')}"`;
  let i = 1;
  while (i < path.length) {
    const c = path[i]!;
    if (c === '.') {
      const dots = path[i + 1] === '.' ? 2 : 1;
      i += dots;
      if (dots === 2 && path[i] === '[') continue;
      if (path[i] === '*') {
        i++;
        continue;
      }
      const name = NAME.exec(path.slice(i))?.[0];
      if (!name) return `a name or * must follow "${'.'.repeat(dots)}" at character ${i + 1}`;
      i += name.length;
    } else if (c === '[') {
      const end = closingBracket(path, i);
      if (end < 0) return `the [ at character ${i + 1} is not closed`;
      const problem = bracketProblem(path.slice(i + 1, end).trim());
      if (problem) return `${problem} in the [ ] at character ${i + 1}`;
      i = end + 1;
    } else {
      return `"${c}" at character ${i + 1} cannot follow "${path.slice(0, i)}" (a step starts with . or [)`;
    }
  }
  return null;
}

/** A member name written after a dot: anything up to the next step, quote or space. */
const NAME = /^[^.[\]\s'"()]+/;
const INDEX = /^-?\d+$/;
const SLICE = /^-?\d*:-?\d*(:-?\d*)?$/;
const QUOTED = /^(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")$/;

/** The index of the `]` closing the `[` at `open` (quotes and parentheses skipped), or -1. */
function closingBracket(path: string, open: number): number {
  let depth = 0;
  for (const [i, c] of outsideQuotes(path, open + 1).characters) {
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ']' && depth <= 0) return i;
  }
  return -1;
}

/** What is wrong inside `[ ]`: a wildcard, a filter `?( )` or script `( )`, or a list of indexes, slices and names. */
function bracketProblem(inner: string): string | null {
  if (inner === '') return 'nothing';
  if (inner === '*') return null;
  if (inner.startsWith('?(') || inner.startsWith('(')) {
    return inner.endsWith(')') && balanced(inner) ? null : 'an unbalanced ( )';
  }
  for (const part of inner.split(',').map((p) => p.trim())) {
    if (!(INDEX.test(part) || SLICE.test(part) || QUOTED.test(part) || /^[^\s'"()[\]]+$/.test(part))) return `"${part}"`;
  }
  return null;
}

/** Whether every ( is closed, in order, and every quote too. */
function balanced(text: string): boolean {
  const { characters, quoteLeftOpen } = outsideQuotes(text, 0);
  let depth = 0;
  for (const [, c] of characters) {
    if (c === '(') depth++;
    else if (c === ')' && --depth < 0) return false;
  }
  return depth === 0 && !quoteLeftOpen;
}

/**
 * The characters of `text` from `start` on that stand outside quoted names ('…' or "…", where a backslash escapes the next
 * character), with their index: a bracket or parenthesis inside quotes is part of a name. The quotes are left out.
 */
function outsideQuotes(text: string, start: number): { characters: [number, string][]; quoteLeftOpen: boolean } {
  const characters: [number, string][] = [];
  let quote: string | null = null;
  for (let i = start; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
    } else if (c === "'" || c === '"') quote = c;
    else characters.push([i, c]);
  }
  return { characters, quoteLeftOpen: quote !== null };
}
