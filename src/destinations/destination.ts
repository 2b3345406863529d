import type { PreviewRequest } from '../api/syncs.js';
import type { DeliveryItem, DeliveryOperation, DeliveryResult } from '../rows/delivery-item.js';

/** A request a run would send, rendered but not sent (for previews). */
// The API returns previews as JSON too: src/api declares them.
export type { PreviewRequest };

/** Where a sync writes: an HTTP API's endpoints or a database table. The engine owns batching, concurrency, the splitting of refused batches and the ledger. */
export interface Destination {
  /** Whether the destination can perform this operation (an endpoint exists, a table has a key). */
  supports(operation: DeliveryOperation | 'lookup'): boolean;
  /** How many items one `write` takes at most for this operation. */
  batchSize(operation: DeliveryOperation): number;
  /** How many `write` (and `lookup`) calls may run at once. */
  readonly concurrency: number;
  /** Finds the remote ids of records by key, one after the other, for upsert without a native upsert (`operation: lookup`). */
  lookup?(items: DeliveryItem[], options?: { signal?: AbortSignal }): Promise<Map<string, string | null>>;
  /**
   * Delivers one batch (items of one operation, at most `batchSize`); returns exactly one result per item, marking
   * `batchRefused` the records of a batch refused as a whole, for the engine to split. Throws FatalDeliveryError to
   * stop the run.
   */
  write(items: DeliveryItem[], options?: { signal?: AbortSignal }): Promise<DeliveryResult[]>;
  /** Renders what `write` would send for these items (with `lookup`, what `lookup` would send), sending nothing. */
  preview(items: DeliveryItem[], options?: { lookup?: boolean }): Promise<PreviewRequest[]>;
  /** Releases pools and connections. */
  close(): Promise<void>;
}
