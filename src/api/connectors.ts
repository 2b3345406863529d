// Connector specs as the API lists and returns them (GET /api/connectors, GET/PUT /api/connectors/:name), and the
// enums of a spec the UI offers (the zod schema in src/config/connector-schema.ts is their source: a test keeps them equal).
import type { ConfigIssue } from './config-issue.js';

/** The auth kinds a connector may take and a connection may give credentials for. */
export const authTypes = ['none', 'api_key', 'basic', 'bearer', 'oauth2', 'session', 'jwt', 'oauth2_client_credentials'] as const;
export type AuthType = (typeof authTypes)[number];

/** What an endpoint does to a record. */
export const operations = ['create', 'update', 'upsert', 'delete', 'lookup'] as const;
export type Operation = (typeof operations)[number];

/** The HTTP methods an endpoint may send. */
export const endpointMethods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type EndpointMethod = (typeof endpointMethods)[number];

/** One row a request (single), or many rows a request (batch). */
export const requestKinds = ['single', 'batch'] as const;
export type RequestKind = (typeof requestKinds)[number];

/** A connector as `GET /api/connectors` lists it. */
export interface ConnectorSummary {
  name: string;
  title?: string;
  /** Where the spec is, relative to the project (or the package for built-ins). */
  file?: string;
  builtin?: boolean;
  endpoints: { name: string; operation: Operation; method: EndpointMethod; request: RequestKind }[];
  streams: { name: string; path: string }[];
  auth: AuthType[];
  issues?: ConfigIssue[];
}

/** `GET /api/connectors/:name` (and PUT's answer): the spec's text, the spec as loaded (null when it does not load), its issues. */
export interface ConnectorDetail {
  name: string;
  file?: string;
  builtin?: boolean;
  yaml: string;
  spec?: Record<string, unknown> | null;
  issues?: ConfigIssue[];
}
