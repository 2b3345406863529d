import type { PreviewRequest } from '../api/syncs.js';
import type { Row } from '../rows/row.js';

/** What the engine asks a destination to do with one record. */
export type DeliveryOperation = 'create' | 'update' | 'upsert' | 'delete';

/** One record to deliver: its key, the (mapped) row and the remote id kept from an earlier create. */
export interface DeliveryItem {
  key: string;
  operation: DeliveryOperation;
  row: Row;
  remoteId: string | null;
}

/** The destination's word on one record. */
export interface DeliveryResult {
  key: string;
  ok: boolean;
  /** The remote id the destination gave back (kept for later updates and deletes). */
  remoteId?: string | null;
  /** Why the record failed, in the API's or database's own words. */
  error?: string;
  /** The request as sent, secrets masked (curl text or SQL), for rejected-row listings. */
  request?: string | null;
  /**
   * Not refused: the destination could not be reached (retries ran out on an outage). The engine's circuit breaker
   * decides whether the row stays pending (the outage went on) or is rejected like any other failure.
   */
  unavailable?: boolean;
}

/** A request a run would send, rendered but not sent (for previews). */
// The API returns previews as JSON too: src/api declares them.
export type { PreviewRequest };

/** Thrown by a destination when the whole run must stop (revoked credentials, a table that cannot be written). */
export class FatalDeliveryError extends Error {
  override name = 'FatalDeliveryError';
}

/** Where a sync writes: an HTTP API's endpoints or a database table. The engine owns batching, concurrency and the ledger. */
export interface Destination {
  /** Whether the destination can perform this operation (an endpoint exists, a table has a key). */
  supports(operation: DeliveryOperation | 'lookup'): boolean;
  /** How many items one `write` takes at most for this operation. */
  batchSize(operation: DeliveryOperation): number;
  /** How many `write` calls may run at once. */
  readonly concurrency: number;
  /** Finds the remote ids of records by key, for upsert without a native upsert (`operation: lookup`). */
  lookup?(items: DeliveryItem[], options?: { signal?: AbortSignal }): Promise<Map<string, string | null>>;
  /** Delivers one batch; returns exactly one result per item. Throws FatalDeliveryError to stop the run. */
  write(items: DeliveryItem[], options?: { signal?: AbortSignal }): Promise<DeliveryResult[]>;
  /** Renders what `write` would send for these items (with `lookup`, what `lookup` would send), sending nothing. */
  preview(items: DeliveryItem[], options?: { lookup?: boolean }): Promise<PreviewRequest[]>;
  /** Releases pools and connections. */
  close(): Promise<void>;
}
