import { JSONPath } from 'jsonpath-plus';
import type { Endpoint } from '../config/connector-schema.js';
import { responseVariable, type HttpConnection } from '../connectors/open-http-connection.js';
import { renderBatchRequest, renderRequest, type BatchEntry, type RenderedBatch } from '../connectors/render-request.js';
import { moveBodyToBytes } from '../connectors/request-body.js';
import { statusLine } from '../http/status-line.js';
import type { HttpRequest } from '../http/http-request.js';
import type { HttpResponse } from '../http/http-response.js';
import {
  FatalDeliveryError,
  type DeliveryItem,
  type DeliveryOperation,
  type DeliveryResult,
  type Destination,
  type PreviewRequest,
} from './destination.js';

/** Endpoint names per operation (a sync's `endpoint` or `endpoints`). */
export interface HttpEndpointNames {
  create?: string;
  update?: string;
  upsert?: string;
  delete?: string;
  lookup?: string;
}

/** What `createHttpDestination` needs: an open connection and the endpoint to use per operation. */
export interface HttpDestinationOptions {
  connection: HttpConnection;
  endpoints: HttpEndpointNames;
  /** Sees every final response with the keys of the records it answers (`sluice connector test --send` prints them). */
  onResponse?: (response: HttpResponse, keys: string[]) => void;
}

type Op = DeliveryOperation | 'lookup';

const noResult = 'no result for this record in the response';
const defaultBatch = { size: 100, item: '{{ row | json }}', body: '{{ items }}' };

/** The record variable templates see: `{ id }`, the remote id kept from an earlier create. */
function recordOf(item: DeliveryItem): { id: string | null } {
  return { id: item.remoteId };
}

const simplePath = /^\$(?:\.[A-Za-z_]\w*)*$/;
const hasOwn = Object.prototype.hasOwnProperty;

/**
 * The per-record results at `response.results`: the array it selects (`$.results`), or every match (`$.results[*]`);
 * a string says why there are none to read (the path matched nothing, or a plain path found something not a list).
 * A plain dotted path into a JSON object is walked directly; anything else goes through JSONPath.
 */
function resultsAt(path: string, body: unknown): unknown[] | string {
  let found: unknown[];
  const simple = simplePath.test(path);
  if (body !== null && typeof body === 'object' && simple) {
    let value: unknown = body;
    let missing = false;
    for (const key of path.split('.').slice(1)) {
      if (value === null || typeof value !== 'object' || !hasOwn.call(value, key)) {
        missing = true;
        break;
      }
      value = (value as Record<string, unknown>)[key];
    }
    found = missing ? [] : [value];
  } else {
    found = JSONPath({ path, json: body as object, wrap: true, eval: 'safe' }) as unknown[];
  }
  if (found.length === 0) return `response.results (${path}) matches nothing in the response`;
  // `$.results` selects the array itself; `$.results[*]` selects its elements.
  if (found.length === 1 && Array.isArray(found[0])) return found[0] as unknown[];
  if (simple) return `response.results (${path}) is not a list in the response`;
  return found;
}

/** Whether a response template reads the body (`response.body`, or `result`, which is the body for a single request). */
const readsBody = (template: string): boolean => /\b(?:response\.body|result)\b/.test(template);

/** A body that came as text although the endpoint reads JSON from it (an HTML error page, a proxy's answer). */
function notJson(response: HttpResponse): boolean {
  return typeof response.body === 'string' && response.body === response.text && response.text.trim() !== '';
}

/** How many characters of an unreadable body an error quotes. */
const BODY_EXCERPT = 200;

/** A rendered id: empty means none. */
function idOf(text: string): string | null {
  const id = text.trim();
  return id === '' ? null : id;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Runs `fn` over the items with at most `limit` running at once; results in item order. */
async function mapConcurrent<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * An HTTP API as a destination: one connector endpoint per operation, single (one request a record) or batch
 * (one request for many, per-record results read back from the response). Rows whose request does not render are
 * rejected unsent; a batch the API rejects as a whole is split in halves until the bad rows are isolated.
 */
export function createHttpDestination(options: HttpDestinationOptions): Destination {
  const { connection } = options;
  const { spec, templates } = connection;

  const endpoints = new Map<Op, { name: string; endpoint: Endpoint }>();
  for (const [op, name] of Object.entries(options.endpoints) as [Op, string | undefined][]) {
    if (!name) continue;
    const endpoint = spec.endpoints[name];
    if (!endpoint) {
      const known = Object.keys(spec.endpoints).join(', ') || 'none';
      throw new Error(`connector ${spec.name} has no endpoint "${name}" (endpoints: ${known})`);
    }
    endpoints.set(op, { name, endpoint });
  }
  const classifiers = new Map<Endpoint, ReturnType<HttpConnection['classifier']>>();
  const classify = (endpoint: Endpoint): ReturnType<HttpConnection['classifier']> => {
    let c = classifiers.get(endpoint);
    if (!c) classifiers.set(endpoint, (c = connection.classifier(endpoint.responses)));
    return c;
  };

  const endpointFor = (op: Op): Endpoint => {
    const found = endpoints.get(op);
    if (!found) throw new Error(`no endpoint of connector ${spec.name} is configured for ${op}`);
    return found.endpoint;
  };

  const pathNeedsId = new Map<Endpoint, boolean>();
  for (const { endpoint } of endpoints.values()) pathNeedsId.set(endpoint, /\brecord\.id\b/.test(endpoint.path));

  /** A record whose endpoint addresses it by remote id, but none is kept: sending would hit the wrong URL. */
  const missingId = (endpoint: Endpoint, item: DeliveryItem): string | undefined => {
    if (item.remoteId !== null || (item.operation !== 'update' && item.operation !== 'delete')) return undefined;
    if (!pathNeedsId.get(endpoint)) return undefined;
    return `no remote id is kept for this record, and the ${item.operation} endpoint's path needs record.id (an endpoint with operation: lookup can find it)`;
  };

  const curl = async (request: HttpRequest): Promise<string> => connection.curl(request);

  /**
   * `<status>: <why>: <the first bytes of the body>`, for a response the endpoint cannot read: the rows fail (and are
   * sent again next run) instead of passing as delivered with no id. Masked before it is cut, so no secret is cut in half.
   */
  const unreadable = (response: HttpResponse, why: string): string => {
    const text = connection.redactor.mask(response.text).replace(/\s+/g, ' ').trim();
    const excerpt = text === '' ? '(empty body)' : text.length > BODY_EXCERPT ? `${text.slice(0, BODY_EXCERPT)}...` : text;
    return `${statusLine(response.status)}: ${why}: ${excerpt}`;
  };

  // --- single requests -------------------------------------------------------------------------------------------

  const renderSingleText = (endpoint: Endpoint, item: DeliveryItem): HttpRequest =>
    renderRequest(endpoint, connection.context({ row: item.row, record: recordOf(item) }), connection.renderOptions());

  /** A request to send: its body as bytes (see moveBodyToBytes). Previews keep the text. */
  const renderSingle = (endpoint: Endpoint, item: DeliveryItem): HttpRequest => moveBodyToBytes(renderSingleText(endpoint, item));

  // An endpoint's record_id template, looked up once: it is then one function call per record.
  const recordIdRenderers = new Map<string, (context: object) => string>();
  const recordIdOf = (template: string): ((context: object) => string) => {
    let r = recordIdRenderers.get(template);
    if (!r) recordIdRenderers.set(template, (r = templates.renderer(template, 'text', { role: 'response.record_id', strict: false })));
    return r;
  };

  /** Reads the per-record outcome of a successful single request: `success`, `error`, `record_id`. */
  const singleResult = (endpoint: Endpoint, item: DeliveryItem, response: HttpResponse): DeliveryResult => {
    const res = endpoint.response;
    // The template is looked at only for a text body: a JSON answer (the usual one) costs one type check.
    if (res.record_id && notJson(response) && readsBody(res.record_id)) {
      return { key: item.key, ok: false, error: unreadable(response, 'the response is not JSON') };
    }
    const context = connection.context({
      row: item.row,
      record: recordOf(item),
      response: responseVariable(response),
      result: response.body,
    });
    if (res.success !== undefined && !templates.evaluate(res.success, context, 'response.success')) {
      const error = (res.error && templates.render(res.error, context, 'text', { role: 'response.error', strict: false }).trim()) || connection.errorMessage(response) || `the response did not meet response.success (${res.success})`;
      return { key: item.key, ok: false, error };
    }
    const remoteId = res.record_id ? idOf(recordIdOf(res.record_id)(context)) : null;
    if (remoteId === null && res.record_id && item.operation === 'create') {
      return { key: item.key, ok: false, error: unreadable(response, noIdMessage(res.record_id)) };
    }
    return { key: item.key, ok: true, remoteId: remoteId ?? item.remoteId };
  };

  const writeOne = async (endpoint: Endpoint, item: DeliveryItem, signal?: AbortSignal): Promise<DeliveryResult> => {
    const unaddressable = missingId(endpoint, item);
    if (unaddressable) return { key: item.key, ok: false, error: unaddressable, request: null };
    let request: HttpRequest;
    try {
      request = renderSingle(endpoint, item);
    } catch (e) {
      return { key: item.key, ok: false, error: connection.redactor.mask(messageOf(e)), request: null };
    }
    const outcome = await connection.client.send(request, { classify: classify(endpoint), auth: connection.auth, signal });
    if (outcome.response) options.onResponse?.(outcome.response, [item.key]);
    if (!outcome.ok) {
      if (outcome.action === 'fail') throw new FatalDeliveryError(failMessage(outcome));
      const failed: DeliveryResult = { key: item.key, ok: false, error: outcome.error, request: await curl(request) };
      if (outcome.unavailable) failed.unavailable = true;
      return failed;
    }
    const result = withTemplateErrors(() => singleResult(endpoint, item, outcome.response));
    return result.ok ? result : { ...result, error: connection.redactor.mask(result.error ?? ''), request: await curl(request) };
  };

  // --- batch requests --------------------------------------------------------------------------------------------

  const entriesOf = (items: readonly DeliveryItem[]): BatchEntry[] => items.map((item) => ({ row: item.row, record: recordOf(item) }));

  /** A batch rendered for sending: as renderBatchRequest, the request's body as bytes (as renderSingle). */
  const renderBatch = (endpoint: Endpoint, items: readonly DeliveryItem[]): Omit<RenderedBatch, 'request'> & { request?: HttpRequest } => {
    const { request, included, errors } = renderBatchRequest(endpoint, entriesOf(items), connection.context(), connection.renderOptions());
    return request ? { request: moveBodyToBytes(request), included, errors } : { included, errors };
  };

  /** The per-record results of a successful batch response, matched to the items sent. */
  const batchResults = (endpoint: Endpoint, sent: readonly DeliveryItem[], response: HttpResponse): DeliveryResult[] => {
    const res = endpoint.response;
    const delivered = new Array<DeliveryResult>(sent.length);
    if (res.results === undefined) {
      // Nothing to read back: every record of a successful batch is delivered, with no template run per row.
      for (let i = 0; i < sent.length; i++) delivered[i] = { key: sent[i]!.key, ok: true, remoteId: sent[i]!.remoteId };
      return delivered;
    }
    const results = notJson(response)
      ? 'the response is not JSON'
      : response.text.trim() === ''
        ? `the response is empty, and response.results (${res.results}) reads the results from it`
        : resultsAt(res.results, response.body);
    if (typeof results === 'string') {
      // The API answered, but nothing says which records it took: none counts as delivered.
      const error = unreadable(response, results);
      for (let i = 0; i < sent.length; i++) delivered[i] = { key: sent[i]!.key, ok: false, error };
      return delivered;
    }
    // One context for every result: rendering is synchronous and keeps no reference to it.
    const context = connection.context<{ row: unknown; record: unknown; result: unknown; response: unknown }>({
      row: undefined,
      record: undefined,
      result: undefined,
      response: responseVariable(response),
    });
    // The result of each item sent, by position; `matched` says which got one (undefined is a result too).
    let byItem: unknown[];
    let matched: (i: number) => boolean;
    if (res.match !== undefined) {
      byItem = new Array<unknown>(sent.length);
      const found = new Array<boolean>(sent.length).fill(false);
      const index = new Map<string, number>();
      for (let i = 0; i < sent.length; i++) index.set(sent[i]!.key, i);
      const matchOf = templates.renderer(res.match, 'text', { role: 'response.match', strict: false });
      for (const result of results) {
        context.result = result;
        const key = matchOf(context).trim();
        const i = index.get(key);
        if (i !== undefined && !found[i]) {
          found[i] = true;
          byItem[i] = result;
        }
      }
      matched = (i) => found[i]!;
    } else {
      // Results in the order of the records sent: the i-th answers the i-th.
      byItem = results;
      matched = (i) => i < results.length;
    }
    const recordId = res.record_id ? recordIdOf(res.record_id) : null;
    // One record variable for every result, as the context: rendering keeps no reference to either.
    const record: { id: string | null } = { id: null };
    context.record = record;
    for (let i = 0; i < sent.length; i++) {
      const item = sent[i]!;
      if (!matched(i)) {
        delivered[i] = { key: item.key, ok: false, error: noResult };
        continue;
      }
      context.row = item.row;
      record.id = item.remoteId;
      context.result = byItem[i];
      if (res.success !== undefined && !templates.evaluate(res.success, context, 'response.success')) {
        const error =
          (res.error && templates.render(res.error, context, 'text', { role: 'response.error', strict: false }).trim()) ||
          `the API reported a failure for this record (${res.success} is false)`;
        delivered[i] = { key: item.key, ok: false, error };
        continue;
      }
      const remoteId = recordId ? idOf(recordId(context)) : null;
      if (remoteId === null && recordId && item.operation === 'create') {
        delivered[i] = { key: item.key, ok: false, error: `${noIdMessage(res.record_id!)} in its result` };
        continue;
      }
      delivered[i] = { key: item.key, ok: true, remoteId: remoteId ?? item.remoteId };
    }
    return delivered;
  };

  const writeBatch = async (endpoint: Endpoint, items: readonly DeliveryItem[], signal?: AbortSignal): Promise<DeliveryResult[]> => {
    const results = new Array<DeliveryResult>(items.length);
    // Indexes of the items that can be sent; undefined: all of them (an endpoint whose path needs no record id).
    let addressable: number[] | undefined;
    if (pathNeedsId.get(endpoint)) {
      addressable = [];
      for (let i = 0; i < items.length; i++) {
        const unaddressable = missingId(endpoint, items[i]!);
        if (unaddressable) results[i] = { key: items[i]!.key, ok: false, error: unaddressable, request: null };
        else addressable.push(i);
      }
      if (addressable.length === items.length) addressable = undefined;
    }
    const sendable = addressable ? addressable.map((i) => items[i]!) : items;
    const itemIndex = (i: number): number => (addressable ? addressable[i]! : i);
    const { request, included, errors } = renderBatch(endpoint, sendable);
    for (const [i, error] of errors) {
      results[itemIndex(i)] = { key: sendable[i]!.key, ok: false, error: connection.redactor.mask(error), request: null };
    }
    if (!request) return results;
    const sent = included.length === sendable.length ? sendable : included.map((i) => sendable[i]!);
    const outcome = await connection.client.send(request, { classify: classify(endpoint), auth: connection.auth, signal });
    if (outcome.response) options.onResponse?.(outcome.response, sent.map((i) => i.key));
    let delivered: DeliveryResult[];
    if (outcome.ok) {
      delivered = withTemplateErrors(() => batchResults(endpoint, sent, outcome.response));
      if (delivered.some((r) => !r.ok)) {
        const text = await curl(request);
        delivered = delivered.map((r) => (r.ok ? r : { ...r, error: connection.redactor.mask(r.error ?? ''), request: text }));
      }
    } else if (outcome.action === 'fail') {
      throw new FatalDeliveryError(failMessage(outcome));
    } else if (sent.length > 1 && refusedContent(outcome.response)) {
      // All-or-nothing APIs reject a whole batch for one bad record: halve until the bad ones are alone.
      const half = Math.ceil(sent.length / 2);
      const [first, second] = await Promise.all([
        writeBatch(endpoint, sent.slice(0, half), signal),
        writeBatch(endpoint, sent.slice(half), signal),
      ]);
      delivered = [...first, ...second];
    } else {
      const text = await curl(request);
      const outage = outcome.unavailable ? { unavailable: true } : {};
      delivered = sent.map((item) => ({ key: item.key, ok: false, error: outcome.error, request: text, ...outage }));
    }
    // Every item sent, in order: the results are the delivered ones.
    if (sent === items) return delivered;
    for (let j = 0; j < included.length; j++) results[itemIndex(included[j]!)] = delivered[j]!;
    return results;
  };

  // --- the Destination -------------------------------------------------------------------------------------------

  const batchSize = (op: DeliveryOperation): number => {
    const endpoint = endpoints.get(op)?.endpoint;
    if (!endpoint || endpoint.request !== 'batch') return 1;
    return (endpoint.batch ?? defaultBatch).size;
  };

  return {
    supports: (op) => endpoints.has(op),
    batchSize,
    concurrency: spec.rate_limit.concurrency,

    async write(items, opts = {}) {
      if (items.length === 0) return [];
      const endpoint = endpointFor(items[0]!.operation);
      if (endpoint.request === 'batch') {
        const size = batchSize(items[0]!.operation);
        if (items.length <= size) return writeBatch(endpoint, items, opts.signal);
        const chunks: DeliveryItem[][] = [];
        for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
        const written = await mapConcurrent(chunks, spec.rate_limit.concurrency, (chunk) => writeBatch(endpoint, chunk, opts.signal));
        return ([] as DeliveryResult[]).concat(...written);
      }
      // One record (the engine's usual call for single requests): no worker to set up.
      if (items.length === 1) return [await writeOne(endpoint, items[0]!, opts.signal)];
      return mapConcurrent(items, spec.rate_limit.concurrency, (item) => writeOne(endpoint, item, opts.signal));
    },

    async lookup(items, opts = {}) {
      const endpoint = endpointFor('lookup');
      const found = new Map<string, string | null>();
      await mapConcurrent(items, spec.rate_limit.concurrency, async (item) => {
        const request = renderSingle(endpoint, item);
        const outcome = await connection.client.send(request, { classify: classify(endpoint), auth: connection.auth, signal: opts.signal });
        if (outcome.response) options.onResponse?.(outcome.response, [item.key]);
        if (!outcome.ok) {
          // Not found is an answer; any other refusal leaves us blind, and creating would risk a duplicate.
          if (outcome.response?.status === 404) {
            found.set(item.key, null);
            return;
          }
          throw new FatalDeliveryError(outcome.unavailable ? failMessage(outcome) : `lookup of "${item.key}" failed: ${outcome.error}`);
        }
        const res = endpoint.response;
        if (!res.record_id) throw new FatalDeliveryError(`lookup endpoint of connector ${spec.name} has no response.record_id`);
        const context = connection.context({ row: item.row, record: recordOf(item), response: responseVariable(outcome.response) });
        found.set(item.key, idOf(recordIdOf(res.record_id)(context)));
      });
      return found;
    },

    async preview(items, opts = {}) {
      if (items.length === 0) return [];
      // A lookup sends one request a record, as lookup() does.
      const operation: Op = opts.lookup ? 'lookup' : items[0]!.operation;
      const endpoint = endpointFor(operation);
      const previews: PreviewRequest[] = [];
      if (endpoint.request === 'batch' && operation !== 'lookup') {
        const size = batchSize(operation);
        for (let start = 0; start < items.length; start += size) {
          const chunk = items.slice(start, start + size);
          const rendered = renderBatchRequest(endpoint, entriesOf(chunk), connection.context(), connection.renderOptions());
          if (rendered.request) {
            previews.push({ operation, keys: rendered.included.map((i) => chunk[i]!.key), text: await curl(rendered.request) });
          }
          for (const [i, error] of rendered.errors) {
            previews.push({ operation, keys: [chunk[i]!.key], text: '', error: connection.redactor.mask(error) });
          }
        }
        return previews;
      }
      for (const item of items) {
        const unaddressable = missingId(endpoint, item);
        if (unaddressable) {
          previews.push({ operation, keys: [item.key], text: '', error: unaddressable });
          continue;
        }
        try {
          previews.push({ operation, keys: [item.key], text: await curl(renderSingleText(endpoint, item)) });
        } catch (e) {
          previews.push({ operation, keys: [item.key], text: '', error: connection.redactor.mask(messageOf(e)) });
        }
      }
      return previews;
    },

    async close() {
      // The connection (and its client) belongs to whoever opened it.
    },
  };
}

/**
 * Whether the API answered and refused what was sent (a 4xx, or a 2xx a `reject` rule matched): splitting can then
 * isolate the bad records. Exhausted retries, rate limits and network failures say nothing about the records.
 */
function refusedContent(response: HttpResponse | undefined): boolean {
  return response !== undefined && response.status < 500 && response.status !== 408 && response.status !== 429;
}

/** Why a create's record counts as not delivered when record_id renders empty: a later run would create it again. */
function noIdMessage(template: string): string {
  return `the response gave no id for the new record (response.record_id ${template} rendered empty)`;
}

/** The run-stopping message of a failed outcome: an outage reads as such, whatever request hit it. */
function failMessage(outcome: { error: string; unavailable?: true }): string {
  return outcome.unavailable ? `the API is unavailable: ${outcome.error}` : outcome.error;
}

/** A response template that cannot run (an unknown top-level name) is the connector's bug: stop the run. */
function withTemplateErrors<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw new FatalDeliveryError(`reading the response failed: ${messageOf(e)}`);
  }
}
