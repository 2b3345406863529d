import type { BuilderResponse } from '../api/builder.js';
import type { Endpoint } from '../config/connector-schema.js';
import { sampleItem } from '../connectors/endpoint/endpoint-sample.js';
import type { HttpConnection } from '../connectors/open-http-connection.js';
import type { DeliveryResult } from '../rows/delivery-item.js';
import { createHttpDestination } from '../destinations/http-destination.js';
import { writeBatch } from '../sync/write-batch.js';
import type { BuilderSample } from './open-builder-connection.js';
import { renderBuilderRequests } from './render-builder-requests.js';

/** Sends the endpoint's first request (one row, or the first batch) through the delivery code a run uses. */
export async function sendBuilderRequest(
  http: HttpConnection,
  endpointName: string,
  endpoint: Endpoint,
  samples: BuilderSample[],
  options: { sameOriginOnly?: boolean } = {},
): Promise<BuilderResponse> {
  const responses: { status: number; headers: Record<string, string>; body: unknown; ms: number }[] = [];
  const destination = createHttpDestination({
    connection: http,
    endpoints: { [endpoint.operation]: endpointName },
    onResponse: (r) => responses.push({ status: r.status, headers: r.headers, body: r.body, ms: Math.round(r.durationMs) }),
  });
  // A lookup is one request a record: its destination has no endpoint for upsert, whose batch is then one row.
  const first = samples.slice(0, destination.batchSize(endpoint.operation === 'lookup' ? 'upsert' : endpoint.operation));
  const [preview] = await renderBuilderRequests(http, endpoint, first);
  // With a project connection, nothing leaves for another origin (an absolute path in the edited spec), credential or not.
  if (options.sameOriginOnly && preview?.url && URL.canParse(preview.url) && new URL(preview.url).origin !== new URL(http.baseUrl()).origin) {
    const error = `refused: the request goes to ${new URL(preview.url).origin}, not to the origin of connection "${http.name}" (${new URL(http.baseUrl()).origin})`;
    return { curl: preview.curl, status: null, headers: {}, body: null, ms: null, results: first.map((s) => ({ key: s.key, ok: false, error })), error };
  }
  const items = first.map((s) => sampleItem(endpoint, s));
  let results: DeliveryResult[];
  try {
    if (endpoint.operation === 'lookup') {
      const found = await destination.lookup!(items);
      results = items.map((i) => ({ key: i.key, ok: true, remoteId: found.get(i.key) ?? null }));
    } else {
      results = await writeBatch(destination, items);
    }
  } catch (e) {
    results = items.map((i) => ({ key: i.key, ok: false, error: e instanceof Error ? e.message : String(e) }));
  } finally {
    await destination.close();
  }
  const response = responses[0];
  const mask = http.redactor;
  const report: BuilderResponse = {
    curl: preview?.curl ?? '',
    status: response?.status ?? null,
    headers: mask.maskValue(response?.headers ?? {}),
    body: mask.maskValue(response?.body ?? null),
    ms: response?.ms ?? null,
    results: results.map((r) => ({
      key: r.key,
      ok: r.ok,
      ...(r.remoteId !== undefined ? { remote_id: r.remoteId } : {}),
      ...(r.error ? { error: mask.mask(r.error) } : {}),
    })),
  };
  const error = preview?.error ?? results.find((r) => !r.ok)?.error;
  if (!response && error) report.error = mask.mask(error);
  return report;
}
