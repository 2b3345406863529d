import { Liquid, TypeGuards, Value } from 'liquidjs';

/** What is wrong with a template, and where inside it (1-based). */
export interface TemplateProblem {
  message: string;
  line: number;
  column: number;
}

// Parsing needs no filters or context: unknown filters are caught when rendering (strictFilters there).
const liquid = new Liquid();

/** Parses a Liquid template; the problem when it does not parse. */
export function checkTemplate(source: string): TemplateProblem | undefined {
  try {
    liquid.parse(source);
    return undefined;
  } catch (e) {
    return problemOf(e);
  }
}

/** Whether a template reads a top-level variable (`items` in a batch body); false when it does not parse (reported apart). */
export function templateUses(source: string, name: string): boolean {
  try {
    return liquid.globalVariablesSync(liquid.parse(source)).includes(name);
  } catch {
    return false;
  }
}

/**
 * Parses a condition (a Liquid expression without braces, as in `{% if %}`). liquidjs accepts some
 * malformed expressions (`a ==`, `a b`) and fails only when rendering, so the operands are counted too.
 */
export function checkCondition(source: string): TemplateProblem | undefined {
  if (source.trim() === '') return { message: 'a condition must not be empty', line: 1, column: 1 };
  let value: Value;
  try {
    value = new Value(source, liquid);
  } catch (e) {
    return problemOf(e);
  }
  let depth = 0;
  for (const token of value.initial.postfix) {
    if (TypeGuards.isOperatorToken(token)) {
      const arity = token.operator === 'not' ? 1 : 2;
      if (depth < arity) return { message: `operator "${token.operator}" is missing an operand`, line: 1, column: 1 };
      depth -= arity - 1;
    } else {
      depth++;
    }
  }
  if (depth > 1) {
    return { message: 'two values without an operator between them (use ==, !=, <, >, <=, >=, contains, and, or)', line: 1, column: 1 };
  }
  return undefined;
}

function problemOf(e: unknown): TemplateProblem {
  const raw = e instanceof Error ? e.message : String(e);
  const m = /,? ?line:(\d+), col:(\d+)\s*$/.exec(raw);
  const message = (m ? raw.slice(0, m.index) : raw).split('\n')[0]!;
  return { message, line: m ? Number(m[1]) : 1, column: m ? Number(m[2]) : 1 };
}
