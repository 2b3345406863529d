import type { Destination } from '../destinations/destination.js';
import type { DeliveryItem } from '../rows/delivery-item.js';
import { mapConcurrent } from './map-concurrent.js';

/**
 * Finds the remote ids of records by key through the destination's lookup (one request a record), with as many
 * lookups at once as the destination takes writes. Throws what a lookup throws (a refusal that leaves us blind).
 */
export async function lookUpRemoteIds(destination: Destination, items: readonly DeliveryItem[], signal?: AbortSignal): Promise<Map<string, string | null>> {
  const found = new Map<string, string | null>();
  await mapConcurrent(items, destination.concurrency, async (item) => {
    for (const [key, id] of await destination.lookup!([item], { signal })) found.set(key, id);
  });
  return found;
}
