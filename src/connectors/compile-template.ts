import jsonc from 'jsonc-parser';
import { Output, TokenKind, TypeGuards, type Template } from 'liquidjs';
import { jsonStringContent } from './json-string-content.js';
import { isRawJson, outputText } from './output-text.js';

/** Thrown by a compiled template when the data needs Liquid's full semantics (a Drop, a function). */
export const bailOut: unique symbol = Symbol('bail out to liquidjs');

/** Thrown by `renderJson` when validity cannot be proven for this render: render and validate the slow way. */
export const notProvablyJson: unique symbol = Symbol('not provably JSON');

/** Thrown by a compiled template in strict mode for an undefined variable: the dotted path that was missing. */
export class UndefinedPathError extends Error {
  constructor(readonly path: string) {
    super(`undefined variable: ${path}`);
  }
}

/** A template compiled to closures. */
export interface CompiledTemplate {
  /** Renders with the given escaping of outputs (the render mode's). */
  render(context: object, escape: (value: unknown) => string, strict: boolean): string;
  /**
   * Renders in JSON mode text that is valid JSON by construction, without parsing it: present when the template's
   * text around its outputs is valid JSON with every output either inside a string or standing alone as a value.
   * Throws `notProvablyJson` when one render's values do not fit (a bare output that is not a JSON scalar).
   */
  renderJson?: (context: object, strict: boolean) => string;
}

type Handler = (value: unknown) => unknown;
interface OutputPart {
  path: (string | number)[];
  filters: Handler[];
  /** The last filter is raw (not escaped again). */
  raw: boolean;
  /** The last filter is `json`: the output is always a whole JSON value. */
  json: boolean;
}
type Part = string | OutputPart;

const hasOwn = Object.prototype.hasOwnProperty;
const jsonScalar = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)$/;

/** One property read with liquidjs's semantics for plain data (ownPropertyOnly); odd cases bail out. */
function readProperty(obj: unknown, key: string | number): unknown {
  if (obj === null || obj === undefined) return obj;
  if (typeof obj === 'object' && typeof (obj as { toLiquid?: unknown }).toLiquid === 'function') throw bailOut;
  if (Array.isArray(obj) && typeof key === 'number') return element(obj, key);
  const value = hasOwn.call(obj, key) ? (obj as Record<string | number, unknown>)[key] : undefined;
  if (typeof value === 'function') throw bailOut;
  // Liquid's special properties, when the data has no own property of that name.
  if (key === 'size' && value === undefined) {
    if (typeof obj === 'string' || Array.isArray(obj)) return obj.length;
    return typeof obj === 'object' ? Object.keys(obj).length : undefined;
  }
  if (Array.isArray(obj) && (key === 'first' || key === 'last')) return element(obj, key === 'first' ? 0 : -1);
  return value;
}

function element(arr: unknown[], key: number): unknown {
  const index = key < 0 ? arr.length + key : key;
  return hasOwn.call(arr, index) ? arr[index] : undefined;
}

/** Parses the outputs of a template; undefined when any part is beyond the compiled subset. */
function partsOf(templates: Template[], pure: ReadonlyMap<string, Handler>, isEscape: (filter: unknown) => boolean): Part[] | undefined {
  const parts: Part[] = [];
  for (const tpl of templates) {
    const token = (tpl as { token?: { kind?: number } }).token;
    if (token?.kind === TokenKind.HTML) {
      parts.push((tpl as unknown as { str: string }).str);
      continue;
    }
    if (!(tpl instanceof Output)) return undefined;
    const { initial, filters } = tpl.value;
    if (initial.postfix.length !== 1) return undefined;
    const access = initial.postfix[0];
    if (!TypeGuards.isPropertyAccessToken(access) || access.variable !== undefined) return undefined;
    const path: (string | number)[] = [];
    for (const prop of access.props) {
      if (!TypeGuards.isWordToken(prop) && !TypeGuards.isQuotedToken(prop) && !TypeGuards.isNumberToken(prop)) return undefined;
      path.push((prop as unknown as { content: string | number }).content);
    }
    const handlers: Handler[] = [];
    let raw = true;
    let last = '';
    for (let i = 0; i < filters.length; i++) {
      const filter = filters[i]!;
      if (i === filters.length - 1 && isEscape(filter)) {
        raw = false;
        break;
      }
      const handler = pure.get(filter.name);
      if (!handler || filter.args.length > 0) return undefined;
      handlers.push(handler);
      last = filter.name;
    }
    parts.push({ path, filters: handlers, raw, json: raw && last === 'json' });
  }
  return parts;
}

/**
 * Where each output sits in the JSON text around it: inside a string, or alone as a value. Undefined when the
 * text is not JSON with a placeholder for each output, or an output sits anywhere else (part of a number...).
 */
function jsonPlaces(parts: Part[]): ('string' | 'value')[] | undefined {
  let probe = '';
  const offsets: number[] = [];
  for (const part of parts) {
    if (typeof part === 'string') probe += part;
    else {
      offsets.push(probe.length);
      probe += '0';
    }
  }
  try {
    JSON.parse(probe);
  } catch {
    return undefined;
  }
  const strings: [number, number][] = [];
  const values = new Set<number>();
  jsonc.visit(probe, {
    onObjectProperty: (_name, offset, length) => strings.push([offset, offset + length]),
    onLiteralValue: (value, offset, length) => {
      if (typeof value === 'string') strings.push([offset, offset + length]);
      else if (length === 1) values.add(offset);
    },
  });
  const places: ('string' | 'value')[] = [];
  for (const at of offsets) {
    if (strings.some(([from, to]) => at > from && at < to - 1)) places.push('string');
    else if (values.has(at)) places.push('value');
    else return undefined;
  }
  return places;
}

/** An output's JSON text where validity is certain, or `notProvablyJson`. */
function jsonOutput(part: OutputPart, place: 'string' | 'value', value: unknown): string {
  if (place === 'string') {
    if (part.raw || isRawJson(value)) throw notProvablyJson;
    return jsonStringContent(outputText(value));
  }
  if (part.json) return value as string;
  if (part.raw) throw notProvablyJson;
  if (isRawJson(value)) return outputText(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw notProvablyJson;
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'string' && jsonScalar.test(value)) return value;
  throw notProvablyJson;
}

/** Generated code: whether `x` is an object whose own properties may be read inline (no Liquid drop, no array). */
const plainObjectCode = (x: string): string => `(typeof ${x} === "object" && ${x} !== null && !A(${x}) && typeof ${x}.toLiquid !== "function")`;

/**
 * One property read in generated code, from `from` into `v`. An own, non-function property of a plain object (a
 * row, nearly every read) is read inline with a constant key, which the JIT turns into a fast monomorphic load; every
 * other case goes through `readProperty`, which has the full semantics. `plain` is code already known to say
 * whether `from` is a plain object (a root's check runs once per render, not once per property).
 */
function readCode(from: string, key: string | number, plain = plainObjectCode(from)): string {
  const k = JSON.stringify(key);
  return `v = (${plain} && H.call(${from}, ${k}) && typeof (w = ${from}[${k}]) !== "function") ? w : R(${from}, ${k});`;
}

/** Reads the path of an output in generated code; a root read once (and checked once) is reused by later outputs. */
function pathCode(part: OutputPart, roots: Map<string | number, string>, lines: string[]): string {
  const [root, ...rest] = part.path;
  let variable = roots.get(root!);
  if (variable === undefined) {
    variable = `r${roots.size}`;
    roots.set(root!, variable);
    lines.push(
      `${readCode('c', root!)} const ${variable} = v; if (${variable} === undefined && strict) throw new U(${JSON.stringify(String(root))});`,
      `const ${variable}p = ${plainObjectCode(variable)};`,
    );
  }
  let code = '';
  rest.forEach((key, i) => {
    const shown = part.path.slice(0, i + 2).join('.');
    code += i === 0 ? readCode(variable, key, `${variable}p`) : readCode('v', key);
    code += ` if (v === undefined && strict) throw new U(${JSON.stringify(shown)});`;
  });
  return rest.length === 0 ? `v = ${variable};` : code;
}

/**
 * Generates straight-line code for the parts (the per-row hot path): each root variable read once, every user text
 * embedded as a JSON string literal, so no template text can become code. `emit` writes one output's value.
 */
function generate(parts: Part[], filterIndex: Map<Handler, number>, emit: (part: OutputPart, n: number) => string): string {
  const lines: string[] = ['let o = "", v, w;'];
  const roots = new Map<string | number, string>();
  let n = 0;
  for (const part of parts) {
    if (typeof part === 'string') {
      lines.push(`o += ${JSON.stringify(part)};`);
      continue;
    }
    const filters = part.filters.map((f) => ` v = F[${filterIndex.get(f)}](v);`).join('');
    lines.push(`${pathCode(part, roots, lines)}${filters} o += ${emit(part, n++)};`);
  }
  lines.push('return o;');
  return lines.join('\n');
}

/**
 * Compiles the common shape of request templates — text and `{{ a.b.c | pure_filter }}` outputs — into functions
 * that render without liquidjs's per-render machinery (this is the hot path: one render per row). Anything else
 * (tags, filter arguments, operators, other filters) returns undefined and renders through liquidjs.
 * `pure` lists the filters whose handlers need no Liquid context; `isEscape` recognises the appended outputEscape.
 */
export function compileTemplate(
  templates: Template[],
  pure: ReadonlyMap<string, Handler>,
  isEscape: (filter: unknown) => boolean,
): CompiledTemplate | undefined {
  const parts = partsOf(templates, pure, isEscape);
  if (!parts) return undefined;
  const handlers = [...new Set(parts.flatMap((p) => (typeof p === 'string' ? [] : p.filters)))];
  const filterIndex = new Map(handlers.map((h, i) => [h, i]));
  const outputs = parts.filter((p): p is OutputPart => typeof p !== 'string');
  const places = jsonPlaces(parts);
  const build = (args: string, body: string) =>
    new Function('R', 'U', 'F', 'E', 'S', 'P', 'L', 'A', 'H', `"use strict"; return function (${args}) {\n${body}\n};`)(
      readProperty, UndefinedPathError, handlers, jsonOutput, jsonStringContent, outputs, places ?? [], Array.isArray, hasOwn,
    ) as (...a: unknown[]) => string;

  const render = build(
    'c, esc, strict',
    generate(parts, filterIndex, (part) => (part.raw ? `(typeof v === "string" ? v : String(v ?? ""))` : 'esc(v)')),
  );
  // The generated functions themselves, unwrapped: they are called once per row.
  const compiled: CompiledTemplate = { render: render as CompiledTemplate['render'] };

  if (places) {
    const renderJson = build(
      'c, strict',
      generate(parts, filterIndex, (part, n) => {
        // A finite number (the usual bare value) is its own JSON text.
        if (places[n] === 'value') {
          if (part.json) return 'v';
          return part.raw ? `E(P[${n}], L[${n}], v)` : `(typeof v === "number" && isFinite(v) ? "" + v : E(P[${n}], L[${n}], v))`;
        }
        // Inside a string: plain strings (nearly every value) are escaped in place.
        return part.raw ? `E(P[${n}], L[${n}], v)` : `(typeof v === "string" ? S(v) : E(P[${n}], L[${n}], v))`;
      }),
    );
    compiled.renderJson = renderJson as NonNullable<CompiledTemplate['renderJson']>;
  }
  return compiled;
}
