import jsonc from 'jsonc-parser';
import { TemplateError } from './template-error.js';

/** `ValueExpected` → `value expected`. */
function describe(code: jsonc.ParseErrorCode): string {
  return jsonc
    .printParseErrorCode(code)
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase();
}

/**
 * A rendered JSON body made ready to send: a trailing comma before `]` or `}` is dropped (found by a JSON
 * tokenizer, so string contents are never touched). Anything else that is not JSON throws a TemplateError
 * `<role> is not valid JSON: <problem> at line L column C`, followed by the rendered text.
 */
export function normalizeJsonBody(text: string, role = 'body'): string {
  try {
    JSON.parse(text);
    return text;
  } catch {
    // Fall through: find trailing commas, or say precisely what is wrong.
  }
  const trailing: number[] = [];
  let pendingComma = -1;
  let problem: { code: jsonc.ParseErrorCode; line: number; column: number } | undefined;
  const reset = (): void => {
    pendingComma = -1;
  };
  const close = (): void => {
    if (pendingComma >= 0) trailing.push(pendingComma);
    pendingComma = -1;
  };
  jsonc.visit(
    text,
    {
      onObjectBegin: reset,
      onArrayBegin: reset,
      onObjectProperty: reset,
      onLiteralValue: reset,
      onObjectEnd: close,
      onArrayEnd: close,
      onSeparator: (ch, offset) => {
        pendingComma = ch === ',' ? offset : -1;
      },
      onError: (code, _offset, _length, line, column) => {
        problem ??= { code, line: line + 1, column: column + 1 };
      },
    },
    { allowTrailingComma: true, disallowComments: true, allowEmptyContent: false },
  );
  if (problem) {
    throw new TemplateError(
      `${role} is not valid JSON: ${describe(problem.code)} at line ${problem.line} column ${problem.column}\n${text}`,
      role,
    );
  }
  let out = '';
  let from = 0;
  for (const at of trailing) {
    out += text.slice(from, at);
    from = at + 1;
  }
  out += text.slice(from);
  try {
    JSON.parse(out);
  } catch (e) {
    throw new TemplateError(`${role} is not valid JSON: ${(e as Error).message}\n${text}`, role);
  }
  return out;
}
