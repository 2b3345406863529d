import type { ConnectorSpec } from '../config/connector-schema.js';
import type { ResponseRule } from '../http/request-policy.js';
import type { RequestQuotas } from '../http/request-quotas.js';
import { ConfigError, type ConfigIssue } from '../config/config-error.js';
import { resolveHttpConnection, type HttpConnectionConfig, type HttpConnectionProblem } from '../config/resolve-http-connection.js';
import { classifyResponse } from '../http/classify-response.js';
import type { Auth } from '../http/auth.js';
import type { Classification } from '../http/classification.js';
import { HttpClient } from '../http/http-client.js';
import type { HttpRequest } from '../http/http-request.js';
import type { HttpResponse } from '../http/http-response.js';
import type { NetworkPolicy } from '../http/network-policy.js';
import type { Redactor } from '../log/redactor.js';
import type { StateStore } from '../state/state-store.js';
import { createAuth } from './auth/create-auth.js';
import type { RenderRequestOptions } from './render-request.js';
import { requestAsCurl } from './request-as-curl.js';
import { createTemplateEngine, type TemplateEngine, type TemplatePlacer } from './template-engine.js';

export type { HttpConnectionConfig } from '../config/resolve-http-connection.js';

/** The variables every template of a connection sees (DESIGN §3); request and response templates add theirs. */
export interface TemplateBase {
  config: Record<string, string | number | boolean>;
  vars: Record<string, unknown>;
  run: { id: string; started_at: string };
}

/** What `openHttpConnection` needs. */
export interface OpenHttpConnectionOptions {
  /** The connection's name in sluice.yaml (for messages and the OAuth token store). */
  name: string;
  connection: HttpConnectionConfig;
  spec: ConnectorSpec;
  /** Where OAuth tokens are kept; static auth kinds need none. */
  store?: StateStore;
  /** Receives every secret (credentials, `secret: true` config) so all output masks them. */
  redactor: Redactor;
  vars?: Record<string, unknown>;
  run?: { id: string; started_at: string };
  /** The project file, named in configuration errors. */
  file?: string;
  /** Where `SLUICE_ALLOWED_HOSTS` is read (hosts that may be reached over plain http); default process.env. */
  env?: Record<string, string | undefined>;
  /**
   * Where its requests (token calls included) may connect: the server passes `networkPolicyFromEnv(process.env,
   * { serverMode: true })` for what it sends on an API user's behalf. Default: anywhere (the CLI).
   */
  networkPolicy?: NetworkPolicy;
  /** Where `rate_limit` and rate-limit pauses are shared with other processes (queue workers); default: this client alone. */
  quotas?: RequestQuotas;
  /** Names the connector file, line and column (and the sync) of a template that fails, in its error. */
  placeTemplates?: TemplatePlacer;
}

/** A connector bound to a connection: config, auth, one HTTP client and the template engine, shared by endpoints and streams. */
export interface HttpConnection {
  readonly name: string;
  readonly spec: ConnectorSpec;
  /** The connector's config defaults overlaid with the connection's `config:`. */
  readonly config: Record<string, string | number | boolean>;
  readonly auth: Auth;
  readonly client: HttpClient;
  /** The connection's template engine (strict, bounded, cached). */
  readonly templates: TemplateEngine;
  readonly redactor: Redactor;
  /** Where requests may connect (server mode: no private addresses); undefined: anywhere (the CLI). Fetches outside the client obey it too. */
  readonly networkPolicy?: NetworkPolicy;
  /** The connection's `base_url`, else the auth's (a token's instance_url), else the connector's rendered `base_url`. */
  baseUrl(): string;
  /** `{ config, vars, run }` plus the given variables (`row`, `record`, `response`...). */
  context<T extends object>(extra?: T): TemplateBase & T;
  /** What request rendering needs: base URL, engine, connector headers. */
  renderOptions(): RenderRequestOptions;
  /** A classifier for HttpClient.send: these rules, then the connector's `responses:`, then the defaults; messages from `error_message`. */
  classifier(rules?: readonly ResponseRule[]): (response: HttpResponse) => Classification;
  /** The API's message for a response from the connector's `error_message` template; empty when absent or blank. */
  errorMessage(response: HttpResponse): string;
  /** The request as curl with the credential shown masked (never fetching a token). */
  curl(request: HttpRequest): Promise<string>;
  /** Closes the HTTP client's connection pools. */
  close(): Promise<void>;
}

const staticKinds = new Set(['none', 'api_key', 'basic', 'bearer']);

/** The response as templates see it: `response.status`, `response.headers`, `response.body`. */
export function responseVariable(response: HttpResponse): { status: number; headers: Record<string, string>; body: unknown } {
  return { status: response.status, headers: response.headers, body: response.body };
}

/** A problem found when a connection opens, as the ConfigError issue a user reads (a base URL's named as such). */
function placeProblem(problem: HttpConnectionProblem, name: string, spec: ConnectorSpec, file: string, redactor: Redactor): ConfigIssue {
  if (problem.kind !== 'base_url') return { file, path: ['connections', name, ...problem.path].join('.'), message: problem.message };
  const path = problem.fromConnector ? `connections.${name} (base_url of connector ${spec.name})` : `connections.${name}.base_url`;
  return { file, path, message: redactor.mask(`base_url: ${problem.message}`) };
}

/** Opens an HTTP connection: resolves config, builds the auth and one rate-limited, retrying client. */
export async function openHttpConnection(options: OpenHttpConnectionOptions): Promise<HttpConnection> {
  const { name, connection, spec, redactor } = options;
  const file = options.file ?? 'sluice.yaml';
  const engine = createTemplateEngine({ place: options.placeTemplates });
  const run = options.run ?? { id: 'preview', started_at: new Date().toISOString() };
  const resolved = resolveHttpConnection(name, connection, spec, { env: options.env, run: { templates: engine, vars: options.vars ?? {}, run } });
  redactor.add(...resolved.secrets);
  if (resolved.problems.length) throw new ConfigError(resolved.problems.map((problem) => placeProblem(problem, name, spec, file, redactor)));
  const { config } = resolved;
  const base: TemplateBase = { config, vars: options.vars ?? {}, run };
  const auth = await createAuth({
    kinds: spec.auth,
    credentials: connection.auth,
    connectionName: name,
    store: options.store,
    redactor,
    render: (template) => engine.render(template, base, 'text', { role: 'auth', strict: false }),
    file,
    networkPolicy: options.networkPolicy,
    // A token call is bounded like any request, and never waits longer than it always has.
    tokenTimeoutMs: Math.min(30_000, spec.timeouts.total_ms),
    baseUrl: resolved.baseUrl,
    config,
  });
  const baseUrl = (): string => {
    const url = connection.base_url ?? auth.baseUrl() ?? resolved.connectorBaseUrl;
    if (!url) throw new Error(`connector ${spec.name} gives no base_url for connection "${name}" (set base_url on the connection)`);
    return url;
  };
  const rps = spec.rate_limit.requests_per_second;
  const { quotas } = options;
  const quotaKey = `${name}\n${resolved.baseUrl ?? ''}`;
  const client = new HttpClient({
    rateLimit: spec.rate_limit,
    // Shared with every process sending to this connection, when the run has shared quotas (queue workers): the
    // slots pace the rate too.
    concurrencySlots: quotas?.concurrencySlots(quotaKey, spec.rate_limit.concurrency, rps),
    sharedPause: quotas?.pause(quotaKey),
    retry: spec.retry,
    timeouts: spec.timeouts,
    // The client also allows the origin of auth.baseUrl() (a token's instance_url) as it changes.
    allowedOrigin: resolved.baseUrl,
    networkPolicy: options.networkPolicy,
    redactor,
  });

  const kind = resolved.authKind;
  const secretParams = kind?.type === 'api_key' && kind.in === 'query' ? [kind.name] : [];

  const errorMessage = (response: HttpResponse): string => {
    if (!spec.error_message) return '';
    try {
      return engine.render(spec.error_message, Object.assign({ response: responseVariable(response) }, base), 'text', { role: 'error_message', strict: false }).trim();
    } catch {
      // A template that does not fit this response's shape leaves the client's own message extraction.
      return '';
    }
  };

  return {
    name,
    spec,
    config,
    auth,
    client,
    templates: engine,
    redactor,
    networkPolicy: options.networkPolicy,
    baseUrl,
    // Object.assign, not spread: spread-built contexts made property reads in templates many times slower.
    context: <T extends object>(extra?: T) => Object.assign({ config: base.config, vars: base.vars, run: base.run }, extra) as TemplateBase & T,
    renderOptions: () => ({ baseUrl: baseUrl(), engine, connectorHeaders: spec.headers }),
    classifier: (rules = []) => {
      const all = [...rules, ...spec.responses];
      const evaluate = (condition: string, context: object): boolean => engine.evaluate(condition, Object.assign({ config: base.config, vars: base.vars, run: base.run }, context), 'responses.when');
      const render = (template: string, context: object): string =>
        engine.render(template, Object.assign({ config: base.config, vars: base.vars, run: base.run }, context), 'text', { role: 'responses.message', strict: false });
      return (response) => {
        const c = classifyResponse(response, all, evaluate, { onStatus: spec.retry.on_status, render });
        if (c.action === 'success' || c.message) return c;
        const message = errorMessage(response);
        return message ? { action: c.action, message } : c;
      };
    },
    errorMessage,
    curl: async (request) => {
      let shown = request;
      if (staticKinds.has(auth.kind ?? '')) {
        shown = await auth.apply(request);
      } else if (kind?.type === 'oauth2' || kind?.type === 'oauth2_client_credentials') {
        // Never fetch a token to print a request: show where it goes.
        shown = { ...request, headers: { ...request.headers, [kind.header]: kind.scheme ? `${kind.scheme} ****` : '****' } };
      }
      return requestAsCurl(shown, { redactor, secretParams });
    },
    close: () => client.close(),
  };
}
