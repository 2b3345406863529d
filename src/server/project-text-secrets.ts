import { MASK } from './mask-raw-connection.js';

/**
 * sluice.yaml's text as the project editor shows it, with every literal credential of a connection masked, and the
 * edited text with the masks put back. It works on lines, not on parsed YAML, because the editor opens exactly when
 * the file does not parse. The places are those of `secretPlaces`: a connection's auth values (but type, client_id
 * and redirect_uri), its SSH secrets, access_token, the password of its URL, and config values whose key names a
 * secret; `${env:...}` and `${secret:...}` references are no secrets and stay.
 */

/** One credential in the text: where it is, the key path naming it, and its text as written (quotes included). */
interface SecretSpot {
  path: string;
  start: number;
  end: number;
  text: string;
}

const QUOTED_MASK = `"${MASK}"`;
const publicAuthKeys = new Set(['type', 'client_id', 'redirect_uri']);
const sshSecrets = new Set(['password', 'private_key', 'passphrase']);
const secretConfigKey = /secret|token|password|passphrase|key/i;
const reference = /^\$\{(?:env|secret):[A-Za-z_][A-Za-z0-9_]*\}$/;
// `key: value`, possibly as a list item; the value stops before a comment.
const keyLine = /^(\s*)(-\s+)?([A-Za-z_][\w.-]*|"[^"]*"|'[^']*')\s*:(?:\s+|$)(.*)$/;
// A scalar as written: double-quoted, single-quoted, or plain (up to a comment, or a `,`/`}` inside a flow map).
const scalarAt = /^("(?:[^"\\\n]|\\.)*"|'(?:[^'\n]|'')*'|[^\s#,{}[\]][^#,{}\n]*?)(?=\s*(?:#|,|}|$))/;
const urlPassword = /([a-z][a-z0-9+.-]*:\/\/[^/:@\s"']*:)([^@/\s"']+)@|([?&]password=)([^&\s"']+)/gi;

const unquote = (text: string): string => (/^".*"$|^'.*'$/s.test(text) ? text.slice(1, -1) : text);

/** Whether a value at `path` (connections.NAME.…) is a credential. */
function isSecretPath(path: string[]): boolean {
  if (path[0] !== 'connections' || path.length < 3) return false;
  const [, , section, key] = path;
  if (section === 'access_token') return path.length === 3;
  if (section === 'auth') return path.length === 4 && !publicAuthKeys.has(key!);
  if (section === 'ssh') return path.length === 4 && sshSecrets.has(key!);
  if (section === 'config') return path.length === 4 && secretConfigKey.test(key!);
  return false;
}

/** The scalar values of a one-line flow map (`{ type: bearer, token: "x" }`, nested maps too), each with its key path below the line's key and its offset. */
function flowEntries(text: string, offset: number): { path: string[]; start: number; text: string }[] {
  const entries: { path: string[]; start: number; text: string }[] = [];
  const open: string[] = [];
  let pending: string | undefined;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '#' && /\s/.test(text[i - 1] ?? ' ')) break;
    if (c === '{') {
      open.push(pending ?? '');
      pending = undefined;
      i++;
      continue;
    }
    if (c === '}') open.pop();
    if ('}[], \t'.includes(c)) {
      i++;
      continue;
    }
    const key = /^([A-Za-z_][\w-]*)\s*:(?:\s+|(?=[{"']))/.exec(text.slice(i));
    if (key) {
      pending = key[1]!;
      i += key[0].length;
      const scalar = text[i] === '{' ? null : scalarAt.exec(text.slice(i));
      if (scalar) {
        entries.push({ path: [...open.slice(1), pending], start: offset + i, text: scalar[1]! });
        i += scalar[1]!.length;
        pending = undefined;
      }
      continue;
    }
    const scalar = scalarAt.exec(text.slice(i));
    i += scalar && scalar[1]!.length > 0 ? scalar[1]!.length : 1;
  }
  return entries;
}

/** Every scalar value of the text by key path (`secret`: a credential's place), and every URL password, in order. */
function scanValues(text: string): { values: (SecretSpot & { secret: boolean })[]; passwords: SecretSpot[] } {
  const values: (SecretSpot & { secret: boolean })[] = [];
  const passwords: SecretSpot[] = [];
  const stack: { indent: number; key: string }[] = [];
  let offset = 0;
  for (const full of text.split('\n')) {
    // A CRLF file's lines end in \r, which `.` does not match: matched without it, counted with it.
    const line = full.endsWith('\r') ? full.slice(0, -1) : full;
    const m = keyLine.exec(line);
    if (m && !line.trimStart().startsWith('#')) {
      // A list item's keys sit deeper than its dash.
      const indent = m[1]!.length + (m[2]?.length ?? 0);
      while (stack.length > 0 && stack[stack.length - 1]!.indent >= indent) stack.pop();
      const key = unquote(m[3]!);
      const path = [...stack.map((s) => s.key), key];
      const valueStart = offset + line.length - m[4]!.length;
      const value = m[4]!;
      if (value.startsWith('{') || value.startsWith('[')) {
        // A flow map or list of maps: its entries, below the line's key (`auth: { token: x }`, `auth: [{ … }]`, or a
        // whole connection on one line).
        for (const entry of flowEntries(value, valueStart)) {
          const inner = [...path, ...entry.path];
          values.push({ path: inner.join('.'), start: entry.start, end: entry.start + entry.text.length, text: entry.text, secret: isSecretPath(inner) });
        }
      } else if (isSecretPath(path) && /^[|>][-+0-9]*\s*(#.*)?$/.test(value)) {
        // A block scalar (a PEM key): the lines below it that sit deeper, masked as one value.
        let end = offset + full.length;
        for (const next of text.slice(end + 1).split('\n')) {
          if (next.trim() !== '' && next.length - next.trimStart().length <= indent) break;
          end += next.length + 1;
        }
        values.push({ path: path.join('.'), start: valueStart, end, text: text.slice(valueStart, end), secret: true });
      } else {
        const scalar = scalarAt.exec(value);
        if (scalar) values.push({ path: path.join('.'), start: valueStart, end: valueStart + scalar[1]!.length, text: scalar[1]!, secret: isSecretPath(path) });
      }
      if (path[0] === 'connections') {
        for (const u of line.matchAll(urlPassword)) {
          const start = offset + u.index + (u[1] ?? u[3]!).length;
          const secret = u[2] ?? u[4]!;
          passwords.push({ path: path.join('.'), start, end: start + secret.length, text: secret });
        }
      }
      stack.push({ indent, key });
    }
    offset += full.length + 1;
  }
  return { values, passwords };
}

/** A value with the password of any URL in it masked. */
const maskUrlPassword = (text: string) => text.replace(urlPassword, (_all, user?: string, _p?: string, query?: string) => (user ? `${user}${MASK}@` : `${query}${MASK}`));
const isReference = (text: string) => reference.test(unquote(text));
const isMasked = (text: string) => unquote(text) === MASK;

/** Replaces ranges of a text (in order, not overlapping). */
function replaceRanges(text: string, ranges: { start: number; end: number; with: string }[]): string {
  let out = '';
  let last = 0;
  for (const r of [...ranges].sort((a, b) => a.start - b.start)) {
    if (r.start < last) continue;
    out += text.slice(last, r.start) + r.with;
    last = r.end;
  }
  return out + text.slice(last);
}

/** The text with every literal credential replaced by the mask (a URL's password inside its string). */
export function maskProjectSecrets(text: string): string {
  const { values, passwords } = scanValues(text);
  const secrets = values.filter((v) => v.secret && !isReference(v.text) && !isMasked(v.text));
  const inSecret = (p: SecretSpot) => secrets.some((s) => p.start >= s.start && p.end <= s.end);
  return replaceRanges(text, [
    ...secrets.map((s) => ({ start: s.start, end: s.end, with: QUOTED_MASK })),
    ...passwords.filter((p) => !inSecret(p) && p.text !== MASK).map((p) => ({ start: p.start, end: p.end, with: MASK })),
  ]);
}

/**
 * The edited text with each value that holds the mask replaced by the value the current file holds at the same key
 * path (the n-th value of a path matching the n-th), when that value is shown exactly so (`shown`: the masking above
 * and then `redact`, the server's redactor, which also hides secrets it knows elsewhere, like a secret base URL).
 * A mask anywhere else is refused, naming the place, so that the user types the value there.
 */
export function restoreProjectSecrets(edited: string, current: string, redact: (text: string) => string = (t) => t): { text: string } | { missing: string } {
  const currentValues = new Map<string, { text: string; shown: string }[]>();
  for (const v of scanValues(current).values) {
    const shown = redact(v.secret && !isReference(v.text) ? QUOTED_MASK : v.path.startsWith('connections.') ? maskUrlPassword(v.text) : v.text);
    currentValues.set(v.path, [...(currentValues.get(v.path) ?? []), { text: v.text, shown }]);
  }
  const seen = new Map<string, number>();
  const ranges: { start: number; end: number; with: string }[] = [];
  for (const v of scanValues(edited).values) {
    const n = seen.get(v.path) ?? 0;
    seen.set(v.path, n + 1);
    if (!v.text.includes(MASK)) continue;
    const original = currentValues.get(v.path)?.[n];
    if (!original || unquote(original.shown) !== unquote(v.text) || original.text.includes(MASK)) return { missing: v.path };
    ranges.push({ start: v.start, end: v.end, with: original.text });
  }
  return { text: replaceRanges(edited, ranges) };
}
