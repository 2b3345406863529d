import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RateLimitSetting } from './rate-budget.js';
import { sandboxFaultsSchema, type SandboxFaults } from './sandbox-faults.js';

/** One API request as a simulator sees it. */
export interface SandboxRequest {
  method: string;
  /** The path without the query string, as sent (not decoded). */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The body as text ('' when none). */
  body: string;
  /** `http://127.0.0.1:PORT`, for links the API returns. */
  origin: string;
}

/** A simulator's answer: JSON (`json`), plain text (`text`), or nothing. */
export interface SandboxResponse {
  status: number;
  headers?: Record<string, string>;
  json?: unknown;
  text?: string;
}

/** One answered request, for assertions (`GET /_sandbox/requests`). */
export interface SandboxRequestLogEntry {
  method: string;
  path: string;
  status: number;
}

/** What a simulated API plugs into the shared server. */
export interface SandboxApi {
  /** Answers one API request (everything outside `/_sandbox/`). */
  handle(request: SandboxRequest): SandboxResponse | Promise<SandboxResponse>;
  /** What the API holds, as `GET /_sandbox/records` shows it. */
  records(): unknown;
  /** Back to the starting state (seed records kept, budgets refreshed). */
  reset(): void;
  /** Adds records (`POST /_sandbox/seed`); throws with a message on a bad shape. */
  seed?(data: unknown): void;
  /** The API's own error answer for an injected failure status. */
  faultResponse(status: number): SandboxResponse;
  /** Changes the request budget. */
  rateLimit?(setting: RateLimitSetting): void;
  /** Expires every access token issued so far. */
  expireTokens?(): void;
}

/** Options every simulator takes. */
export interface SandboxServerOptions {
  /** Port on 127.0.0.1 (default: any free port). */
  port?: number;
  /** Faults switched on from the start. */
  faults?: SandboxFaults;
}

/** A running simulator. */
export interface SandboxHandle {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** Switches faults on (same shape as `POST /_sandbox/faults`). */
  faults(faults: SandboxFaults): void;
  /** Switches every fault off. */
  clearFaults(): void;
  /** Back to the starting state, faults off, request log emptied. */
  reset(): void;
  /** The answered requests, oldest first (the last 10,000). */
  requests(): SandboxRequestLogEntry[];
  close(): Promise<void>;
}

const maxBody = 32 * 1024 * 1024;
const maxLog = 10_000;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBody) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, r: SandboxResponse): void {
  const headers: Record<string, string> = { ...r.headers };
  let payload: string | undefined;
  if (r.json !== undefined) {
    payload = JSON.stringify(r.json);
    headers['Content-Type'] ??= 'application/json;charset=UTF-8';
  } else if (r.text !== undefined) {
    payload = r.text;
    headers['Content-Type'] ??= 'text/plain;charset=utf-8';
  }
  if (payload !== undefined) headers['Content-Length'] = String(Buffer.byteLength(payload));
  res.writeHead(r.status, headers);
  res.end(payload);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Starts a simulator: the API's handler plus the shared `/_sandbox/` control routes, faults and request log. */
export async function startSandboxServer(api: SandboxApi, options: SandboxServerOptions = {}): Promise<SandboxHandle> {
  let origin = '';
  let latencyMs = 0;
  let failure: { status: number; remaining: number; body?: unknown; headers?: Record<string, string>; path?: string } | undefined;
  let drops: { remaining: number; path?: string } | undefined;
  let log: SandboxRequestLogEntry[] = [];

  const applyFaults = (f: SandboxFaults): void => {
    const count = f.count ?? 1;
    if (f.status !== undefined) failure = { status: f.status, remaining: count, body: f.body, headers: f.headers, path: f.path };
    if (f.drop) drops = { remaining: count, path: f.path };
    if (f.latency_ms !== undefined) latencyMs = f.latency_ms;
    if (f.rate_limit) api.rateLimit?.(f.rate_limit);
    if (f.expire_tokens) api.expireTokens?.();
  };
  const clearFaults = (): void => {
    failure = undefined;
    drops = undefined;
    latencyMs = 0;
  };

  const control = async (method: string, path: string, body: string, query: URLSearchParams): Promise<SandboxResponse> => {
    const parse = (): unknown => (body.trim() === '' ? {} : JSON.parse(body));
    try {
      if (path === '/_sandbox/records' && method === 'GET') return { status: 200, json: api.records() };
      if (path === '/_sandbox/requests' && method === 'GET') {
        const prefix = query.get('path');
        return { status: 200, json: prefix ? log.filter((e) => e.path.startsWith(prefix)) : log };
      }
      if (path === '/_sandbox/reset' && method === 'POST') {
        handle.reset();
        return { status: 200, json: { ok: true } };
      }
      if (path === '/_sandbox/faults' && method === 'POST') {
        const parsed = sandboxFaultsSchema.safeParse(parse());
        if (!parsed.success) return { status: 400, json: { error: parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') } };
        applyFaults(parsed.data);
        return { status: 200, json: { ok: true } };
      }
      if (path === '/_sandbox/faults' && method === 'DELETE') {
        clearFaults();
        return { status: 200, json: { ok: true } };
      }
      if (path === '/_sandbox/seed' && method === 'POST' && api.seed) {
        api.seed(parse());
        return { status: 200, json: { ok: true } };
      }
    } catch (e) {
      return { status: 400, json: { error: e instanceof Error ? e.message : String(e) } };
    }
    return { status: 404, json: { error: `no sandbox control route ${method} ${path}` } };
  };

  const server = createServer((req, res) => {
    void (async () => {
      const raw = req.url ?? '/';
      const q = raw.indexOf('?');
      const path = q < 0 ? raw : raw.slice(0, q);
      const query = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
      const method = req.method ?? 'GET';
      let body: string;
      try {
        body = await readBody(req);
      } catch {
        if (!res.headersSent) send(res, { status: 413, text: 'request body too large' });
        return;
      }
      if (path.startsWith('/_sandbox/')) {
        send(res, await control(method, path, body, query));
        return;
      }
      if (latencyMs > 0) await sleep(latencyMs);
      if (drops && drops.remaining > 0 && (!drops.path || path.startsWith(drops.path))) {
        drops.remaining--;
        req.socket.destroy();
        return;
      }
      let answer: SandboxResponse;
      if (failure && failure.remaining > 0 && (!failure.path || path.startsWith(failure.path))) {
        failure.remaining--;
        const base = api.faultResponse(failure.status);
        answer = {
          ...base,
          ...(failure.body !== undefined ? (typeof failure.body === 'string' ? { text: failure.body, json: undefined } : { json: failure.body, text: undefined }) : {}),
          headers: { ...base.headers, ...failure.headers },
        };
      } else {
        try {
          answer = await api.handle({ method, path, query, headers: req.headers, body, origin });
        } catch (e) {
          answer = { ...api.faultResponse(500) };
          process.stderr.write(`sandbox: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
        }
      }
      log.push({ method, path, status: answer.status });
      if (log.length > maxLog * 2) log = log.slice(-maxLog);
      send(res, answer);
    })();
  });
  server.keepAliveTimeout = 30_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const handle: SandboxHandle = {
    url: origin,
    faults: applyFaults,
    clearFaults,
    reset() {
      api.reset();
      clearFaults();
      log = [];
    },
    requests: () => (log.length > maxLog ? log.slice(-maxLog) : log.slice()),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        server.closeAllConnections();
      }),
  };
  if (options.faults) applyFaults(options.faults);
  return handle;
}
