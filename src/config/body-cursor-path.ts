/** Object keys a dotted path may not name: setting them would reach every object's prototype. */
const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'constructor', 'prototype']);

/** Why a cursor_param cannot be a dotted path in a JSON body, or null when it can. */
export function bodyCursorPathProblem(path: string): string | null {
  const segments = path.split('.');
  if (segments.some((s) => s === '')) return `"${path}" has an empty part: give a dotted path such as variables.after`;
  const forbidden = segments.find((s) => FORBIDDEN_SEGMENTS.has(s));
  return forbidden ? `"${path}" names ${forbidden}, which a body may not set` : null;
}
