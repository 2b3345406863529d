import { compileEndpoint, type CompiledEndpoint } from '../connectors/endpoint/compile-endpoint.js';
import { renderRequests } from '../connectors/endpoint/render-requests.js';
import type { HttpConnection } from '../connectors/open-http-connection.js';
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

/** What `createHttpDestination` needs: an open connection and the endpoint to use per operation. */
export interface HttpDestinationOptions {
  connection: HttpConnection;
  endpoints: HttpEndpointNames;
  /** Sees every final response with the keys of the records it answers (`sluice connector test --send` prints them). */
  onResponse?: (response: HttpResponse, keys: string[]) => void;
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
    const rendered = endpoint.render(items);
    const outcome = rendered.request ? await endpoint.send(rendered.request, signal) : undefined;
    if (outcome?.response) options.onResponse?.(outcome.response, rendered.sent.map((i) => i.key));
    return endpoint.read(outcome, rendered);
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
        found.set(item.key, endpoint.found(outcome, item));
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
        previews.push(r.request ? { operation, keys: r.keys, text: await endpoint.curl(r.request) } : { operation, keys: r.keys, text: '', error: connection.redactor.mask(r.error) });
      }
      return previews;
    },

    async close() {
      // The connection (and its client) belongs to whoever opened it.
    },
  };
}
