import type { DeliveryItem } from '../../rows/delivery-item.js';
import type { HttpRequest } from '../../http/http-request.js';
import type { CompiledEndpoint } from './compile-endpoint.js';

/** A request the endpoint would send for some rows, or why a row (or a batch) would not be sent. */
export type RenderedRequest = { keys: string[]; request: HttpRequest; error?: undefined } | { keys: string[]; request?: undefined; error: string };

/**
 * Every request the endpoint would send for these items, in batches of its `batchSize` as a run sends them, sending
 * nothing: for each batch its request, then its rows that would not be sent. A batch whose request fails as a whole
 * (no base URL) is one error naming all its rows.
 */
export function renderRequests(endpoint: CompiledEndpoint, items: readonly DeliveryItem[]): RenderedRequest[] {
  const out: RenderedRequest[] = [];
  const size = endpoint.batchSize;
  for (let start = 0; start < items.length; start += size) {
    const chunk = items.slice(start, start + size);
    let rendered;
    try {
      rendered = endpoint.render(chunk);
    } catch (e) {
      out.push({ keys: chunk.map((i) => i.key), error: e instanceof Error ? e.message : String(e) });
      continue;
    }
    if (rendered.request) out.push({ keys: rendered.sent.map((i) => i.key), request: rendered.request });
    for (let i = 0; i < chunk.length; i++) {
      const error = rendered.errors?.get(i);
      if (error !== undefined) out.push({ keys: [chunk[i]!.key], error });
    }
  }
  return out;
}
