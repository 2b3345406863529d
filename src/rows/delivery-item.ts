import type { Row } from './row.js';

// What a writer is given and what it answers, row by row: shared by the destinations and the compiled endpoints they
// write through, so neither imports the other's layer.

/** What the engine asks a destination to do with one record. */
export type DeliveryOperation = 'create' | 'update' | 'upsert' | 'delete';

/** One record to deliver: its key, the (mapped) row and the remote id kept from an earlier create. */
export interface DeliveryItem {
  key: string;
  operation: DeliveryOperation;
  row: Row;
  remoteId: string | null;
  /**
   * The row's JSON text, when the planner already wrote it (for the fingerprint): a `{{ row | json }}` template uses
   * it instead of writing the row again, but only while `row` is still the object it was written of.
   */
  rowJson?: RowJson;
}

/** A row's JSON text (JSON.stringify's) and the row object it was written of. */
export interface RowJson {
  of: Row;
  text: string;
}

/** The row's JSON text kept with the item, if it was written of this very row. */
export function keptRowJson(item: DeliveryItem): string | undefined {
  return item.rowJson !== undefined && item.rowJson.of === item.row ? item.rowJson.text : undefined;
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
  /**
   * The record was never sent: its request could not be rendered (a template error, a body that is not JSON). It is
   * counted as invalid, apart from the records the API or database refused.
   */
  notSent?: boolean;
}

/** Thrown by a destination (or an endpoint it writes through) when the whole run must stop (revoked credentials, a table that cannot be written). */
export class FatalDeliveryError extends Error {
  override name = 'FatalDeliveryError';
}
