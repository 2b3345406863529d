import { createHash } from 'node:crypto';
import type { LoadedProject } from '../config/load-project.js';
import type { Stream } from '../config/connector-schema.js';
import type { HttpRequest } from '../http/http-request.js';
import { openHttpConnection, responseVariable, type HttpConnection } from '../connectors/open-http-connection.js';
import { firstPageQuery, nextPage, nextPageUrl, PaginationError, pathValue, selectRecords, topLevelKeys, withBodyToken, type NextPage, type PageValues } from '../connectors/paginate.js';
import { unwrapFields } from '../connectors/unwrap-fields.js';
import { joinUrl } from '../connectors/render-request.js';
import { percentEncode } from '../connectors/percent-encode.js';
import type { StateStore } from '../state/state-store.js';
import { formatStrftime } from '../config/format-strftime.js';
import { toWallClock } from '../config/wall-clock.js';
import { fullReadDue } from './full-read-due.js';
import { jobRecords, isCsvAnswer } from '../connectors/job/job-records.js';
import { renderJobRequest } from '../connectors/job/job-request.js';
import { startStreamJob } from '../connectors/job/start-stream-job.js';
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
  /** The records one read of chunk_fields may hold (default 1,000,000; lower in tests of the limit). */
  mergeLimit?: number;
  /** How a job's poll waits between requests (default a timer; a replay of recorded answers waits for nothing). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}): HttpStreamSource {
  const { http, stream, store, cursorName } = options;
  const full = options.full ?? false;
  const name = options.streamName;
  const mergeLimit = options.mergeLimit ?? MAX_MERGED;
  let firstPage: Row[] | null = null;
  const inclusive = stream.incremental?.inclusive === true;
  const primaryKey = stream.primary_key === undefined ? [] : [stream.primary_key].flat();
  const keyOf = (r: Row) => (primaryKey.length === 1 ? String(r[primaryKey[0]!]) : JSON.stringify(primaryKey.map((f) => r[f] ?? null)));
  // The cursor of each read: the stream's own, or one per partition (a parent record) of a partitioned stream.
  const cursors = new Map<string, Cursor>();
  const partition = stream.partition;

  /** The pages of one read: of the stream, or of one partition (`parent`, a record of the partition stream). */
  async function* pages(signal?: AbortSignal, parent?: Row): AsyncGenerator<Row[]> {
    const partitionKey = parent && partition ? partitionKeyOf(parent, partition, name) : null;
    const cursor: Cursor = { name: partitionKey === null ? cursorName : `${cursorName}|${partitionKey}`, max: null, atCursor: new Set() };
    cursors.set(cursor.name, cursor);
    const boundaryName = `${cursor.name}:at-cursor`;
    const kept = stream.incremental && !full ? await store.getValue(cursor.name) : null;
    let context: object = parent && partition ? http.context({ partition: { [partition.as]: parent } }) : { ...http.context() };
    const copied = parent && partition ? Object.fromEntries(partition.copy.map((f) => [`${partition.as}_${f}`, parent[f] ?? null])) : null;
    const track = (value: unknown, record?: Row) => trackCursor(cursor, value, inclusive && record ? keyOf(record) : null);
    // Read at the kept cursor before, and sent: left out when an inclusive API returns them again.
    let readBefore: Set<string> | null = null;
    // The cursor this read asks from, as sent (incremental.param) and as templates see it (`cursor`; null: from the start).
    let from: string | null = null;
    if (stream.incremental && kept !== null) {
      const { lookback } = stream.incremental;
      // The kept cursor stays the floor of the next one: records read again from the lookback window never move it back.
      if (lookback || inclusive) track(kept);
      if (inclusive) {
        readBefore = new Set(parseKeys(await store.getValue(boundaryName)));
        cursor.atCursor = new Set(readBefore);
      }
      from = formatCursor(lookback ? cursorBefore(kept, lookback, name, stream.incremental.cursor_field) : kept, stream.incremental.format);
    } else if (stream.incremental?.start !== undefined) {
      from = formatCursor(stream.incremental.start, stream.incremental.format);
    }
    context = { ...context, cursor: from };
    // The stream's query is rendered for each page: its templates may read the page asked for (page.offset) and the
    // cursor paging restarted from (restart_after), as APIs paging inside a query language need.
    const renderQuery = (cursor: string | null, page: PageValues | null): Record<string, string> => {
      const seen = page ? { ...context, cursor, page } : { ...context, cursor };
      const rendered: Record<string, string> = {};
      for (const [k, v] of Object.entries(stream.query)) {
        const value = typeof v === 'string' ? http.templates.render(v, seen, 'text', { role: `streams.${options.streamName}.query.${k}` }) : String(v);
        if (value !== '') rendered[k] = value;
      }
      return rendered;
    };
    const baseQuery: Record<string, string> = {};
    if (from !== null && stream.incremental?.param !== undefined) baseQuery[stream.incremental.param] = from;
    let request: PageRequest;
    if (stream.job) {
      // An asynchronous read: the job is created and done before its records are downloaded, page by page.
      const job = await startStreamJob({ http, job: stream.job, stream: name, context, rules: stream.responses, signal, sleep: options.sleep });
      context = { ...context, job };
      const download = renderJobRequest(http, stream.job.download, context);
      const headers: Record<string, string> = { ...download.headers };
      for (const [k, v] of Object.entries(stream.headers)) headers[k] = http.templates.render(v, context, 'text');
      request = {
        method: stream.job.download.method, url: download.url, path: '', headers, body: download.body ?? null, format: stream.job.download.format, copied, readBefore, kept, signal,
        query: renderQuery, from,
      };
    } else {
      if (stream.path === undefined) throw new Error(`stream ${name} has no path (nor job.download): give the path its records are read from`);
      const path = http.templates.render(stream.path, context, 'url', { role: `streams.${options.streamName}.path` });
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries({ ...http.spec.headers, ...stream.headers })) headers[k] = http.templates.render(v, context, 'text');
      const body = stream.body === undefined ? null : http.templates.render(stream.body, context, 'json');
      if (body !== null && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json';
      request = { method: stream.method, path, headers, body, copied, readBefore, kept, signal, query: renderQuery, from };
    }
    const field = stream.incremental?.cursor_field;
    if (!stream.chunk_fields) {
      for await (const fresh of requestPages(baseQuery, request)) {
        if (field !== undefined) for (const r of fresh) track(r[field], r);
        yield fresh;
      }
      return;
    }
    const merged = await mergeChunks(stream.chunk_fields, (query) => requestPages(query, request), baseQuery, field);
    // The cursor advances only from the merged records, and stays below any record that changed during the read.
    for (const m of merged.records) {
      if (merged.hold === null || (m.cursor !== null && laterThan(merged.hold, m.cursor))) track(m.cursor, m.record);
    }
    for (let i = 0; i < merged.records.length; i += MERGED_BATCH) yield merged.records.slice(i, i + MERGED_BATCH).map((m) => m.record);
  }

  /**
   * Reads one read once per chunk of fields (every page of each) and merges the records by primary_key. A record missing
   * from a chunk was created or deleted during the read: it is left out, and it (as one whose cursor differs between
   * chunks) holds the cursor below its value, so the next read has it whole.
   */
  async function mergeChunks(
    chunking: NonNullable<Stream['chunk_fields']>,
    read: (query: Record<string, string>) => AsyncGenerator<Row[]>,
    baseQuery: Record<string, string>,
    field: string | undefined,
  ): Promise<{ records: MergedRecord[]; hold: CursorValue | null }> {
    const sentAlways = chunking.fields.filter((f) => primaryKey.includes(f));
    const rest = chunking.fields.filter((f) => !primaryKey.includes(f));
    const per = Math.max(1, chunking.size - sentAlways.length);
    const chunks: string[][] = [];
    for (let i = 0; i < rest.length; i += per) chunks.push([...sentAlways, ...rest.slice(i, i + per)]);
    if (!chunks.length) chunks.push(sentAlways);
    const byKey = new Map<string, MergedRecord & { chunks: number; lastChunk: number; changed: boolean }>();
    for (const [c, chunk] of chunks.entries()) {
      for await (const page of read({ ...baseQuery, [chunking.param]: chunk.join(',') })) {
        for (const r of page) {
          const missing = primaryKey.find((f) => r[f] === null || r[f] === undefined);
          if (missing !== undefined) {
            throw new Error(`stream ${name}: a record read for the chunk ${chunk.join(',')} has no ${missing} (primary_key), so it cannot be merged with the other chunks: ${JSON.stringify(r).slice(0, 200)}`);
          }
          const key = keyOf(r);
          const value = field === undefined ? null : cursorValue(r[field]);
          const m = byKey.get(key);
          if (!m) {
            if (byKey.size >= mergeLimit) {
              throw new Error(`stream ${name}: one read of chunk_fields holds its records until the last chunk, and this one passed ${mergeLimit}; narrow the read (a query, or partition)`);
            }
            byKey.set(key, { record: { ...r }, cursor: value, chunks: 1, lastChunk: c, changed: false });
            continue;
          }
          mergeInto(m.record, r);
          if (m.lastChunk !== c) {
            m.chunks++;
            m.lastChunk = c;
          }
          if (value !== null) {
            if (m.cursor !== null && String(m.cursor) !== String(value)) m.changed = true;
            if (m.cursor === null || laterThan(m.cursor, value)) m.cursor = value;
          }
        }
      }
    }
    const records: MergedRecord[] = [];
    let hold: CursorValue | null = null;
    for (const m of byKey.values()) {
      const whole = m.chunks === chunks.length;
      if (whole) records.push({ record: m.record, cursor: m.cursor });
      if ((!whole || m.changed) && m.cursor !== null && (hold === null || laterThan(hold, m.cursor))) hold = m.cursor;
    }
    return { records, hold };
  }

  /** The records of every page of one read, `baseQuery` on each (without cursor tracking). */
  async function* requestPages(baseQuery: Record<string, string>, sent: PageRequest): AsyncGenerator<Row[]> {
    const { path, headers, copied, readBefore, kept, signal } = sent;
    // The body of each page: the first's, or it with the page token set in it (a cursor paginate `in: body`).
    let body = sent.body;
    const first = sent.url ?? joinUrl(http.baseUrl(), path);
    let query = { ...baseQuery, ...firstPageQuery(stream.paginate) };
    let url: string | null = null;
    const seen = new Set<string>();
    let previous: Row[] = [];
    let total = 0;
    const paginate = stream.paginate;
    const restartAfter = paginate && (paginate.type === 'offset' || paginate.type === 'page') ? paginate.restart_after : undefined;
    const restartParam = stream.incremental?.param;
    const restart = restartAfter === undefined || !stream.incremental ? null : new PagingRestart(restartAfter, stream.incremental.cursor_field, keyOf, name);
    // Every page's query: the read's, with the cursor value paging last restarted from.
    let base = baseQuery;
    let cursorFrom = sent.from;
    // The offset of the page asked for, when the stream's templates place it (paginate.in: template).
    const templated = paginate?.type === 'offset' && paginate.in === 'template';
    let offset = 0;
    for (let n = 1; ; n++) {
      if (n > stream.max_requests) {
        throw new Error(`stream ${options.streamName} made ${stream.max_requests} requests and was not done: raise max_requests or check its paginate settings`);
      }
      signal?.throwIfAborted();
      const pageValues: PageValues | null = paginate?.type === 'offset'
        ? { offset: templated ? offset : Number(query[paginate.offset_param] ?? 0), limit: paginate.limit }
        : null;
      const target: string = url ?? withQuery(first, { ...sent.query(cursorFrom, pageValues), ...query });
      const request: HttpRequest = { method: sent.method, url: target, headers, body };
      const outcome = await http.client.send(request, {
        auth: http.auth,
        signal,
        classify: http.classifier(stream.responses),
      });
      if (!outcome.ok) throw new Error(`stream ${options.streamName}: ${http.redactor.mask(outcome.error)}`);
      const response = outcome.response;
      const csv = stream.job !== undefined && isCsvAnswer(response, sent.format);
      const selected = stream.job ? jobRecords(response, sent.format, stream.records, `stream ${name}`) : selectRecords(response.body, stream.records);
      const unwrap = stream.unwrap_fields;
      const records = unwrap === undefined ? selected : selected.map((r) => unwrapFields(r, unwrap));
      if (n === 1 && records.length === 0 && !csv && !recordsPathMatches(response.body, stream.records)) {
        // Reading on would yield no rows and fail later with a misleading message (a key column that is not a column).
        throw new Error(`stream ${name}: records path ${stream.records} matches nothing in the first response (${topLevelKeys(response.body)}); fix records in the connector`);
      }
      total += records.length;
      const stop = stream.stop_when !== undefined
        && http.templates.evaluate(stream.stop_when, http.context({ response: responseVariable(response) }), `streams.${name}.stop_when`);
      let next: NextPage = null;
      if (!stop) {
        try {
          next = nextPage(stream.paginate, { body: response.body, headers: response.headers, records: records.length, query, pages: n, total, offset }, seen);
        } catch (e) {
          if (e instanceof PaginationError) throw new Error(`stream ${name}: ${http.redactor.mask(e.message)}`);
          throw e;
        }
      }
      if (next && repeats(previous, records)) {
        throw new Error(`stream ${name}: page ${n} returned the same records as page ${n - 1}; stopping so the read does not loop (does the API ignore the paging parameter? check paginate)`);
      }
      previous = records;
      let fresh = copied ? records.map((r) => ({ ...r, ...copied })) : records;
      if (stream.incremental && readBefore?.size) {
        const field = stream.incremental.cursor_field;
        fresh = fresh.filter((r) => !(cursorText(r[field]) === kept && readBefore.has(keyOf(r))));
      }
      if (restart) fresh = restart.page(fresh);
      if (fresh.length) yield fresh;
      if (!next) return;
      const from = restart?.due() ?? null;
      if (from !== null && 'query' in next) {
        // Paging went as deep as the API allows: start again from the first page, asking from the last cursor value.
        url = null;
        cursorFrom = formatCursor(from, stream.incremental!.format);
        base = restartParam === undefined ? baseQuery : { ...baseQuery, [restartParam]: cursorFrom };
        query = { ...base, ...firstPageQuery(paginate) };
        offset = 0;
        previous = [];
        continue;
      }
      if ('bodyToken' in next) {
        try {
          body = withBodyToken(typeof sent.body === 'string' ? sent.body : null, next.bodyToken.path, next.bodyToken.token);
        } catch (e) {
          if (e instanceof PaginationError) throw new Error(`stream ${name}: ${http.redactor.mask(e.message)}`);
          throw e;
        }
      } else if ('url' in next) url = nextPageUrl(next.url, target, name);
      else {
        url = null;
        query = { ...base, ...next.query };
        if (next.offset !== undefined) offset = next.offset;
      }
    }
  }

  /** Every read's pages: the stream's, or each partition's in turn as the partition stream yields its records. */
  async function* allPages(signal?: AbortSignal): AsyncGenerator<Row[]> {
    if (!partition) {
      yield* pages(signal);
      return;
    }
    const parentStream = http.spec.streams[partition.stream];
    if (!parentStream) throw new Error(`stream ${name}: partition.stream "${partition.stream}" is not a stream of connector ${http.spec.name}`);
    // The partitions are every record of the partition stream, read in full each time (its own cursor is not used).
    const parents = createHttpStreamSource({ http, stream: parentStream, streamName: partition.stream, store, cursorName: `${cursorName}|parent`, full: true });
    for await (const batch of parents.read({ signal })) {
      for (const parent of batch) yield* pages(signal, parent);
    }
  }

  let reader: AsyncGenerator<Row[]> | null = null;
  return {
    async describe(): Promise<Column[]> {
      if (!reader) reader = allPages();
      if (firstPage === null) {
        const r = await reader.next();
        firstPage = r.done ? [] : r.value;
      }
      return inferColumns(firstPage);
    },
    async *read(o?: ReadOptions): AsyncIterable<Row[]> {
      const it = reader ?? allPages(o?.signal);
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
      if (stream.incremental) {
        let highest: Cursor['max'] = null;
        for (const cursor of cursors.values()) {
          if (cursor.max === null) continue;
          await store.setValue(cursor.name, String(cursor.max));
          if (inclusive) await store.setValue(`${cursor.name}:at-cursor`, JSON.stringify([...cursor.atCursor]));
          if (highest === null || laterThan(cursor.max, highest)) highest = cursor.max;
        }
        // A partitioned stream keeps its cursors per partition; its own says that a read was done (the next is incremental).
        if (partition && highest !== null) await store.setValue(cursorName, String(highest));
      }
      if (stream.incremental && full && options.fullRead) await store.setValue(options.fullRead.name, options.fullRead.at);
    },
    close: () => http.close(),
  };
}

/**
 * `paginate.restart_after`: counts the records of one pagination and, past the limit, says to start again from the
 * cursor value of the last record read. The records read at that value are remembered by key and left out when the
 * restarted pages return them again, so each record is read once.
 */
class PagingRestart {
  private sinceStart = 0;
  /** The cursor value of the last record read, and the keys of the records read at it. */
  private last: string | null = null;
  private atLast = new Set<string>();
  /** The value paging restarted from, and the keys read at it before the restart. */
  private from: { value: string; keys: Set<string> } | null = null;

  constructor(
    private readonly after: number,
    private readonly field: string,
    private readonly keyOf: (r: Row) => string,
    private readonly stream: string,
  ) {}

  /** The page's records, less those read before the restart; counts and remembers them. */
  page(records: Row[]): Row[] {
    const from = this.from;
    const fresh = from === null ? records : records.filter((r) => !(cursorText(r[this.field]) === from.value && from.keys.has(this.keyOf(r))));
    this.sinceStart += records.length;
    for (const r of records) {
      const value = cursorText(r[this.field]);
      if (value !== this.last) {
        this.last = value;
        this.atLast = new Set();
      }
      if (this.atLast.size < MAX_AT_CURSOR) this.atLast.add(this.keyOf(r));
    }
    return fresh;
  }

  /** The cursor value to restart from, once restart_after records were read since the (re)start; else null. */
  due(): string | null {
    if (this.sinceStart < this.after) return null;
    const value = this.last;
    if (value === null) {
      throw new Error(`stream ${this.stream}: paging restarts (paginate.restart_after) from the last record's ${this.field}, but it has none`);
    }
    if (this.from?.value === value || this.atLast.size >= MAX_AT_CURSOR) {
      throw new Error(`stream ${this.stream}: more than ${Math.min(this.after, MAX_AT_CURSOR)} records share ${this.field} ${value}, so restarting paging from it (paginate.restart_after) would not get past them; raise restart_after, or ask the API for a finer cursor`);
    }
    this.from = { value, keys: new Set(this.atLast) };
    this.sinceStart = 0;
    return value;
  }
}

/** What one read keeps of its cursor: the highest value read, and (inclusive) the keys of the records read at it. */
interface Cursor {
  name: string;
  max: CursorValue | null;
  atCursor: Set<string>;
}

type CursorValue = string | number;

/** What one page request of a read sends (rendered once per read), and what it leaves out of the records. */
interface PageRequest {
  method: string;
  /** Appended to the base URL, unless url is given. */
  path: string;
  /** The first page's whole URL (a job's download), instead of the base URL and path. */
  url?: string;
  headers: Record<string, string>;
  body: string | Uint8Array | null;
  /** How a job's download is read (csv, json; default by Content-Type). */
  format?: 'json' | 'csv';
  copied: Row | null;
  readBefore: Set<string> | null;
  kept: string | null;
  signal?: AbortSignal;
  /** The stream's query rendered for one page: the cursor it asks from and, with an offset paginate, the page. */
  query: (cursor: string | null, page: PageValues | null) => Record<string, string>;
  /** The cursor the read asks from, as sent (null: from the start). */
  from: string | null;
}

/** A record merged from every chunk of fields, and the lowest cursor value its chunks gave. */
interface MergedRecord {
  record: Row;
  cursor: CursorValue | null;
}

/** The records one read of chunk_fields may hold until its last chunk (beyond, it fails rather than exhaust memory). */
const MAX_MERGED = 1_000_000;

/** Merged records are handed on in batches of this many. */
const MERGED_BATCH = 1000;

function cursorValue(value: unknown): CursorValue | null {
  if (value === null || value === undefined || value === '') return null;
  return typeof value === 'number' ? value : String(value);
}

/**
 * Whether cursor value a is after b: numbers by value, and so are texts of digits (kintone's "$id" of "10" is after "9"),
 * anything else as text (ISO timestamps sort so).
 */
function laterThan(a: CursorValue, b: CursorValue): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a > b;
  const x = String(a);
  const y = String(b);
  if (DIGITS.test(x) && DIGITS.test(y)) {
    const p = x.replace(/^0+(?=\d)/, '');
    const q = y.replace(/^0+(?=\d)/, '');
    return p.length !== q.length ? p.length > q.length : p > q;
  }
  return x > y;
}

const DIGITS = /^\d{1,100}$/;

/** Adds a later chunk's fields to a record; an object both have is merged too (HubSpot's properties). */
function mergeInto(target: Record<string, unknown>, source: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(source)) {
    const had = target[k];
    if (had === undefined) target[k] = v;
    else if (isPlainObject(had) && isPlainObject(v)) {
      const both = { ...had };
      mergeInto(both, v);
      target[k] = both;
    }
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function trackCursor(cursor: Cursor, value: unknown, key: string | null): void {
  const v = cursorValue(value);
  if (v === null) return;
  const max = cursor.max;
  if (max === null || laterThan(v, max)) {
    cursor.max = v;
    cursor.atCursor = new Set();
  }
  if (key !== null && String(v) === String(cursor.max) && cursor.atCursor.size < MAX_AT_CURSOR) cursor.atCursor.add(key);
}

/** The partition a parent record names (`as=value`), for its cursor's name; a parent without the field is refused. */
function partitionKeyOf(parent: Row, partition: NonNullable<Stream['partition']>, stream: string): string {
  const value = parent[partition.field];
  if (value === null || value === undefined || value === '' || typeof value === 'object') {
    throw new Error(`stream ${stream}: a record of partition stream ${partition.stream} has no ${partition.field} (partition.field): ${JSON.stringify(parent).slice(0, 200)}`);
  }
  // (A long id names its cursor by its hash: state value names stay short.)
  const id = String(value);
  return `${partition.as}=${id.length <= 200 ? id : createHash('sha256').update(id).digest('hex')}`;
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
