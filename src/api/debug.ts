// The debugger as the API returns it (GET /api/syncs/:name/debug, `sluice sync debug --json`): the HTTP exchanges
// behind one record key, kept for the sync's `debug.retention_days`.

/**
 * What one exchange did for one record: delivered; rejected (the API refused it, or a `success:` condition failed for
 * it); refused (its batch was refused as a whole, then split: a later exchange tells its own fate); unavailable (retries
 * ran out on an outage); failed (an answer that stops the run); found / not_found (a lookup).
 */
export const debugOutcomes = ['delivered', 'rejected', 'refused', 'unavailable', 'failed', 'found', 'not_found'] as const;
export type DebugOutcome = (typeof debugOutcomes)[number];

/** The longest a kept request or response body gets: a longer one is cut and ends with BODY_CUT_MARKER's line. */
export const DEBUG_BODY_LIMIT_BYTES = 8192;

/** One HTTP exchange a run made, as kept for one record key: secrets masked, bodies cut at DEBUG_BODY_LIMIT_BYTES. */
export interface DebugExchange {
  runId: string;
  /** When the answer came (ISO-8601). */
  at: string;
  /** How many times the request was sent before this answer (retries included). */
  attempt: number;
  /** The endpoint and the operation it was sent for (create, update, upsert, delete, lookup). */
  endpoint: string;
  operation: string;
  /** How many records the request carried (a batch request is kept once and shared by them). */
  records: number;
  outcome: DebugOutcome;
  /** Why this record failed, when it did. */
  error: string | null;
  method: string;
  /** The URL as rendered, credential parameters masked. */
  url: string;
  /** Headers as rendered, credential headers masked; the connection's credential is added when sent and never kept. */
  requestHeaders: Record<string, string>;
  requestBody: string | null;
  /** The auth kind whose credential was added when sent (api_key, bearer, oauth2...); null for none. */
  auth: string | null;
  /** null when no answer came (a network error). */
  status: number | null;
  responseHeaders: Record<string, string>;
  responseBody: string | null;
  durationMs: number | null;
}

/** GET /api/syncs/:name/debug?key=K[&run=R]: a key's exchanges, newest first. */
export interface SyncDebug {
  sync: string;
  key: string;
  /** The sync's debug.retention_days (0: the debugger is off). */
  retentionDays: number;
  exchanges: DebugExchange[];
  /** Whether more exchanges are kept than the answer holds (or may be: the search stopped at its time budget). */
  more: boolean;
  /** When there are none: why (the debugger is off, the key was never sent, its exchanges are past retention...). */
  note: string | null;
}
