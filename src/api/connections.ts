// Connections as the API lists and returns them (GET/PUT /api/connections/:name, POST .../test).
import type { AuthType } from './connectors.js';

/** The kinds of connection sluice.yaml may hold. */
export const connectionTypes = ['duckdb', 'sqlite', 'postgres', 'mysql', 'bigquery', 'http'] as const;
export type ConnectionType = (typeof connectionTypes)[number];

/** A connection as `GET /api/connections` lists it (no credential ever). */
export interface ConnectionSummary {
  name: string;
  type: ConnectionType;
  connector?: string;
  authType?: AuthType;
  /** OAuth connections: whether tokens are stored (`sluice connect` or the UI's Connect button ran). */
  authorized?: boolean;
}

/** A connection as written in sluice.yaml (secrets come back masked or absent). */
export type ConnectionObject = Record<string, unknown> & { type: string };

/** `GET /api/connections/:name`: the summary plus the connection as written (credentials masked). */
export type ConnectionDetail = ConnectionSummary & { config: ConnectionObject | null };

/** What testing a connection found. */
export interface ConnectionTestResult {
  /** Nothing failed: the connection answered (`sluice connections test` exits 0). */
  ok: boolean;
  /** The credentials were checked (a database login, the connector's `test:`); ok without it: "reachable; credentials not verified". */
  verified: boolean;
  message: string;
  ms: number;
}
