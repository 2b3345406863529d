import { JSONPath } from 'jsonpath-plus';
import type { Paginate } from '../config/connector-schema.js';
import { bodyCursorPathProblem } from '../config/body-cursor-path.js';

/**
 * Where the next page is: query parameters to set on the first request's URL, a whole URL given by the API, or a token
 * to set in the first request's JSON body (`in: body`).
 */
export type NextPage = { query: Record<string, string>; offset?: number } | { url: string } | { bodyToken: { path: string; token: string } } | null;

/** The page an offset paginate asks for, as query templates see it (`page.offset`, `page.limit`). */
export interface PageValues {
  offset: number;
  limit: number;
}

/** What the paginator sees of the page just read. */
export interface PageSeen {
  /** The parsed response body. */
  body: unknown;
  headers: Record<string, string>;
  /** Records selected from this page. */
  records: number;
  /** The query parameters this page was requested with. */
  query: Record<string, string>;
  /** Pages read so far, this one included. */
  pages: number;
  /** Records read so far, this one included. */
  total: number;
  /** The offset this page was asked at, when templates place it (offset paginate `in: template`). */
  offset?: number;
}

/** Raised when pagination cannot go on safely: a cursor or next URL seen before, or its path absent from a page. */
export class PaginationError extends Error {
  override name = 'PaginationError';
}

/** The query parameters of the first page. */
export function firstPageQuery(paginate: Paginate | undefined): Record<string, string> {
  if (!paginate) return {};
  switch (paginate.type) {
    case 'offset':
      return paginate.in === 'template' ? {} : { [paginate.offset_param]: '0', [paginate.limit_param]: String(paginate.limit) };
    case 'page':
      return { [paginate.page_param]: String(paginate.start), ...(paginate.size_param && paginate.size ? { [paginate.size_param]: String(paginate.size) } : {}) };
    default:
      return {};
  }
}

/** The value at a JSONPath (the first match), or undefined. */
export function pathValue(body: unknown, path: string): unknown {
  if (body === null || typeof body !== 'object') return undefined;
  const found = JSONPath({ path, json: body as object, wrap: true }) as unknown[];
  return found[0];
}

/**
 * The value at a pagination path, which must be in the body: null or "" there says "last page", but an absent path is
 * a typo or a changed API, and stopping there would read page 1 only and look like success.
 */
function presentPathValue(body: unknown, path: string, key: string): unknown {
  const found = body !== null && typeof body === 'object' ? (JSONPath({ path, json: body as object, wrap: true }) as unknown[]) : [];
  if (found.length === 0) {
    throw new PaginationError(
      `${key} ${path} is not in the response (${topLevelKeys(body)}): fix the path, or add stop_when for an API that leaves it out on its last page`,
    );
  }
  return found[0];
}

/**
 * The next page's token in a response header (Salesforce's Sforce-Locator): the text null says "last page", as a JSON
 * null does in a body; an absent header is a typo or a changed API, as an absent body path is.
 */
function headerToken(headers: Record<string, string>, name: string): string | null {
  const value = headers[name.toLowerCase()];
  if (value === undefined) {
    throw new PaginationError(`paginate.header ${name} is not in the response's headers: fix the name, or add stop_when for an API that leaves it out on its last page`);
  }
  const token = value.trim();
  return token === '' || token === 'null' ? null : token;
}

/** What a response body holds at its top, for messages about a path that matched nothing. */
export function topLevelKeys(body: unknown): string {
  if (Array.isArray(body)) return 'the body is an array';
  if (body === null || typeof body !== 'object') return `the body is ${body === null || body === undefined || body === '' ? 'empty' : 'not JSON'}`;
  const keys = Object.keys(body);
  if (keys.length === 0) return 'the body is an empty object';
  return `its top-level keys: ${keys.slice(0, 20).join(', ')}${keys.length > 20 ? `, and ${keys.length - 20} more` : ''}`;
}

/** The records of a page: the array at the JSONPath, or every match of a path that selects many. */
export function selectRecords(body: unknown, path: string): Record<string, unknown>[] {
  if (path === '$' || path === '') return asRecords(body);
  if (body === null || typeof body !== 'object') return [];
  const found = JSONPath({ path, json: body as object, wrap: true }) as unknown[];
  if (found.length === 1 && Array.isArray(found[0])) return asRecords(found[0]);
  return asRecords(found);
}

function asRecords(value: unknown): Record<string, unknown>[] {
  if (Array.isArray(value)) return value.filter((v): v is Record<string, unknown> => v !== null && typeof v === 'object');
  if (value !== null && typeof value === 'object') return [value as Record<string, unknown>];
  return [];
}

/**
 * The next page's absolute URL: a `next_url` or Link target resolved against the page just read. One on another origin
 * (scheme, host or port) is refused rather than followed without credentials: connector headers can carry secrets too,
 * and an API's next link stays on its own origin.
 */
export function nextPageUrl(link: string, current: string, stream: string): string {
  const next = new URL(link, current);
  const origin = new URL(current).origin;
  if (next.origin !== origin) {
    throw new PaginationError(
      `stream ${stream}: the next page is on ${next.origin}, not on the connection's origin ${origin}; refused to follow it (credentials and headers go only to the connection's origin)`,
    );
  }
  return next.href;
}

/** The `rel="next"` target of an RFC 8288 Link header. */
export function linkHeaderTarget(header: string | undefined, rel: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (!m) continue;
    const rels = /;\s*rel\s*=\s*"?([^";]+)"?/i.exec(m[2]!)?.[1]?.split(/\s+/) ?? [];
    if (rels.includes(rel)) return m[1];
  }
  return undefined;
}

/**
 * Decides the next page, or null to stop: an empty page, a short page, the total reached, or a null or empty cursor or
 * next link (an absent one is an error). `seen` holds the cursors and URLs already followed, so a repeat is an error
 * rather than an endless loop.
 */
export function nextPage(paginate: Paginate | undefined, page: PageSeen, seen: Set<string>): NextPage {
  if (!paginate || page.records === 0) return null;
  switch (paginate.type) {
    case 'offset': {
      const templated = paginate.in === 'template';
      const offset = (templated ? (page.offset ?? 0) : Number(page.query[paginate.offset_param] ?? 0)) + page.records;
      if (page.records < paginate.limit) return null;
      if (paginate.total !== undefined && offset >= Number(pathValue(page.body, paginate.total))) return null;
      if (templated) return { query: {}, offset };
      return { query: { [paginate.offset_param]: String(offset), [paginate.limit_param]: String(paginate.limit) } };
    }
    case 'page': {
      const current = Number(page.query[paginate.page_param] ?? paginate.start);
      if (paginate.size !== undefined && page.records < paginate.size) return null;
      if (paginate.total_pages !== undefined && current >= Number(pathValue(page.body, paginate.total_pages))) return null;
      return { query: { ...page.query, [paginate.page_param]: String(current + 1) } };
    }
    case 'cursor': {
      const cursor = paginate.header !== undefined ? headerToken(page.headers, paginate.header) : presentPathValue(page.body, paginate.cursor ?? '$.cursor', 'paginate.cursor');
      if (cursor === undefined || cursor === null || cursor === '') return null;
      const token = String(cursor);
      if (seen.has(token)) throw new PaginationError(`the API returned cursor "${token}" twice; stopping so the read does not loop`);
      seen.add(token);
      if (paginate.in === 'body') return { bodyToken: { path: paginate.cursor_param, token } };
      return { query: { ...page.query, [paginate.cursor_param]: token } };
    }
    case 'next_url': {
      const url = presentPathValue(page.body, paginate.next_url, 'paginate.next_url');
      if (typeof url !== 'string' || url === '') return null;
      if (seen.has(url)) throw new PaginationError(`the API returned the next URL "${url}" twice; stopping so the read does not loop`);
      seen.add(url);
      return { url };
    }
    case 'link_header': {
      const url = linkHeaderTarget(page.headers.link, paginate.rel);
      if (!url) return null;
      if (seen.has(url)) throw new PaginationError(`the Link header pointed to "${url}" twice; stopping so the read does not loop`);
      seen.add(url);
      return { url };
    }
  }
}

/**
 * The stream's JSON body with the page token set at the dotted path (`variables.after`), the objects on the way created
 * where absent. Throws PaginationError when the body is not a JSON object or the path cannot be set.
 */
export function withBodyToken(body: string | null, path: string, token: string): string {
  const problem = bodyCursorPathProblem(path);
  if (problem) throw new PaginationError(`paginate.cursor_param ${problem}`);
  let parsed: unknown;
  try {
    parsed = body === null ? undefined : JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new PaginationError('paginate in: body sets the token in the JSON object the stream sends as its body, and this stream\'s body is not one');
  }
  const segments = path.split('.');
  let at = parsed as Record<string, unknown>;
  for (const segment of segments.slice(0, -1)) {
    const inner = Object.hasOwn(at, segment) ? at[segment] : undefined;
    if (inner === undefined || inner === null) at = at[segment] = {};
    else if (typeof inner === 'object' && !Array.isArray(inner)) at = inner as Record<string, unknown>;
    else throw new PaginationError(`paginate.cursor_param ${path}: ${segment} in the body is not an object`);
  }
  at[segments.at(-1)!] = token;
  return JSON.stringify(parsed);
}
