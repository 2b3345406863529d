import type { LoadedProject } from '../config/load-project.js';
import { compileEndpoint } from '../connectors/endpoint/compile-endpoint.js';
import { openHttpConnection } from '../connectors/open-http-connection.js';
import type { StateStore } from '../state/state-store.js';
import type { RunNotice } from './run-notice.js';

/** What sendToEndpoint needs: the project, the connection and endpoint named by `notify:`, its `row:` templates and the notice. */
export interface SendToEndpointOptions {
  loaded: LoadedProject;
  store: StateStore;
  connection: string;
  endpoint: string;
  /** Fields added to the row, each a template seeing `run` (the notice), `config` and `vars`. */
  row?: Record<string, string>;
  notice: RunNotice;
  /** The conditions the run met, as written. */
  conditions: string[];
}

/** How the send ended: the connector's HTTP client retried as the connector says, `attempts` times. */
export interface EndpointOutcome {
  ok: boolean;
  attempts: number;
  httpStatus: number | null;
  error: string | null;
}

/**
 * Sends a run's notice to a connector endpoint as one record: its templates see `run` (the notice) and `row` (the
 * notice, `conditions`, then the `row:` fields rendered). Retries, rate limits and classification are the connector's,
 * as for any record. Throws on a setup error (the connection cannot open, a template fails); the caller records it.
 */
export async function sendToEndpoint(options: SendToEndpointOptions): Promise<EndpointOutcome> {
  const { loaded, notice } = options;
  const connection = loaded.project.connections[options.connection];
  const connector = loaded.connectors[options.connection];
  if (connection?.type !== 'http' || !connector) throw new Error(`connection "${options.connection}" is not an http connection of this project`);
  const endpoint = connector.spec.endpoints[options.endpoint];
  if (!endpoint) throw new Error(`connector ${connector.spec.name} has no endpoint "${options.endpoint}"`);
  const http = await openHttpConnection({
    name: options.connection,
    connection,
    spec: connector.spec,
    store: options.store,
    redactor: loaded.redactor,
    // Templates read `run.status`, `run.name`...: the notice is the run they see (it has id and started_at too).
    run: notice,
    networkPolicy: loaded.networkPolicy,
    quotas: loaded.requestQuotas,
  });
  try {
    const base: Record<string, unknown> = { ...notice, conditions: options.conditions };
    const row: Record<string, unknown> = { ...base };
    for (const [field, template] of Object.entries(options.row ?? {})) {
      row[field] = http.templates.render(template, http.context({ row: base }), 'text', { role: `notify row.${field}` });
    }
    const compiled = compileEndpoint(http, options.endpoint, endpoint);
    const item = { key: notice.id, operation: endpoint.operation === 'upsert' ? ('upsert' as const) : ('create' as const), row, remoteId: null };
    const rendered = compiled.render([item]);
    if (!rendered.request) return { ok: false, attempts: 0, httpStatus: null, error: rendered.errors?.get(0) ?? 'the request did not render' };
    const outcome = await compiled.send(rendered.request);
    const [result] = await compiled.read(outcome, rendered);
    const httpStatus = outcome.response?.status ?? null;
    return result?.ok
      ? { ok: true, attempts: outcome.attempts, httpStatus, error: null }
      : { ok: false, attempts: outcome.attempts, httpStatus, error: loaded.redactor.mask(result?.error ?? 'no result') };
  } finally {
    await http.close();
  }
}
