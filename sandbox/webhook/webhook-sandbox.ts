import { STATUS_CODES } from 'node:http';
import { bearerToken } from '../bearer-token.js';
import { startSandboxServer, type SandboxHandle, type SandboxRequest, type SandboxResponse, type SandboxServerOptions } from '../sandbox-server.js';

/** One request the sink received. */
export interface ReceivedHook {
  id: string;
  method: string;
  path: string;
  query: Record<string, string>;
  /** Request headers, credentials left out. */
  headers: Record<string, string>;
  /** The parsed JSON body (null when empty). */
  body: unknown;
  received_at: string;
}

/** What the sink checks on each request (nothing by default). */
export interface WebhookSandboxAuth {
  bearer?: string;
  basic?: { username: string; password: string };
  /** A key in a header (`X-Api-Key`). */
  apiKey?: { header: string; value: string };
}

export interface WebhookSandboxOptions extends SandboxServerOptions {
  auth?: WebhookSandboxAuth;
}

export interface WebhookSandboxState {
  hooks: ReceivedHook[];
}

export type WebhookSandbox = SandboxHandle & { state: WebhookSandboxState };

const secretHeaders = new Set(['authorization', 'cookie', 'x-api-key', 'proxy-authorization']);

function authorized(auth: WebhookSandboxAuth | undefined, req: SandboxRequest): boolean {
  if (!auth) return true;
  if (auth.bearer !== undefined && bearerToken(req.headers) === auth.bearer) return true;
  if (auth.basic) {
    const expected = 'Basic ' + Buffer.from(`${auth.basic.username}:${auth.basic.password}`).toString('base64');
    if (req.headers.authorization === expected) return true;
  }
  if (auth.apiKey && req.headers[auth.apiKey.header.toLowerCase()] === auth.apiKey.value) return true;
  return false;
}

/** Starts a generic webhook sink: stores any JSON sent under `/hooks/...` and answers `200 {"id": "..."}`. */
export async function startWebhookSandbox(options: WebhookSandboxOptions = {}): Promise<WebhookSandbox> {
  const state: WebhookSandboxState = { hooks: [] };
  let next = 1;
  const secretHeader = options.auth?.apiKey?.header.toLowerCase();

  const handle = (req: SandboxRequest): SandboxResponse => {
    if (!req.path.startsWith('/hooks/') && req.path !== '/hooks') return { status: 404, json: { error: `no route ${req.method} ${req.path}` } };
    if (!authorized(options.auth, req)) {
      return { status: 401, headers: { 'WWW-Authenticate': 'Bearer realm="sandbox"' }, json: { error: 'unauthorized' } };
    }
    if (req.method === 'GET') return { status: 200, json: state.hooks.filter((h) => h.path.startsWith(req.path)) };
    if (req.method !== 'POST' && req.method !== 'PUT' && req.method !== 'PATCH' && req.method !== 'DELETE') {
      return { status: 405, headers: { Allow: 'GET, POST, PUT, PATCH, DELETE' }, json: { error: `method ${req.method} not allowed` } };
    }
    let body: unknown = null;
    if (req.body.trim() !== '') {
      try {
        body = JSON.parse(req.body);
      } catch (e) {
        return { status: 400, json: { error: `invalid JSON body: ${e instanceof Error ? e.message : String(e)}` } };
      }
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (v === undefined || secretHeaders.has(k) || k === secretHeader) continue;
      headers[k] = Array.isArray(v) ? v.join(', ') : v;
    }
    const id = String(next++);
    state.hooks.push({
      id,
      method: req.method,
      path: req.path,
      query: Object.fromEntries(req.query),
      headers,
      body,
      received_at: new Date().toISOString(),
    });
    return { status: 200, json: { id } };
  };

  const server = await startSandboxServer(
    {
      handle,
      records: () => state,
      reset() {
        state.hooks = [];
        next = 1;
      },
      faultResponse: (status) => ({
        status,
        headers: status === 429 || status === 503 ? { 'Retry-After': '1' } : undefined,
        json: { error: STATUS_CODES[status] ?? 'error' },
      }),
    },
    options,
  );
  return Object.assign(server, { state });
}
