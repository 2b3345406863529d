import type { Destination } from '../destinations/destination.js';
import type { DeliveryItem, DeliveryResult } from '../rows/delivery-item.js';
import { mapConcurrent } from './map-concurrent.js';
import { writeBatch } from './write-batch.js';

/**
 * Delivers items as a run does, but outside one and with no ledger (`sluice connector test --send`, the connector
 * builder's send): consecutive items of one operation in batches of `batchSize`, `concurrency` batches at once, a
 * batch refused as a whole split until its bad records stand alone. One result per item, in order.
 */
export async function deliverItems(destination: Destination, items: readonly DeliveryItem[], options: { signal?: AbortSignal } = {}): Promise<DeliveryResult[]> {
  const batches: DeliveryItem[][] = [];
  let current: DeliveryItem[] = [];
  for (const item of items) {
    if (current.length > 0 && (current[0]!.operation !== item.operation || current.length >= destination.batchSize(item.operation))) {
      batches.push(current);
      current = [];
    }
    current.push(item);
  }
  if (current.length > 0) batches.push(current);
  const written = await mapConcurrent(batches, destination.concurrency, (batch) => writeBatch(destination, batch, options.signal));
  return written.flat();
}
