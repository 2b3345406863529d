import { compileEndpoint, type CompiledEndpoint } from '../connectors/endpoint/compile-endpoint.js';
import { renderRequests } from '../connectors/endpoint/render-requests.js';
import { previewJob } from '../connectors/job/job-preview.js';
import { writeJob } from '../connectors/job/write-job.js';
import type { HttpConnection } from '../connectors/open-http-connection.js';
import type { SendOutcome } from '../http/http-client.js';
import type { HttpRequest } from '../http/http-request.js';
import type { HttpResponse } from '../http/http-response.js';
import type { Destination, PreviewRequest } from './destination.js';
import type { DeliveryItem, DeliveryOperation, DeliveryResult } from '../rows/delivery-item.js';

/** Endpoint names per operation (a sync's `endpoint` or `endpoints`). */
export interface HttpEndpointNames {
  create?: string;
  update?: string;
  upsert?: string;
  delete?: string;
  lookup?: string;
}

/** One request a destination sent and what came of it, for the debugger (`debug.retention_days`). */
export interface SentExchange {
  endpoint: string;
  operation: Op;
  /** As rendered: the connection's credential is added by the client when it sends, and is not in it. */
  request: HttpRequest;
  outcome: SendOutcome;
  /** The records the request carried. */
  items: readonly DeliveryItem[];
  /** Their results, in order; for a lookup the remote id found (null: none); an Error when the answer stopped the run. */
  results: readonly DeliveryResult[] | (string | null)[] | Error;
}

/** What `createHttpDestination` needs: an open connection and the endpoint to use per operation. */
export interface HttpDestinationOptions {
  connection: HttpConnection;
  endpoints: HttpEndpointNames;
  /** Sees every final response with the keys of the records it answers (`sluice connector test --send` prints them). */
  onResponse?: (response: HttpResponse, keys: string[]) => void;
  /**
   * Sees every request sent with its outcome and each record's result, once they are known (a sync run's debugger);
   * a promise it returns is waited for.
   */
  onExchange?: (exchange: SentExchange) => Promise<void> | undefined;
}

type Op = DeliveryOperation | 'lookup';

/**
 * An HTTP API as a destination: one compiled connector endpoint per operation. A write is one batch: one request
 * for a batch endpoint (per-record results read back from the response), one request a record otherwise, in turn.
 * Chunking, concurrency and the splitting of a batch refused as a whole are the engine's (deliverPlan).
 */
export function createHttpDestination(options: HttpDestinationOptions): Destination {
  const { connection } = options;
  const { spec } = connection;

  const endpoints = new Map<Op, CompiledEndpoint>();
  const compiled = new Map<string, CompiledEndpoint>();
  for (const [op, name] of Object.entries(options.endpoints) as [Op, string | undefined][]) {
    if (!name) continue;
    const endpoint = spec.endpoints[name];
    if (!endpoint) {
      const known = Object.keys(spec.endpoints).join(', ') || 'none';
      throw new Error(`connector ${spec.name} has no endpoint "${name}" (endpoints: ${known})`);
    }
    let c = compiled.get(name);
    if (!c) compiled.set(name, (c = compileEndpoint(connection, name, endpoint)));
    endpoints.set(op, c);
  }

  const endpointFor = (op: Op): CompiledEndpoint => {
    const found = endpoints.get(op);
    if (!found) throw new Error(`no endpoint of connector ${spec.name} is configured for ${op}`);
    return found;
  };

  /** Renders, sends and reads one request's worth of items. */
  const writeRequest = async (endpoint: CompiledEndpoint, items: readonly DeliveryItem[], signal?: AbortSignal): Promise<DeliveryResult[]> => {
    if (endpoint.endpoint.job) return writeJob({ connection, name: endpoint.name, endpoint: endpoint.endpoint, items, signal, onResponse: options.onResponse });
    const rendered = endpoint.render(items);
    const outcome = rendered.request ? await endpoint.send(rendered.request, signal) : undefined;
    if (outcome?.response) options.onResponse?.(outcome.response, rendered.sent.map((i) => i.key));
    if (!outcome || !options.onExchange) return endpoint.read(outcome, rendered);
    let results: DeliveryResult[];
    try {
      results = await endpoint.read(outcome, rendered);
    } catch (e) {
      await options.onExchange({ endpoint: endpoint.name, operation: items[0]!.operation, request: rendered.request!, outcome, items: rendered.sent, results: asError(e) });
      throw e;
    }
    // The results of the records the request carried (those left out were never sent).
    const sent = rendered.included ? rendered.included.map((i) => results[i]!) : results;
    // (Awaited only when it asks to be: most calls return nothing, and a run's every request does not wait a turn.)
    const waiting = options.onExchange({ endpoint: endpoint.name, operation: items[0]!.operation, request: rendered.request!, outcome, items: rendered.sent, results: sent });
    if (waiting) await waiting;
    return results;
  };

  return {
    supports: (op) => endpoints.has(op),
    batchSize: (op) => endpoints.get(op)?.batchSize ?? 1,
    concurrency: spec.rate_limit.concurrency,

    async write(items, opts = {}) {
      if (items.length === 0) return [];
      const endpoint = endpointFor(items[0]!.operation);
      if (endpoint.batchSize > 1 || items.length === 1) return writeRequest(endpoint, items, opts.signal);
      // Several records for a single endpoint (a caller outside the engine): one request each, in turn.
      const results: DeliveryResult[] = [];
      for (const item of items) results.push(...(await writeRequest(endpoint, [item], opts.signal)));
      return results;
    },

    async lookup(items, opts = {}) {
      const endpoint = endpointFor('lookup');
      const found = new Map<string, string | null>();
      for (const item of items) {
        const rendered = endpoint.render([item]);
        if (!rendered.request) throw new Error(rendered.errors?.get(0) ?? `lookup of "${item.key}" did not render`);
        const outcome = await endpoint.send(rendered.request, opts.signal);
        if (outcome.response) options.onResponse?.(outcome.response, [item.key]);
        let id: string | null;
        try {
          id = endpoint.found(outcome, item);
        } catch (e) {
          await options.onExchange?.({ endpoint: endpoint.name, operation: 'lookup', request: rendered.request, outcome, items: [item], results: asError(e) });
          throw e;
        }
        await options.onExchange?.({ endpoint: endpoint.name, operation: 'lookup', request: rendered.request, outcome, items: [item], results: [id] });
        found.set(item.key, id);
      }
      return found;
    },

    async preview(items, opts = {}) {
      if (items.length === 0) return [];
      // A lookup sends one request a record, as lookup() does.
      const operation: Op = opts.lookup ? 'lookup' : items[0]!.operation;
      const endpoint = endpointFor(operation);
      const previews: PreviewRequest[] = [];
      for (const r of renderRequests(endpoint, items)) {
        if (!r.request) {
          previews.push({ operation, keys: r.keys, text: '', error: connection.redactor.mask(r.error) });
          continue;
        }
        const text = await endpoint.curl(r.request);
        // A job's batch is one of its requests: the preview shows them all.
        const keys = new Set(r.keys);
        const rows = endpoint.endpoint.job ? items.filter((i) => keys.has(i.key)).map((i) => i.row) : [];
        previews.push({ operation, keys: r.keys, text: endpoint.endpoint.job ? await previewJob(connection, endpoint.endpoint, rows, text) : text });
      }
      return previews;
    },

    async close() {
      // The connection (and its client) belongs to whoever opened it.
    },
  };
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}
