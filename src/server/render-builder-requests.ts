import type { BuilderRequest } from '../api/builder.js';
import type { Endpoint } from '../config/connector-schema.js';
import type { HttpRequest } from '../http/http-request.js';
import type { HttpConnection } from '../connectors/open-http-connection.js';
import { compileEndpoint } from '../connectors/endpoint/compile-endpoint.js';
import { sampleItem } from '../connectors/endpoint/endpoint-sample.js';
import { renderRequests } from '../connectors/endpoint/render-requests.js';
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
  const compiled = compileEndpoint(http, 'builder', endpoint);
  const items = samples.map((s) => sampleItem(endpoint, s));
  const out: BuilderRequest[] = [];
  for (const r of renderRequests(compiled, items)) out.push(r.request ? await describe(http, r.keys, r.request) : failed(http, r.keys, r.error));
  return out;
}
