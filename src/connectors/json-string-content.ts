// What JSON.stringify would escape: quotes, backslashes, control characters, and (possibly lone) surrogates.
// eslint-disable-next-line no-control-regex -- control characters are exactly what JSON strings must escape
const needsEscape = /["\\\u0000-\u001f\ud800-\udfff]/;

/** Text escaped for the inside of a JSON string literal. */
export function jsonStringContent(text: string): string {
  // Most values need no escaping: skip the copy JSON.stringify and slice would make.
  return needsEscape.test(text) ? JSON.stringify(text).slice(1, -1) : text;
}

/** Text as a JSON string literal, quotes included (what JSON.stringify gives, without its cost for plain text). */
export function jsonString(text: string): string {
  return needsEscape.test(text) ? JSON.stringify(text) : `"${text}"`;
}
