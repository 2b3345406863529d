import { Context, Liquid, Value, isTruthy, toValueSync, type Template } from 'liquidjs';
import { didYouMean } from '../config/closest-match.js';
import { percentEncode } from './percent-encode.js';
import { jsonStringContent } from './json-string-content.js';
import { isRawJson, outputText } from './output-text.js';
import { bailOut, compileTemplate, notProvablyJson, UndefinedPathError, type CompiledTemplate } from './compile-template.js';
import { normalizeJsonBody } from './normalize-json-body.js';
import { TemplateError, type TemplatePosition } from './template-error.js';
import { templateFilters } from './template-filters.js';

/** How `{{ }}` outputs are written: as text, escaped for a JSON string, or percent-encoded for a URL. */
export type RenderMode = 'text' | 'json' | 'url';

/** Options of one render. */
export interface RenderOptions {
  /** The template's role, named in errors (`body`, `path`, `response.record_id`). */
  role?: string;
  /**
   * Strict (default): an unknown variable is an error. Lenient: a missing property renders empty, for templates
   * over API responses whose shape the user does not control; an unknown top-level name is still an error.
   */
  strict?: boolean;
}

/** Renders and evaluates Liquid templates, strict and bounded, parsing each template once. */
export interface TemplateEngine {
  /** The template rendered against the context; throws TemplateError naming the role and the unknown variable. */
  render(template: string, context: object, mode?: RenderMode, options?: RenderOptions): string;
  /**
   * The template rendered in JSON mode as valid JSON (trailing commas dropped), else a TemplateError
   * `<role> is not valid JSON: ...` with the rendered text. Templates whose shape proves the result valid skip parsing.
   */
  renderJson(template: string, context: object, role?: string): string;
  /** `render` for one template looked up once, for rendering it many times (per-record results). */
  renderer(template: string, mode?: RenderMode, options?: RenderOptions): (context: object) => string;
  /** `renderJson` for one template looked up once, for rendering it many times (batch items). */
  jsonRenderer(template: string, role?: string): (context: object) => string;
  /** A condition without braces (`response.status == 200 and response.body.ok`), as in `{% if %}`. */
  evaluate(condition: string, context: object, role?: string): boolean;
  /** The raw value of an expression (`row.tags | uniq`), keeping arrays and numbers. */
  value(expression: string, context: object, role?: string): unknown;
  /** Parses (and caches) a template; throws TemplateError with the line and column on bad syntax. */
  parse(template: string, role?: string): void;
  /** Parses (and caches) a condition or expression; throws TemplateError on bad syntax. */
  parseCondition(condition: string, role?: string): void;
}

/**
 * Where a failing template is written, as `connectors/x.yaml:14:23: endpoints.add.body` (with the sync using it), for
 * errors to name; undefined when the template is not one it knows. `at` is the place inside the template, when known.
 */
export type TemplatePlacer = (template: string, role: string, at: TemplatePosition | undefined) => string | undefined;

/** Options of createTemplateEngine. */
export interface TemplateEngineOptions {
  /** Names the file, line and column of a failing template in its error (a connection's connector file). */
  place?: TemplatePlacer;
}

const modeRegister = 'sluice.mode';
const maxCached = 5_000;

const escapes: Record<RenderMode, (value: unknown) => string> = {
  text: outputText,
  // Pre-rendered JSON (batch `items`) is a whole JSON value: it is never escaped again.
  json: (value) => (isRawJson(value) ? outputText(value) : jsonStringContent(outputText(value))),
  url: (value) => percentEncode(outputText(value)),
};

/** Liquid's outputEscape: the render mode (in a register of the render's context) picks the escaping. */
function escapeOutput(this: { context: Context }, value: unknown): string {
  const mode = (this.context.getRegister(modeRegister) as RenderMode | undefined) ?? 'text';
  return escapes[mode](value);
}

function errorVariable(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let i = 0; i < 5 && cur && typeof cur === 'object'; i++) {
    const name = (cur as { variableName?: unknown }).variableName;
    if (typeof name === 'string') return name;
    cur = (cur as { originalError?: unknown }).originalError;
  }
  return undefined;
}

/** The place liquidjs gives an error (its token's line and column). */
function errorPosition(e: unknown): TemplatePosition | undefined {
  const token = (e as { token?: { getPosition?: () => [number, number] } } | null)?.token;
  const position = typeof token?.getPosition === 'function' ? token.getPosition() : undefined;
  return position ? { line: position[0], column: position[1] } : undefined;
}

/** A liquidjs error in a user's words, naming the role; ` (did you mean "x"?)` for a near miss of a property of `context`. */
function templateError(e: unknown, role: string, kind: 'render' | 'parse', context?: object): TemplateError {
  if (e instanceof TemplateError) return e;
  const at = errorPosition(e);
  const variable = e instanceof UndefinedPathError ? e.path : errorVariable(e);
  if (variable !== undefined) return new TemplateError(`unknown variable "${variable}" in ${role}${nearMiss(variable, context)}`, role, at);
  const message = e instanceof Error ? e.message : String(e);
  if (kind === 'parse') return new TemplateError(`invalid template in ${role}: ${message}`, role, at);
  return new TemplateError(`${role}: ${message}`, role, at);
}

/** ` (did you mean "email"?)` when `row.emial` misses a property of `row` by a typo. */
function nearMiss(variable: string, context: object | undefined): string {
  const path = variable.split('.');
  let parent: unknown = context;
  for (const name of path.slice(0, -1)) {
    if (parent === null || typeof parent !== 'object' || !Object.prototype.hasOwnProperty.call(parent, name)) return '';
    parent = (parent as Record<string, unknown>)[name];
  }
  if (path.length < 2 || parent === null || typeof parent !== 'object' || Array.isArray(parent)) return '';
  return didYouMean(path[path.length - 1]!, Object.keys(parent));
}

/** liquidjs's `, line:3, col:12` suffix, which a placed message already says as file:line:column. */
const positionSuffix = /,? ?line:\d+, col:\d+$/;

/** Creates the engine: one strict, bounded liquidjs instance with Sluice's filters and a parse cache. */
export function createTemplateEngine(options: TemplateEngineOptions = {}): TemplateEngine {
  const liquid = new Liquid({
    strictVariables: true,
    strictFilters: true,
    ownPropertyOnly: true,
    lenientIf: true,
    renderLimit: 1_000,
    memoryLimit: 64 * 1024 * 1024,
    parseLimit: 1024 * 1024,
    // Dates render in UTC unless a timezone is given (`| date: "%Y-%m-%d", "Asia/Tokyo"`): runs are reproducible.
    timezoneOffset: 0,
    outputEscape: escapeOutput,
    cache: false,
  });
  for (const [name, filter] of Object.entries(templateFilters)) liquid.registerFilter(name, filter);

  const pure = new Map<string, (value: unknown) => unknown>();
  for (const [name, filter] of Object.entries(templateFilters)) {
    pure.set(name, (typeof filter === 'function' ? filter : filter.handler) as (value: unknown) => unknown);
  }
  const isEscape = (filter: unknown): boolean => (filter as { handler?: unknown }).handler === escapeOutput;

  interface Parsed {
    templates: Template[];
    compiled: CompiledTemplate | undefined;
    roots: string[] | undefined;
  }
  /** The error of `template` in a user's words, placed in its file when the placer knows the template. */
  const fail = (e: unknown, template: string, role: string, kind: 'render' | 'parse', context?: object): TemplateError => {
    const error = templateError(e, role, kind, context);
    if (error.placed || !options.place) return error;
    const where = options.place(template, role, error.at);
    return where ? new TemplateError(`${where}: ${error.message.replace(positionSuffix, '')}`, error.role, error.at, true) : error;
  };
  const cache = new Map<string, Parsed>();
  const conditions = new Map<string, { value: Value; roots: string[] }>();

  const parsed = (template: string, role: string): Parsed => {
    let p = cache.get(template);
    if (!p) {
      let templates: Template[];
      try {
        templates = liquid.parse(template);
      } catch (e) {
        throw fail(e, template, role, 'parse');
      }
      p = { templates, compiled: compileTemplate(templates, pure, isEscape), roots: undefined };
      if (cache.size >= maxCached) cache.clear();
      cache.set(template, p);
    }
    return p;
  };

  const roots = (p: Parsed): string[] => (p.roots ??= liquid.globalVariablesSync(p.templates));

  const checkRoots = (names: string[], context: object, template: string, role: string): void => {
    for (const name of names) {
      if (!(name in context)) throw fail(new TemplateError(`unknown variable "${name}" in ${role}`, role), template, role, 'render');
    }
  };

  const condition = (text: string, role: string): { value: Value; roots: string[] } => {
    let c = conditions.get(text);
    if (!c) {
      try {
        const value = new Value(text, liquid);
        c = { value, roots: liquid.globalVariablesSync(liquid.parse(`{% if ${text} %}{% endif %}`)) };
      } catch (e) {
        throw fail(e, text, role, 'parse');
      }
      if (conditions.size >= maxCached) conditions.clear();
      conditions.set(text, c);
    }
    return c;
  };

  const lenientContext = (context: object): Context =>
    new Context(context, liquid.options, { sync: true, strictVariables: false }, { liquid });

  /** Renders a parsed template: compiled when it can be, else through liquidjs. */
  // An unknown variable in a compiled template renders again through liquidjs, which says where it is (errors only).
  const renderParsed = (p: Parsed, template: string, context: object, mode: RenderMode, strict: boolean, role: string): string => {
    if (!strict) checkRoots(roots(p), context, template, role);
    if (p.compiled) {
      try {
        return p.compiled.render(context, escapes[mode], strict);
      } catch (e) {
        if (e !== bailOut && !(e instanceof UndefinedPathError)) throw fail(e, template, role, 'render', context);
      }
    }
    const ctx = new Context(context, liquid.options, { sync: true, strictVariables: strict }, { liquid });
    ctx.setRegister(modeRegister, mode);
    try {
      return toValueSync(liquid.renderer.renderTemplates(p.templates, ctx)) as string;
    } catch (e) {
      throw fail(e, template, role, 'render', context);
    }
  };

  const render = (template: string, context: object, mode: RenderMode = 'text', options: RenderOptions = {}): string => {
    const role = options.role ?? 'template';
    return renderParsed(parsed(template, role), template, context, mode, options.strict ?? true, role);
  };

  const renderer = (template: string, mode: RenderMode = 'text', options: RenderOptions = {}): ((context: object) => string) => {
    const role = options.role ?? 'template';
    const p = parsed(template, role);
    const strict = options.strict ?? true;
    return (context) => renderParsed(p, template, context, mode, strict, role);
  };

  /** Renders in JSON mode and checks the result is JSON (a rendered text that is not is placed like any error). */
  const slowJson = (template: string, context: object, role: string): string => {
    const text = render(template, context, 'json', { role });
    try {
      return normalizeJsonBody(text, role);
    } catch (e) {
      throw fail(e, template, role, 'render');
    }
  };

  const jsonRenderer = (template: string, role: string): ((context: object) => string) => {
    const fast = parsed(template, role).compiled?.renderJson;
    const slow = (context: object): string => slowJson(template, context, role);
    if (!fast) return slow;
    return (context) => {
      try {
        return fast(context, true);
      } catch (e) {
        if (e !== bailOut && e !== notProvablyJson && !(e instanceof UndefinedPathError)) throw fail(e, template, role, 'render', context);
      }
      return slow(context);
    };
  };

  return {
    render,
    renderer,
    renderJson(template, context, role = 'body') {
      const p = parsed(template, role);
      if (p.compiled?.renderJson) {
        try {
          return p.compiled.renderJson(context, true);
        } catch (e) {
          if (e !== bailOut && e !== notProvablyJson && !(e instanceof UndefinedPathError)) throw fail(e, template, role, 'render', context);
        }
      }
      return slowJson(template, context, role);
    },
    jsonRenderer: (template, role = 'body') => jsonRenderer(template, role),
    evaluate(text, context, role = 'condition') {
      const c = condition(text, role);
      checkRoots(c.roots, context, text, role);
      const ctx = lenientContext(context);
      try {
        return isTruthy(toValueSync(c.value.value(ctx, false)), ctx);
      } catch (e) {
        throw fail(e, text, role, 'render', context);
      }
    },
    value(expression, context, role = 'expression') {
      const c = condition(expression, role);
      checkRoots(c.roots, context, expression, role);
      const ctx = new Context(context, liquid.options, { sync: true }, { liquid });
      try {
        return toValueSync(c.value.value(ctx, false));
      } catch (e) {
        throw fail(e, expression, role, 'render', context);
      }
    },
    parse(template, role = 'template') {
      parsed(template, role);
    },
    parseCondition(text, role = 'condition') {
      condition(text, role);
    },
  };
}

