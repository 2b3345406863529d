import { Context, Liquid, Value, isTruthy, toValueSync, type Template } from 'liquidjs';
import { percentEncode } from './percent-encode.js';
import { jsonStringContent } from './json-string-content.js';
import { isRawJson, outputText } from './output-text.js';
import { bailOut, compileTemplate, notProvablyJson, UndefinedPathError, type CompiledTemplate } from './compile-template.js';
import { normalizeJsonBody } from './normalize-json-body.js';
import { TemplateError } from './template-error.js';
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

/** A liquidjs error in a user's words, naming the role. */
function templateError(e: unknown, role: string, kind: 'render' | 'parse'): TemplateError {
  if (e instanceof TemplateError) return e;
  if (e instanceof UndefinedPathError) return new TemplateError(`unknown variable "${e.path}" in ${role}`, role);
  const variable = errorVariable(e);
  if (variable !== undefined) return new TemplateError(`unknown variable "${variable}" in ${role}`, role);
  const message = e instanceof Error ? e.message : String(e);
  if (kind === 'parse') return new TemplateError(`invalid template in ${role}: ${message}`, role);
  return new TemplateError(`${role}: ${message}`, role);
}

/** Creates the engine: one strict, bounded liquidjs instance with Sluice's filters and a parse cache. */
export function createTemplateEngine(): TemplateEngine {
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
  const cache = new Map<string, Parsed>();
  const conditions = new Map<string, { value: Value; roots: string[] }>();

  const parsed = (template: string, role: string): Parsed => {
    let p = cache.get(template);
    if (!p) {
      let templates: Template[];
      try {
        templates = liquid.parse(template);
      } catch (e) {
        throw templateError(e, role, 'parse');
      }
      p = { templates, compiled: compileTemplate(templates, pure, isEscape), roots: undefined };
      if (cache.size >= maxCached) cache.clear();
      cache.set(template, p);
    }
    return p;
  };

  const roots = (p: Parsed): string[] => (p.roots ??= liquid.globalVariablesSync(p.templates));

  const checkRoots = (names: string[], context: object, role: string): void => {
    for (const name of names) {
      if (!(name in context)) throw new TemplateError(`unknown variable "${name}" in ${role}`, role);
    }
  };

  const condition = (text: string, role: string): { value: Value; roots: string[] } => {
    let c = conditions.get(text);
    if (!c) {
      try {
        const value = new Value(text, liquid);
        c = { value, roots: liquid.globalVariablesSync(liquid.parse(`{% if ${text} %}{% endif %}`)) };
      } catch (e) {
        throw templateError(e, role, 'parse');
      }
      if (conditions.size >= maxCached) conditions.clear();
      conditions.set(text, c);
    }
    return c;
  };

  const lenientContext = (context: object): Context =>
    new Context(context, liquid.options, { sync: true, strictVariables: false }, { liquid });

  /** Renders a parsed template: compiled when it can be, else through liquidjs. */
  const renderParsed = (p: Parsed, context: object, mode: RenderMode, strict: boolean, role: string): string => {
    if (!strict) checkRoots(roots(p), context, role);
    if (p.compiled) {
      try {
        return p.compiled.render(context, escapes[mode], strict);
      } catch (e) {
        if (e !== bailOut) throw templateError(e, role, 'render');
      }
    }
    const ctx = new Context(context, liquid.options, { sync: true, strictVariables: strict }, { liquid });
    ctx.setRegister(modeRegister, mode);
    try {
      return toValueSync(liquid.renderer.renderTemplates(p.templates, ctx)) as string;
    } catch (e) {
      throw templateError(e, role, 'render');
    }
  };

  const render = (template: string, context: object, mode: RenderMode = 'text', options: RenderOptions = {}): string => {
    const role = options.role ?? 'template';
    return renderParsed(parsed(template, role), context, mode, options.strict ?? true, role);
  };

  const renderer = (template: string, mode: RenderMode = 'text', options: RenderOptions = {}): ((context: object) => string) => {
    const role = options.role ?? 'template';
    const p = parsed(template, role);
    const strict = options.strict ?? true;
    return (context) => renderParsed(p, context, mode, strict, role);
  };

  const jsonRenderer = (template: string, role: string): ((context: object) => string) => {
    const fast = parsed(template, role).compiled?.renderJson;
    const slow = (context: object): string => normalizeJsonBody(render(template, context, 'json', { role }), role);
    if (!fast) return slow;
    return (context) => {
      try {
        return fast(context, true);
      } catch (e) {
        if (e !== bailOut && e !== notProvablyJson) throw templateError(e, role, 'render');
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
          if (e !== bailOut && e !== notProvablyJson) throw templateError(e, role, 'render');
        }
      }
      return normalizeJsonBody(render(template, context, 'json', { role }), role);
    },
    jsonRenderer: (template, role = 'body') => jsonRenderer(template, role),
    evaluate(text, context, role = 'condition') {
      const c = condition(text, role);
      checkRoots(c.roots, context, role);
      const ctx = lenientContext(context);
      try {
        return isTruthy(toValueSync(c.value.value(ctx, false)), ctx);
      } catch (e) {
        throw templateError(e, role, 'render');
      }
    },
    value(expression, context, role = 'expression') {
      const c = condition(expression, role);
      checkRoots(c.roots, context, role);
      const ctx = new Context(context, liquid.options, { sync: true }, { liquid });
      try {
        return toValueSync(c.value.value(ctx, false));
      } catch (e) {
        throw templateError(e, role, 'render');
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

