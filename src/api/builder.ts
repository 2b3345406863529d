// The connector builder's live preview and test send (POST /api/connectors/render and /api/connectors/send).

/** What the builder sends to render or send: the spec text, an endpoint, sample rows, and whose config to use. */
export interface BuilderInput {
  yaml: string;
  endpoint: string;
  /** Sample rows; a row may be wrapped as `{ row, record: { id }, key }` to test endpoints that address a kept remote id. */
  rows: Record<string, unknown>[];
  /** Config values when no connection is named (the spec's defaults fill the rest). */
  config?: Record<string, string | number | boolean>;
  /** A connection of the project whose config and credentials to use. */
  connection?: string;
}

/** A request as the connector builder shows it: curl (credential masked) and its parts; or why the row does not render. */
export interface BuilderRequest {
  keys: string[];
  curl: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | null;
  error?: string;
}

/** `POST /api/connectors/render`: one request per sample row (or batch). */
export interface BuilderRender {
  requests: BuilderRequest[];
}

/** What sending the first request gave back (secrets masked). */
export interface BuilderResponse {
  curl: string;
  /** Null when nothing was sent (the request did not render, or the connection failed first). */
  status: number | null;
  headers: Record<string, string>;
  body: unknown;
  ms: number | null;
  /** Per-row outcome as a run would record it (remote id kept, or the error). */
  results: { key: string; ok: boolean; remote_id?: string | null; error?: string }[];
  error?: string;
}
