import type { Endpoint } from '../config/connector-schema.js';
import { isJsonContentType } from '../http/json-content-type.js';
import type { HttpRequest } from '../http/http-request.js';
import { formEncode } from './form-encode.js';
import { percentEncode } from './percent-encode.js';
import { RawJson } from './raw-json.js';
import type { RenderMode, TemplateEngine } from './template-engine.js';
import { TemplateError } from './template-error.js';

/** What a request is rendered with besides the endpoint and the context. */
export interface RenderRequestOptions {
  /** The connection's base URL; the rendered path is appended to it. */
  baseUrl: string;
  engine: TemplateEngine;
  /** The connector's `headers:` (sent with every request; an endpoint header of the same name wins). */
  connectorHeaders?: Record<string, string>;
}

/** A request as rendered: its body is text. */
export interface RenderedRequest extends HttpRequest {
  body: string | null;
}

/** A row and its record (`{ id }`, the kept remote id) as batch templates see them. */
export interface BatchEntry {
  row: unknown;
  record: { id: string | null };
  /** The row's JSON.stringify text, when the planner kept it: a `{{ row | json }}` item is that text. */
  rowJson?: string;
}

/** A template that is the row as JSON and nothing else: its output is JSON.stringify's text of the row. */
const wholeRowJson = /^\{\{-?\s*row\s*\|\s*json\s*-?\}\}$/;

/** A rendered batch: the request for the rows that rendered, and why the others did not. */
export interface RenderedBatch {
  /** Absent when no row rendered. */
  request?: RenderedRequest;
  /** Indexes (into the entries) of the rows inside `request`, in the order of its items. */
  included: number[];
  /** Index → the rendering error of a row left out of the batch (never sent). */
  errors: Map<number, string>;
}

const formType = /^application\/x-www-form-urlencoded\b/i;
const singleOutput = /^\s*\{\{-?((?:(?!\{\{|\}\})[\s\S])*?)-?\}\}\s*$/;

/** The header's value, looked up case-insensitively. */
function headerValue(headers: Record<string, string>, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const key in headers) if (key.toLowerCase() === lower) return headers[key];
  return undefined;
}

/** An endpoint's header and query templates, merged and named once (rendering runs per row). */
interface PreparedTemplates {
  headers: { name: string; template: string; role: string }[];
  query: { name: string; encoded: string; template: string; role: string }[];
}

const preparedCache = new WeakMap<Endpoint, { connectorHeaders: object | undefined; prepared: PreparedTemplates }>();

function prepare(endpoint: Endpoint, connectorHeaders: Record<string, string> | undefined): PreparedTemplates {
  const cached = preparedCache.get(endpoint);
  if (cached && cached.connectorHeaders === connectorHeaders) return cached.prepared;
  const merged = new Map<string, [string, string]>();
  for (const source of [connectorHeaders ?? {}, endpoint.headers]) {
    for (const [name, template] of Object.entries(source)) merged.set(name.toLowerCase(), [name, template]);
  }
  const prepared: PreparedTemplates = {
    headers: [...merged.values()].map(([name, template]) => ({ name, template, role: `headers.${name}` })),
    query: Object.entries(endpoint.query).map(([name, template]) => ({ name, encoded: percentEncode(name), template, role: `query.${name}` })),
  };
  preparedCache.set(endpoint, { connectorHeaders, prepared });
  return prepared;
}

/** Connector headers overlaid with endpoint headers (names compared case-insensitively), rendered as text. */
function renderHeaders(endpoint: Endpoint, context: object, options: RenderRequestOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const { name, template, role } of prepare(endpoint, options.connectorHeaders).headers) {
    const value = options.engine.render(template, context, 'text', { role });
    if (/[\r\n]/.test(value)) throw new TemplateError(`header ${name} contains a line break`, role);
    if (value !== '') headers[name] = value;
  }
  return headers;
}

/** Base URL + the path rendered in URL mode + the query map rendered (empty values left out). */
function renderUrl(endpoint: Endpoint, context: object, options: RenderRequestOptions): string {
  const path = options.engine.render(endpoint.path, context, 'url', { role: 'path' });
  let url = /^https?:\/\//i.test(path) ? path : joinUrl(options.baseUrl, path);
  let separator = url.includes('?') ? '&' : '?';
  for (const { encoded, template, role } of prepare(endpoint, options.connectorHeaders).query) {
    const value = options.engine.render(template, context, 'text', { role });
    if (value === '') continue;
    url += `${separator}${encoded}=${percentEncode(value)}`;
    separator = '&';
  }
  return url;
}

/** Joins a base URL and a path with exactly one slash between them. */
export function joinUrl(baseUrl: string, path: string): string {
  if (path === '') return baseUrl;
  const base = baseUrl.endsWith('/') ? baseUrl.slice(0, -1) : baseUrl;
  return path.startsWith('/') || path.startsWith('?') ? base + path : `${base}/${path}`;
}

/** A body map's value rendered: a lone `{{ expression }}` keeps its type (numbers, arrays), other text renders. */
function renderValue(value: unknown, context: object, engine: TemplateEngine, role: string): unknown {
  if (typeof value === 'string') {
    if (!value.includes('{')) return value;
    const lone = singleOutput.exec(value);
    if (lone) return engine.value(lone[1]!, context, role);
    return engine.render(value, context, 'text', { role });
  }
  if (Array.isArray(value)) return value.map((v, i) => renderValue(v, context, engine, `${role}[${i}]`));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = renderValue(v, context, engine, `${role}.${k}`);
    return out;
  }
  return value;
}

/**
 * The body as text and the headers completed with a Content-Type: a JSON body (declared, or looking like JSON)
 * renders in JSON mode and must be valid JSON; a form body renders outputs percent-encoded; a map body is
 * form-encoded or JSON-encoded.
 */
function renderBody(
  template: string | Record<string, unknown>,
  context: object,
  headers: Record<string, string>,
  engine: TemplateEngine,
  role: string,
  rowJson?: string,
): string {
  let contentType = headerValue(headers, 'content-type');
  if (typeof template !== 'string') {
    const values = renderValue(template, context, engine, role) as Record<string, unknown>;
    if (contentType && formType.test(contentType)) return formEncode(values);
    if (!contentType) headers['Content-Type'] = 'application/json';
    return JSON.stringify(values);
  }
  if (!contentType && /^\s*[[{]/.test(template)) {
    contentType = 'application/json';
    headers['Content-Type'] = contentType;
  }
  const mode: RenderMode = isJsonContentType(contentType) ? 'json' : contentType && formType.test(contentType) ? 'url' : 'text';
  // The row's text as the planner wrote it is what the json filter writes of it: not written twice.
  if (mode === 'json' && rowJson !== undefined && wholeRowJson.test(template)) return rowJson;
  return mode === 'json' ? engine.renderJson(template, context, role) : engine.render(template, context, mode, { role });
}

/**
 * One endpoint rendered into a request for one record. The context is the template context of DESIGN §3
 * (`row`, `record`, `config`, `vars`, `run`). Throws TemplateError (unknown variable, invalid JSON body).
 */
export function renderRequest(endpoint: Endpoint, context: object, options: RenderRequestOptions, rowJson?: string): RenderedRequest {
  const url = renderUrl(endpoint, context, options);
  const headers = renderHeaders(endpoint, context, options);
  const body = endpoint.body === undefined ? null : renderBody(endpoint.body, context, headers, options.engine, 'body', rowJson);
  return { method: endpoint.method, url, headers, body };
}

/**
 * A batch endpoint rendered for many records: each row through `batch.item` (seeing `row`, `record`), the items
 * as one JSON array `items`, then `batch.body`, `path`, `query` and headers (seeing `rows`, `records`, `items`).
 * A row whose item does not render is left out with its error; the others still go. Without `batch.item` every row
 * goes and there is no `items`; without `batch.body` as well, the request has no body (a DELETE with ids in the query).
 */
export function renderBatchRequest(
  endpoint: Endpoint,
  entries: readonly BatchEntry[],
  base: object,
  options: RenderRequestOptions,
): RenderedBatch {
  const batch = endpoint.batch ?? { item: '{{ row | json }}', body: undefined };
  const body = batch.body ?? (batch.item === undefined ? undefined : '{{ items }}');
  const errors = new Map<number, string>();
  const included: number[] = [];
  let items: RawJson[] | undefined;
  if (batch.item === undefined) {
    // Ids in the URL (DELETE ?ids=1,2): a record without a kept id would leave a hole in the list, or, alone, send
    // a request with no ids at all, which some APIs read as "every record".
    const needsIds = (endpoint.operation === 'update' || endpoint.operation === 'delete') && readsRecords(endpoint);
    for (let i = 0; i < entries.length; i++) {
      if (needsIds && entries[i]!.record.id === null) {
        errors.set(i, `no remote id is kept for this record, and the ${endpoint.operation} endpoint's path or query needs records' ids`);
      } else included.push(i);
    }
  } else {
    items = [];
    // One mutable context for every item: rendering is synchronous and keeps no reference to it.
    const itemContext: Record<string, unknown> = Object.assign({ row: undefined, record: undefined }, base);
    let renderItem: (context: object) => string;
    try {
      renderItem = options.engine.jsonRenderer(batch.item, 'batch.item');
    } catch (e) {
      // The item template does not parse: no row can render.
      for (let i = 0; i < entries.length; i++) errors.set(i, messageOf(e));
      return { included, errors };
    }
    const itemIsRow = wholeRowJson.test(batch.item);
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      if (itemIsRow && entry.rowJson !== undefined) {
        items.push(new RawJson(entry.rowJson));
        included.push(i);
        continue;
      }
      itemContext.row = entry.row;
      itemContext.record = entry.record;
      try {
        items.push(new RawJson(renderItem(itemContext)));
        included.push(i);
      } catch (e) {
        errors.set(i, messageOf(e));
      }
    }
  }
  if (included.length === 0) return { included, errors };
  const context = Object.assign(
    { rows: included.map((i) => entries[i]!.row), records: included.map((i) => entries[i]!.record), ...(items ? { items } : {}) },
    base,
  );
  try {
    const url = renderUrl(endpoint, context, options);
    const headers = renderHeaders(endpoint, context, options);
    if (body === undefined) return { request: { method: endpoint.method, url, headers, body: null }, included, errors };
    if (!headerValue(headers, 'content-type')) headers['Content-Type'] = 'application/json';
    return { request: { method: endpoint.method, url, headers, body: renderBody(body, context, headers, options.engine, 'batch.body') }, included, errors };
  } catch (e) {
    // The batch-level templates failed: every row of it fails the same way.
    for (const i of included) errors.set(i, messageOf(e));
    return { included: [], errors };
  }
}

/** Whether the endpoint's path or query reads `records` (the kept remote ids). */
function readsRecords(endpoint: Endpoint): boolean {
  return [endpoint.path, ...Object.values(endpoint.query)].some((t) => /\brecords\b/.test(t));
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
