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
  /**
   * The record was one of several that the destination refused together, as a whole (an all-or-nothing API's 400, a
   * statement failing on one row): nothing is said of this record itself. The engine writes the refused records again
   * in halves until the bad ones stand alone; `error` is the batch's. A record written alone never carries it.
   */
  batchRefused?: boolean;
}

/** A request a run would send, rendered but not sent (for previews). */
// The API returns previews as JSON too: src/api declares them.
export type { PreviewRequest };

/** Thrown by a destination when the whole run must stop (revoked credentials, a table that cannot be written). */
export class FatalDeliveryError extends Error {
  override name = 'FatalDeliveryError';
}

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
