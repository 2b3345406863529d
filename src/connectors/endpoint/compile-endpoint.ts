import { DEFAULT_BATCH_SIZE, type Endpoint } from '../../config/connector-schema.js';
import { FatalDeliveryError, keptRowJson, type DeliveryItem, type DeliveryResult } from '../../rows/delivery-item.js';
import type { Classification } from '../../http/classification.js';
import type { SendOutcome } from '../../http/http-client.js';
import type { HttpRequest } from '../../http/http-request.js';
import type { HttpResponse } from '../../http/http-response.js';
import type { HttpConnection } from '../open-http-connection.js';
import { renderBatchRequest, renderRequest, type BatchEntry } from '../render-request.js';
import { moveBodyToBytes } from '../request-body.js';
import { pendingJob, withJob } from '../job/with-job.js';
import { createResultReader, recordOf } from './read-endpoint-results.js';
import { sendRequest } from './send-request.js';

/** The request rendered for some items, and which of them it carries. */
export interface EndpointRequest {
  /** The items given to `render`. */
  items: readonly DeliveryItem[];
  /** The request carrying `sent`, its body as bytes (see moveBodyToBytes); absent when no item can be sent. */
  request?: HttpRequest;
  /** The items the request carries, in order (`items` itself when every one goes). */
  sent: readonly DeliveryItem[];
  /** The index in `items` of each item of `sent`; null when `sent` is `items`. */
  included: readonly number[] | null;
  /** Index in `items` → why that item is not sent (its template failed, or it has no kept id its path needs), masked. */
  errors: ReadonlyMap<number, string> | null;
}

/** A connector endpoint bound to a connection, compiled once: render items into a request, send it, read the answer. */
export interface CompiledEndpoint {
  readonly name: string;
  readonly endpoint: Endpoint;
  /** Items one request carries at most: `batch.size` for a batch endpoint, else 1 (a lookup is always one a request). */
  readonly batchSize: number;
  /**
   * The request for these items (at most `batchSize`; a single endpoint renders the first), sending nothing. A row
   * that does not render is left out with its error; an error of the request as a whole (no base URL, a batch body
   * that fails) is thrown for a batch.
   */
  render(items: readonly DeliveryItem[]): EndpointRequest;
  /** Sends one request with the endpoint's classification (its `responses:`, the connector's, the defaults) and the connection's auth. */
  send(request: HttpRequest, signal?: AbortSignal): Promise<SendOutcome>;
  /**
   * One result per rendered item: the rows left out keep their error, the rows sent get what the answer says of
   * them. A batch of several rows the API refused as a whole (a 4xx, a `reject` rule) reports `batchRefused` for
   * each; an outage reports `unavailable`. Throws FatalDeliveryError when the run must stop (a `fail` answer, a
   * response template that cannot run).
   */
  read(outcome: SendOutcome | undefined, rendered: EndpointRequest): Promise<DeliveryResult[]>;
  /** The remote id a lookup's answer gives (null: not found, a 404 included); throws FatalDeliveryError when it cannot tell. */
  found(outcome: SendOutcome, item: DeliveryItem): string | null;
  /** The request as curl, credential masked. */
  curl(request: HttpRequest): Promise<string>;
}

const defaultBatch = { size: DEFAULT_BATCH_SIZE, item: '{{ row | json }}', body: '{{ items }}' };

/** Compiles a connector's endpoint for a connection (its classifier and reader made once, used for every request). */
export function compileEndpoint(connection: HttpConnection, name: string, endpoint: Endpoint): CompiledEndpoint {
  // A job endpoint's request sees the job (writeJob compiles it again over the real one): a preview shows {job.id}.
  if (endpoint.job) connection = withJob(connection, pendingJob);
  const { redactor } = connection;
  const classify: (response: HttpResponse) => Classification = connection.classifier(endpoint.responses);
  const reader = createResultReader(connection, endpoint);
  const batched = endpoint.request === 'batch' && endpoint.operation !== 'lookup';
  const batchSize = batched ? (endpoint.batch ?? defaultBatch).size : 1;
  const checksIds = endpoint.operation !== 'lookup' && /\brecord\.id\b/.test(endpoint.path);
  const curl = (request: HttpRequest): Promise<string> => connection.curl(request);

  /** A record whose endpoint addresses it by remote id, but none is kept: sending would hit the wrong URL. */
  const missingId = (item: DeliveryItem): string | undefined => {
    if (!checksIds || item.remoteId !== null || (item.operation !== 'update' && item.operation !== 'delete')) return undefined;
    return `no remote id is kept for this record, and the ${item.operation} endpoint's path needs record.id (an endpoint with operation: lookup can find it)`;
  };

  const renderOne = (items: readonly DeliveryItem[]): EndpointRequest => {
    const item = items[0]!;
    const unaddressable = missingId(item);
    if (unaddressable) return { items, sent: [], included: [], errors: new Map([[0, unaddressable]]) };
    try {
      const request = renderRequest(endpoint, connection.context({ row: item.row, record: recordOf(item) }), connection.renderOptions(), keptRowJson(item));
      return { items, request: moveBodyToBytes(request), sent: items.length === 1 ? items : [item], included: null, errors: null };
    } catch (e) {
      return { items, sent: [], included: [], errors: new Map([[0, redactor.mask(messageOf(e))]]) };
    }
  };

  const renderMany = (items: readonly DeliveryItem[]): EndpointRequest => {
    let errors: Map<number, string> | null = null;
    // Indexes of the items that can be sent; null: all of them (an endpoint whose path needs no record id).
    let addressable: number[] | null = null;
    if (checksIds) {
      addressable = [];
      for (let i = 0; i < items.length; i++) {
        const unaddressable = missingId(items[i]!);
        if (unaddressable) (errors ??= new Map()).set(i, unaddressable);
        else addressable.push(i);
      }
      if (addressable.length === items.length) addressable = null;
    }
    const sendable = addressable ? addressable.map((i) => items[i]!) : items;
    const entries = new Array<BatchEntry>(sendable.length);
    for (let i = 0; i < sendable.length; i++) {
      const item = sendable[i]!;
      entries[i] = { row: item.row, record: recordOf(item), rowJson: keptRowJson(item) };
    }
    const rendered = renderBatchRequest(endpoint, entries, connection.context(), connection.renderOptions());
    const itemIndex = (i: number): number => (addressable ? addressable[i]! : i);
    for (const [i, error] of rendered.errors) (errors ??= new Map()).set(itemIndex(i), redactor.mask(error));
    if (!rendered.request) return { items, sent: [], included: [], errors };
    const request = moveBodyToBytes(rendered.request);
    if (errors === null) return { items, request, sent: items, included: null, errors };
    const included = rendered.included.map(itemIndex);
    return { items, request, sent: included.map((i) => items[i]!), included, errors };
  };

  /** The results of the items a request carried. */
  const readSent = async (outcome: SendOutcome, request: HttpRequest, sent: readonly DeliveryItem[]): Promise<DeliveryResult[]> => {
    if (outcome.ok) {
      const response = outcome.response;
      const delivered = withTemplateErrors(() => (batched ? reader.batch(sent, response) : [reader.single(sent[0]!, response)]));
      let text: string | undefined;
      for (let i = 0; i < delivered.length; i++) {
        const r = delivered[i]!;
        if (!r.ok) delivered[i] = { ...r, error: redactor.mask(r.error ?? ''), request: (text ??= await curl(request)) };
      }
      return delivered;
    }
    if (outcome.action === 'fail') throw new FatalDeliveryError(failMessage(outcome));
    const error = outcome.error;
    // All-or-nothing APIs refuse a whole batch for one bad record: the engine splits it (its own request each time).
    if (sent.length > 1 && refusedContent(outcome.response)) return sent.map((item) => ({ key: item.key, ok: false, error, batchRefused: true }));
    const text = await curl(request);
    return sent.map((item) => (outcome.unavailable ? { key: item.key, ok: false, error, request: text, unavailable: true } : { key: item.key, ok: false, error, request: text }));
  };

  return {
    name,
    endpoint,
    batchSize,
    render: (items) => (batched ? renderMany(items) : renderOne(items)),
    send: (request, signal) => sendRequest(connection, request, classify, signal),

    async read(outcome, rendered) {
      const { items, errors, included } = rendered;
      const delivered = outcome && rendered.request ? await readSent(outcome, rendered.request, rendered.sent) : [];
      if (errors === null && included === null) return delivered;
      const results = new Array<DeliveryResult>(items.length);
      for (const [i, error] of errors ?? []) results[i] = { key: items[i]!.key, ok: false, error, request: null, notSent: true };
      for (let j = 0; j < delivered.length; j++) results[included ? included[j]! : j] = delivered[j]!;
      return results;
    },

    found(outcome, item) {
      if (!outcome.ok) {
        // Not found is an answer; any other refusal leaves us blind, and creating would risk a duplicate.
        if (outcome.response?.status === 404) return null;
        throw new FatalDeliveryError(outcome.unavailable ? failMessage(outcome) : `lookup of "${item.key}" failed: ${outcome.error}`);
      }
      if (!endpoint.response.record_id) throw new FatalDeliveryError(`lookup endpoint of connector ${connection.spec.name} has no response.record_id`);
      return reader.lookup(item, outcome.response);
    },

    curl,
  };
}

/**
 * Whether the API answered and refused what was sent (a 4xx, or a 2xx a `reject` rule matched): splitting can then
 * isolate the bad records. Exhausted retries, rate limits and network failures say nothing about the records.
 */
function refusedContent(response: HttpResponse | undefined): boolean {
  return response !== undefined && response.status < 500 && response.status !== 408 && response.status !== 429;
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

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
