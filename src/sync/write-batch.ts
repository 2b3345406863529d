import type { Destination } from '../destinations/destination.js';
import type { DeliveryItem, DeliveryResult } from '../rows/delivery-item.js';

/**
 * Writes one batch, and isolates the bad records of a batch the destination refused as a whole (`batchRefused`):
 * the refused records are written again in halves, and halves of halves, until each bad one stands alone, so one bad
 * record never fails its neighbours and a handful of writes find it among hundreds. The halves go side by side when
 * the destination takes several writes at once (an HTTP API), one after the other otherwise (a table's connection).
 * Returns one result per item, in order.
 */
export async function writeBatch<T extends DeliveryItem>(destination: Destination, items: T[], signal?: AbortSignal): Promise<DeliveryResult[]> {
  const results = await destination.write(items, { signal });
  let refused: number[] | undefined;
  for (let i = 0; i < results.length; i++) if (results[i]!.batchRefused) (refused ??= []).push(i);
  if (refused === undefined) return results;
  if (refused.length === 1) {
    // Alone, a refused record is simply refused.
    const { batchRefused: _, ...alone } = results[refused[0]!]!;
    results[refused[0]!] = alone;
    return results;
  }
  const half = Math.ceil(refused.length / 2);
  const parts = [refused.slice(0, half), refused.slice(half)];
  const write = (part: number[]) => writeBatch(destination, part.map((i) => items[i]!), signal);
  const written = destination.concurrency > 1 ? await Promise.all(parts.map(write)) : [await write(parts[0]!), await write(parts[1]!)];
  for (let p = 0; p < parts.length; p++) {
    const part = parts[p]!;
    for (let j = 0; j < part.length; j++) results[part[j]!] = written[p]![j]!;
  }
  return results;
}
