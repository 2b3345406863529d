import type { LoadedProject } from '../config/load-project.js';
import type { Stream } from '../config/connector-schema.js';
import type { HttpRequest } from '../http/http-request.js';
import { openHttpConnection, responseVariable, type HttpConnection } from '../connectors/open-http-connection.js';
import { firstPageQuery, nextPage, nextPageUrl, PaginationError, pathValue, selectRecords, topLevelKeys, type NextPage } from '../connectors/paginate.js';
import { joinUrl } from '../connectors/render-request.js';
import { percentEncode } from '../connectors/percent-encode.js';
import type { StateStore } from '../state/state-store.js';
import { formatStrftime } from '../config/format-strftime.js';
import { toWallClock } from '../config/wall-clock.js';
import { fullReadDue } from './full-read-due.js';
import type { Column, ColumnType, Row } from '../rows/row.js';
import type { ReadOptions, Source } from './source.js';

/** A connector stream read as a source; `commit()` keeps the incremental cursor once what was read is delivered. */
export interface HttpStreamSource extends Source {
  /** False when the stream reads incrementally from a kept cursor: records missing from the read are not gone. */
  readonly complete: boolean;
  /** Stores the highest cursor value read, so the next run asks only for newer records (and when a full read was). */
  commit(): Promise<void>;
  close(): Promise<void>;
}

export interface OpenHttpStreamOptions {
  loaded: LoadedProject;
  connectionName: string;
  stream: string;
  store: StateStore;
  /** Whose cursor this is (a sync), so two syncs reading one stream keep their own. */
  scope: string;
  run: { id: string; started_at: string };
  vars: Record<string, string>;
  /** Read an incremental stream in full, from its start (`sync run --full`). */
  full?: boolean;
  /** The sync's `full_refresh` cron: an incremental stream is read in full once after each of its ticks. */
  fullRefresh?: string;
  /** The zone `full_refresh` is read in (default SLUICE_TIMEZONE, else UTC, as the scheduler reads `schedule`). */
  timezone?: string;
}

/** Opens a connector's stream (`streams:`) of an HTTP connection as a source of rows. */
export async function openHttpStreamSource(options: OpenHttpStreamOptions): Promise<HttpStreamSource> {
  const { loaded, connectionName, store } = options;
  const connection = loaded.project.connections[connectionName];
  const spec = loaded.connectors[connectionName]?.spec;
  if (!connection || connection.type !== 'http' || !spec) throw new Error(`connection "${connectionName}" is not an HTTP connection`);
  const stream = spec.streams[options.stream];
  if (!stream) {
    throw new Error(`unknown stream "${options.stream}" in connector ${spec.name} (known: ${Object.keys(spec.streams).join(', ') || 'none'})`);
  }
  const cursorName = `cursor:${options.scope}:${connectionName}.${options.stream}`;
  const fullReadName = `full-read:${options.scope}:${connectionName}.${options.stream}`;
  // Without a kept cursor the read is full anyway (the first run, or the cursor was never committed).
  let full = options.full ?? false;
  if (stream.incremental && !full) {
    if ((await store.getValue(cursorName)) === null) full = true;
    else if (options.fullRefresh !== undefined) {
      full = fullReadDue({
        schedule: options.fullRefresh,
        lastFullRead: await store.getValue(fullReadName),
        at: new Date(options.run.started_at),
        timezone: options.timezone ?? (process.env.SLUICE_TIMEZONE || 'UTC'),
      });
    }
  }
  const http = await openHttpConnection({
    name: connectionName, connection, spec, store, redactor: loaded.redactor, vars: options.vars, run: options.run, networkPolicy: loaded.networkPolicy,
    quotas: loaded.requestQuotas,
  });
  return createHttpStreamSource({
    http, stream, streamName: options.stream, store, cursorName, full, fullRead: { name: fullReadName, at: options.run.started_at },
  });
}

/** A stream source over an open HTTP connection (exported for tests that bring their own connection). */
export function createHttpStreamSource(options: {
  http: HttpConnection;
  stream: Stream;
  streamName: string;
  store: StateStore;
  cursorName: string;
  /** Read in full: the kept cursor is not applied, so a record missing from the read is gone. */
  full?: boolean;
  /** Where commit() records when the last full read started, for `full_refresh`. */
  fullRead?: { name: string; at: string };
}): HttpStreamSource {
  const { http, stream, store, cursorName } = options;
  const full = options.full ?? false;
  const name = options.streamName;
  let firstPage: Row[] | null = null;
  let maxCursor: string | number | null = null;
  // inclusive: the keys of the records read at maxCursor, kept with the cursor so the next read leaves them out.
  const inclusive = stream.incremental?.inclusive === true;
  const boundaryName = `${cursorName}:at-cursor`;
  let atCursor = new Set<string>();
  const primaryKey = stream.primary_key === undefined ? [] : [stream.primary_key].flat();
  const keyOf = (r: Row) => (primaryKey.length === 1 ? String(r[primaryKey[0]!]) : JSON.stringify(primaryKey.map((f) => r[f] ?? null)));

  async function* pages(signal?: AbortSignal): AsyncGenerator<Row[]> {
    const kept = stream.incremental && !full ? await store.getValue(cursorName) : null;
    const context = { ...http.context() };
    const baseQuery: Record<string, string> = {};
    for (const [k, v] of Object.entries(stream.query)) {
      const value = typeof v === 'string' ? http.templates.render(v, context, 'text', { role: `streams.${options.streamName}.query.${k}` }) : String(v);
      if (value !== '') baseQuery[k] = value;
    }
    // Read at the kept cursor before, and sent: left out when an inclusive API returns them again.
    let readBefore: Set<string> | null = null;
    if (stream.incremental && kept !== null) {
      const { lookback } = stream.incremental;
      // The kept cursor stays the floor of the next one: records read again from the lookback window never move it back.
      if (lookback || inclusive) track(kept);
      if (inclusive) {
        readBefore = new Set(parseKeys(await store.getValue(boundaryName)));
        atCursor = new Set(readBefore);
      }
      const from = lookback ? cursorBefore(kept, lookback, name, stream.incremental.cursor_field) : kept;
      baseQuery[stream.incremental.param] = formatCursor(from, stream.incremental.format);
    } else if (stream.incremental?.start !== undefined) {
      baseQuery[stream.incremental.param] = formatCursor(stream.incremental.start, stream.incremental.format);
    }
    const path = http.templates.render(stream.path, context, 'url', { role: `streams.${options.streamName}.path` });
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...http.spec.headers, ...stream.headers })) headers[k] = http.templates.render(v, context, 'text');
    const body = stream.body === undefined ? null : http.templates.render(stream.body, context, 'json');
    if (body !== null && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json';

    let query = { ...baseQuery, ...firstPageQuery(stream.paginate) };
    let url: string | null = null;
    const seen = new Set<string>();
    let previous: Row[] = [];
    let total = 0;
    for (let n = 1; ; n++) {
      if (n > stream.max_requests) {
        throw new Error(`stream ${options.streamName} made ${stream.max_requests} requests and was not done: raise max_requests or check its paginate settings`);
      }
      signal?.throwIfAborted();
      const target: string = url ?? withQuery(joinUrl(http.baseUrl(), path), query);
      const request: HttpRequest = { method: stream.method, url: target, headers, body };
      const outcome = await http.client.send(request, {
        auth: http.auth,
        signal,
        classify: http.classifier(stream.responses),
      });
      if (!outcome.ok) throw new Error(`stream ${options.streamName}: ${http.redactor.mask(outcome.error)}`);
      const response = outcome.response;
      const records = selectRecords(response.body, stream.records);
      if (n === 1 && records.length === 0 && !recordsPathMatches(response.body, stream.records)) {
        // Reading on would yield no rows and fail later with a misleading message (a key column that is not a column).
        throw new Error(`stream ${name}: records path ${stream.records} matches nothing in the first response (${topLevelKeys(response.body)}); fix records in the connector`);
      }
      total += records.length;
      const stop = stream.stop_when !== undefined
        && http.templates.evaluate(stream.stop_when, http.context({ response: responseVariable(response) }), `streams.${name}.stop_when`);
      let next: NextPage = null;
      if (!stop) {
        try {
          next = nextPage(stream.paginate, { body: response.body, headers: response.headers, records: records.length, query, pages: n, total }, seen);
        } catch (e) {
          if (e instanceof PaginationError) throw new Error(`stream ${name}: ${http.redactor.mask(e.message)}`);
          throw e;
        }
      }
      if (next && repeats(previous, records)) {
        throw new Error(`stream ${name}: page ${n} returned the same records as page ${n - 1}; stopping so the read does not loop (does the API ignore the paging parameter? check paginate)`);
      }
      previous = records;
      let fresh = records;
      if (stream.incremental) {
        const field = stream.incremental.cursor_field;
        if (readBefore?.size) fresh = records.filter((r) => !(cursorText(r[field]) === kept && readBefore.has(keyOf(r))));
        for (const r of fresh) track(r[field], r);
      }
      if (fresh.length) yield fresh;
      if (!next) return;
      if ('url' in next) url = nextPageUrl(next.url, target, name);
      else {
        url = null;
        query = { ...baseQuery, ...next.query };
      }
    }
  }

  function track(value: unknown, record?: Row) {
    if (value === null || value === undefined || value === '') return;
    const v = typeof value === 'number' ? value : String(value);
    if (maxCursor === null || (typeof v === 'number' && typeof maxCursor === 'number' ? v > maxCursor : String(v) > String(maxCursor))) {
      maxCursor = v;
      atCursor = new Set();
    }
    if (inclusive && record && String(v) === String(maxCursor) && atCursor.size < MAX_AT_CURSOR) atCursor.add(keyOf(record));
  }

  let reader: AsyncGenerator<Row[]> | null = null;
  return {
    async describe(): Promise<Column[]> {
      if (!reader) reader = pages();
      if (firstPage === null) {
        const r = await reader.next();
        firstPage = r.done ? [] : r.value;
      }
      return inferColumns(firstPage);
    },
    async *read(o?: ReadOptions): AsyncIterable<Row[]> {
      const it = reader ?? pages(o?.signal);
      reader = null;
      if (firstPage !== null) {
        const page = firstPage;
        firstPage = null;
        if (page.length) yield page;
      }
      try {
        for (;;) {
          const r = await it.next();
          if (r.done) return;
          yield r.value;
        }
      } finally {
        await it.return(undefined);
      }
    },
    complete: !stream.incremental || full,
    async commit() {
      if (stream.incremental && maxCursor !== null) {
        await store.setValue(cursorName, String(maxCursor));
        if (inclusive) await store.setValue(boundaryName, JSON.stringify([...atCursor]));
      }
      if (stream.incremental && full && options.fullRead) await store.setValue(options.fullRead.name, options.fullRead.at);
    },
    close: () => http.close(),
  };
}

/** Records at the kept cursor remembered for an inclusive read: past it, the rest are read again (a keyed sync sends them unchanged). */
const MAX_AT_CURSOR = 10_000;

/** A cursor value as it is kept (the kept cursor is text). */
function cursorText(value: unknown): string | null {
  return value === null || value === undefined || value === '' ? null : String(value);
}

/** The keys kept with an inclusive cursor (none when unset or unreadable). */
function parseKeys(text: string | null): string[] {
  if (text === null) return [];
  try {
    const keys: unknown = JSON.parse(text);
    return Array.isArray(keys) ? keys.filter((k): k is string => typeof k === 'string') : [];
  } catch {
    return [];
  }
}

/** Whether the records path selects anything, an empty array included (`$.data[*]` of `{ data: [] }` is checked as `$.data`). */
function recordsPathMatches(body: unknown, path: string): boolean {
  if (path === '$' || body === null || typeof body !== 'object' || Array.isArray(body)) return true;
  return pathValue(body, path.replace(/(\[\s*\*\s*\]|\.\*)$/, '')) !== undefined;
}

/** Whether a page holds the same records as the page before it: an API that ignores the paging parameter. */
function repeats(previous: Row[], records: Row[]): boolean {
  if (records.length === 0 || records.length !== previous.length) return false;
  // The first records tell most pages apart without writing the whole page out.
  if (JSON.stringify(records[0]) !== JSON.stringify(previous[0])) return false;
  return JSON.stringify(records) === JSON.stringify(previous);
}

/**
 * The kept cursor moved `seconds` back (`incremental.lookback`), in the form it was kept (UTC, no milliseconds unless
 * it had some). Only a date-time cursor has a meaningful "before"; any other is a configuration mistake.
 */
function cursorBefore(kept: string, seconds: number, stream: string, field: string): string {
  const at = Date.parse(kept);
  if (Number.isNaN(at) || !/^\d{4}-\d{2}-\d{2}/.test(kept)) {
    throw new Error(`stream ${stream}: incremental.lookback needs a date-time cursor, but the kept ${field} is ${JSON.stringify(kept)} (remove lookback, or use a timestamp cursor_field)`);
  }
  const iso = new Date(at - seconds * 1000).toISOString();
  return /\.\d+/.test(kept) ? iso : iso.replace(/\.\d{3}Z$/, 'Z');
}

/** The kept cursor as the API wants it: as kept, or a timestamp reformatted with strftime (Backlog's updatedSince takes a date). */
function formatCursor(value: string, format: string | undefined): string {
  if (!format) return value;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : formatStrftime(toWallClock(date, 'UTC'), format);
}

function withQuery(url: string, query: Record<string, string>): string {
  const parts = Object.entries(query).map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`);
  if (!parts.length) return url;
  return url + (url.includes('?') ? '&' : '?') + parts.join('&');
}

/** Columns of API records, from the first page: the union of their fields in first-seen order, typed by their values. */
export function inferColumns(records: Row[]): Column[] {
  const types = new Map<string, ColumnType | null>();
  for (const r of records) {
    for (const [k, v] of Object.entries(r)) {
      const t = valueType(v);
      const prev = types.get(k);
      if (prev === undefined || prev === null) types.set(k, t);
      else if (t !== null && t !== prev) types.set(k, prev === 'integer' && t === 'number' ? 'number' : t === 'integer' && prev === 'number' ? 'number' : 'string');
    }
  }
  return [...types].map(([name, type]) => ({ name, type: type ?? 'string', nativeType: 'json' }));
}

function valueType(v: unknown): ColumnType | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  if (typeof v === 'object') return 'json';
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(v)) return 'timestamp';
  return 'string';
}
