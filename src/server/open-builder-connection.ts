import { z } from 'zod';
import type { ConnectorSpec } from '../config/connector-schema.js';
import { connectionSchema } from '../config/project-schema.js';
import { endpointSample, type EndpointSample } from '../connectors/endpoint/endpoint-sample.js';
import { openHttpConnection, type HttpConnection, type HttpConnectionConfig } from '../connectors/open-http-connection.js';
import { Redactor } from '../log/redactor.js';
import { HttpError } from './http-error.js';
import type { ServerContext } from './server-context.js';

/** What the connector builder sends to render or send: the spec text, an endpoint, sample rows, and whose config to use. */
export const builderInputSchema = z.strictObject({
  yaml: z.string(),
  endpoint: z.string(),
  /** Sample rows; a row may be wrapped as `{ row, record: { id }, key }` to test endpoints that address a kept remote id. */
  rows: z.array(z.record(z.string(), z.unknown())).min(1),
  /** Config values when no connection is named (the spec's defaults fill the rest). */
  config: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  /** A connection of the project whose config and credentials to use. */
  connection: z.string().optional(),
});

export type BuilderInput = z.infer<typeof builderInputSchema>;

/** One sample as the destination sees it. */
export type BuilderSample = EndpointSample;

/** The samples of the input: rows, or `{ row, record: { id }, key }` wrappers (as `sluice connector test --sample` reads them). */
export function builderSamples(rows: BuilderInput['rows']): BuilderSample[] {
  return rows.map(endpointSample);
}

/**
 * Binds the edited spec to a connection: the named project connection (its config and credentials), or the given
 * config without credentials (requests then show none and cannot be sent to an API that needs them).
 */
export async function openBuilderConnection(
  ctx: ServerContext,
  input: BuilderInput,
  spec: ConnectorSpec,
): Promise<{ http: HttpConnection; credentials: boolean }> {
  if (input.connection !== undefined) {
    const loaded = await ctx.load();
    const connection = loaded.project.connections[input.connection];
    if (!connection || connection.type !== 'http') {
      if (!connection) throw new HttpError(400, `no connection named "${input.connection}"`, { code: 'unknown_name', params: { what: 'connection', name: input.connection } });
      throw new HttpError(400, `connection "${input.connection}" is a ${connection.type} connection, not http`);
    }
    // The connection's credentials go only where its own connector sends them: the edited spec supplies the
    // endpoints, never the base URL, the auth (token URLs) or which config fields are secret.
    const own = loaded.connectors[input.connection]!.spec;
    const bound: ConnectorSpec = { ...spec, base_url: own.base_url, base_url_secret: own.base_url_secret, auth: own.auth, config: own.config };
    const http = await openHttpConnection({ name: input.connection, connection, spec: bound, store: ctx.store, redactor: loaded.redactor, env: ctx.env, networkPolicy: ctx.networkPolicy });
    return { http, credentials: connection.auth.type !== 'none' };
  }
  const connection = connectionSchema.parse({ type: 'http', connector: spec.name, config: input.config ?? {} }) as HttpConnectionConfig;
  const needsAuth = !spec.auth.some((a) => a.type === 'none');
  const usable = needsAuth ? { ...spec, auth: [{ type: 'none' as const }] } : spec;
  const http = await openHttpConnection({ name: spec.name, connection, spec: usable, redactor: new Redactor(), env: ctx.env, networkPolicy: ctx.networkPolicy });
  return { http, credentials: false };
}
