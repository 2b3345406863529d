import { startTestApi } from '../connectors/start-test-api.js';

/** One record of the items stream. */
export interface Item {
  id: number;
  name: string;
  updated: string;
}

/** The connector (items-api.yaml) of the items API: one incremental stream, paged by offset, its cursor `updated`. */
export const ITEMS_CONNECTOR = `name: items_api
base_url: http://127.0.0.1:1
streams:
  items:
    path: /items
    records: "$.data"
    paginate: { type: offset, limit: 10 }
    primary_key: id
    incremental: { cursor_field: updated, param: since }
`;

/** The connection to the items API in a sluice.yaml, its URL from API_URL. */
export const ITEMS_API_CONNECTION = '{ type: http, connector: ./items-api.yaml, base_url: "${env:API_URL}" }';

/** `count` items, `item <id>`, updated a second apart from 2026-01-01T00:00:00Z. */
export function makeItems(count: number): Item[] {
  return Array.from({ length: count }, (_, i) => ({ id: i + 1, name: `item ${i + 1}`, updated: `2026-01-01T00:00:${String(i).padStart(2, '0')}Z` }));
}

/**
 * A test API on loopback serving at /items the items `items()` gives at the time of each request, paged by offset
 * and limit, only those updated after `since` (or at it, `inclusive`) when asked.
 */
export async function startItemsApi(items: () => Item[], options: { inclusive?: boolean } = {}) {
  const api = await startTestApi((request) => {
    const url = new URL(request.url, 'http://x');
    const since = url.searchParams.get('since');
    const offset = Number(url.searchParams.get('offset') ?? 0);
    const limit = Number(url.searchParams.get('limit') ?? 10);
    // Most APIs' updated_since is inclusive (>=); this one's is exclusive (>) unless told.
    const matching = items().filter((i) => since === null || i.updated > since || (options.inclusive === true && i.updated === since));
    return { body: { data: matching.slice(offset, offset + limit), total: matching.length } };
  });
  /** The `since` the `i`th request asked with (null for a full read). */
  const sinceOf = (i: number) => new URL(api.requests[i]!.url, 'http://x').searchParams.get('since');
  return { ...api, sinceOf };
}
