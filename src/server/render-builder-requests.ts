import type { BuilderRequest } from '../api/builder.js';
import type { Endpoint } from '../config/connector-schema.js';
import type { HttpRequest } from '../http/http-request.js';
import type { HttpConnection } from '../connectors/open-http-connection.js';
import { renderBatchRequest, renderRequest } from '../connectors/render-request.js';
import { bodyText } from '../connectors/request-body.js';
import type { BuilderSample } from './open-builder-connection.js';

async function describe(http: HttpConnection, keys: string[], request: HttpRequest): Promise<BuilderRequest> {
  const mask = (s: string) => http.redactor.mask(s);
  const body = bodyText(request.body);
  return {
    keys,
    curl: await http.curl(request),
    method: request.method,
    url: mask(request.url),
    headers: http.redactor.maskValue(request.headers),
    body: body === null ? null : mask(body),
  };
}

function failed(http: HttpConnection, keys: string[], error: unknown): BuilderRequest {
  return { keys, curl: '', method: '', url: '', headers: {}, body: null, error: http.redactor.mask(error instanceof Error ? error.message : String(error)) };
}

/** Renders the requests an endpoint would send for the samples, with the code a run uses; sends nothing. */
export async function renderBuilderRequests(http: HttpConnection, endpoint: Endpoint, samples: BuilderSample[]): Promise<BuilderRequest[]> {
  const out: BuilderRequest[] = [];
  if (endpoint.request === 'batch' && endpoint.operation !== 'lookup') {
    const size = endpoint.batch?.size ?? 100;
    for (let i = 0; i < samples.length; i += size) {
      const chunk = samples.slice(i, i + size);
      try {
        const rendered = renderBatchRequest(endpoint, chunk.map((s) => ({ row: s.row, record: { id: s.remoteId } })), http.context(), http.renderOptions());
        if (rendered.request) out.push(await describe(http, rendered.included.map((j) => chunk[j]!.key), rendered.request));
        for (const [j, error] of rendered.errors) out.push(failed(http, [chunk[j]!.key], error));
      } catch (e) {
        out.push(failed(http, chunk.map((s) => s.key), e));
      }
    }
    return out;
  }
  for (const s of samples) {
    try {
      const request = renderRequest(endpoint, http.context({ row: s.row, record: { id: s.remoteId } }), http.renderOptions());
      out.push(await describe(http, [s.key], request));
    } catch (e) {
      out.push(failed(http, [s.key], e));
    }
  }
  return out;
}
