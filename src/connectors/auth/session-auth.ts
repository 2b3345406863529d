import { createHash } from 'node:crypto';
import { JSONPath } from 'jsonpath-plus';
import { credentialUrlProblem } from '../../config/credential-url.js';
import type { ConnectorAuth } from '../../config/connector-schema.js';
import type { Auth } from '../../http/auth.js';
import { guardedFetch } from '../../http/guarded-fetch.js';
import { isJsonContentType } from '../../http/json-content-type.js';
import { formEncode } from '../form-encode.js';
import { joinUrl } from '../render-request.js';
import { createTemplateEngine } from '../template-engine.js';
import type { NetworkPolicy } from '../../http/network-policy.js';
import type { Redactor } from '../../log/redactor.js';
import type { StateStore } from '../../state/state-store.js';
import { createOAuth2TokenAuth } from './oauth2-token-auth.js';
import { tokenExpiresSoon } from './oauth2-token-expiry.js';
import { oauth2TokenSchema, type OAuth2Token } from './oauth2-token-store.js';

export type SessionKind = Extract<ConnectorAuth, { type: 'session' }>;

/** What createAuth hands the session kind. */
export interface SessionAuthOptions {
  kind: SessionKind;
  connectionName: string;
  /** The connection's base URL: the login's path is appended to it, and the login goes to its origin only. */
  baseUrl?: string;
  /** The config the login's body sees. */
  config?: Record<string, string | number | boolean>;
  /** Renders the login's path and headers with the connection's config. */
  render: (template: string) => string;
  /** Where the token is kept (encrypted) between runs; without it each run logs in. */
  store?: StateStore;
  redactor?: Redactor;
  networkPolicy?: NetworkPolicy;
  /** Time limit of the login request (default 30 s). */
  tokenTimeoutMs?: number;
}

/** The state-store key of a connection's session token. */
export const sessionTokenKey = (connectionName: string) => `session:${connectionName}`;

/** The largest login response read. */
const maxLoginBytes = 1024 * 1024;
const loginAttempts = 3;

/** A login request, rendered: where it goes, what it sends, and a fingerprint of who logs in. */
interface LoginRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
  /** Tells a stored token of this login from one of another user or API (the credentials changed). */
  fingerprint: string;
}

/**
 * The session kind: logs in on first use (one login for every request waiting), keeps the token in memory and,
 * with a state store, encrypted under `session:<connection>`; logs in again before the token expires and once when
 * the API answers 401. The login goes only to the connection's own origin.
 */
export async function createSessionAuth(options: SessionAuthOptions): Promise<Auth> {
  const { kind, connectionName: name, store, redactor } = options;
  const what = `the login of connection "${name}"`;
  const engine = createTemplateEngine();
  const context = { config: options.config ?? {} };
  const fetcher = options.networkPolicy?.denyPrivateAddresses ? guardedFetch(options.networkPolicy) : fetch;

  const render = (): LoginRequest => {
    if (!options.baseUrl) throw new Error(`${what} needs the connection's base URL`);
    const path = options.render(kind.login.path).trim();
    const url = loginUrl(options.baseUrl, path, what);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(kind.login.headers)) headers[k] = options.render(v);
    const contentType = Object.entries(headers).find(([k]) => k.toLowerCase() === 'content-type')?.[1];
    let body: string | undefined;
    const template = kind.login.body;
    if (template !== undefined) {
      if (contentType === undefined) headers['Content-Type'] = 'application/json';
      const json = contentType === undefined || isJsonContentType(contentType);
      if (typeof template === 'string') {
        body = json ? engine.renderJson(template, context, 'auth.login.body') : engine.render(template, context, 'text', { role: 'auth.login.body' });
      } else {
        const values = Object.fromEntries(Object.entries(template).map(([k, v]) => [k, engine.render(v, context, 'text', { role: `auth.login.body.${k}` })]));
        body = json ? JSON.stringify(values) : formEncode(values);
      }
    }
    const fingerprint = createHash('sha256').update(JSON.stringify([kind.login.method, url, headers, body ?? null])).digest('base64url');
    return { url, method: kind.login.method, headers, body, fingerprint };
  };

  const login = async (request: LoginRequest): Promise<OAuth2Token> => {
    for (let attempt = 1; ; attempt++) {
      let response: Response;
      try {
        response = await fetcher(request.url, {
          method: request.method,
          headers: request.headers,
          body: request.body,
          redirect: 'manual',
          signal: AbortSignal.timeout(options.tokenTimeoutMs ?? 30_000),
        });
      } catch (e) {
        const reason = e instanceof Error ? ((e.cause as Error | undefined)?.message ?? e.message) : String(e);
        if (attempt < loginAttempts) {
          await pause(attempt);
          continue;
        }
        throw new Error(`${what} could not reach ${new URL(request.url).host}: ${reason}`);
      }
      const text = await readLimited(response, what);
      if ((response.status === 429 || response.status >= 500) && attempt < loginAttempts) {
        await pause(attempt);
        continue;
      }
      if (response.status < 200 || response.status > 299) {
        const said = text.trim() ? `: ${mask(text.trim().slice(0, 300))}` : '';
        throw new Error(`${what} was refused: HTTP ${response.status}${said}`);
      }
      return tokenOf(text);
    }
  };

  const mask = (text: string) => (redactor ? redactor.mask(text) : text);

  const tokenOf = (text: string): OAuth2Token => {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error(`${what} answered no JSON, so auth.login.token_path cannot be read`);
    }
    const token = first(kind.login.token_path, body);
    if ((typeof token !== 'string' || token === '') && typeof token !== 'number') {
      throw new Error(`${what} answered no token at auth.login.token_path (${kind.login.token_path})`);
    }
    const value = String(token);
    redactor?.add(value);
    const now = Date.now();
    let seconds: number | undefined = kind.login.expires_in;
    if (kind.login.expires_in_path) {
      const found = Number(first(kind.login.expires_in_path, body));
      if (Number.isFinite(found) && found > 0) seconds = found;
    }
    return {
      access_token: value,
      refresh_token: null,
      expires_at: seconds === undefined ? null : new Date(now + seconds * 1000).toISOString(),
      obtained_at: new Date(now).toISOString(),
      token_type: 'Bearer',
    };
  };

  const saved = async (fingerprint: string): Promise<OAuth2Token | null> => {
    const text = store ? await store.getSecret(sessionTokenKey(name)) : null;
    if (text === null) return null;
    try {
      const parsed = oauth2TokenSchema.safeParse(JSON.parse(text));
      // A token of another login (the credentials or the base URL changed) is not this connection's any more.
      if (!parsed.success || parsed.data.login !== fingerprint || tokenExpiresSoon(parsed.data)) return null;
      return parsed.data;
    } catch {
      return null;
    }
  };

  const initial = await saved(render().fingerprint);
  return {
    kind: 'session',
    ...createOAuth2TokenAuth({
      header: kind.header,
      scheme: kind.scheme,
      queryParam: kind.query_param,
      initial,
      async renew(current) {
        const request = render();
        // Another process of this project may have logged in since: its token is the newest (some APIs keep one
        // session per user, and two logins in turn would end each other's).
        const other = await saved(request.fingerprint);
        if (other && other.access_token !== current?.access_token) return other;
        const token = await login(request);
        if (store) await store.putSecret(sessionTokenKey(name), JSON.stringify({ ...token, login: request.fingerprint }));
        return token;
      },
      secrets: [],
      redactor,
    }),
  };
}

/**
 * The login's URL: the path appended to the base URL, on the base URL's origin only (a path that renders to another
 * host, or to an absolute URL elsewhere, would send the credentials there), over https or plain http to loopback.
 */
export function loginUrl(baseUrl: string, path: string, what: string): string {
  const absolute = /^[a-z][a-z0-9+.-]*:|^\/\//i.test(path);
  const url = absolute ? path : joinUrl(baseUrl, path);
  let target: URL;
  let base: URL;
  try {
    target = new URL(url);
    base = new URL(baseUrl);
  } catch {
    throw new Error(`${what}: ${JSON.stringify(url)} is not a URL`);
  }
  if (target.origin !== base.origin) throw new Error(`${what} goes to ${target.origin}, not the connection's origin ${base.origin}: a login is sent only there`);
  const problem = credentialUrlProblem(target.href);
  if (problem) throw new Error(`${what}: ${problem}`);
  return target.href;
}

/** The first value a JSONPath selects in a body, or undefined. */
function first(path: string, body: unknown): unknown {
  if (body === null || typeof body !== 'object') return undefined;
  const found = JSONPath({ path, json: body as object, wrap: true, eval: 'safe' }) as unknown[];
  return found[0];
}

/** The response's text, refusing one past maxLoginBytes (a login answers a token, not a data set). */
async function readLimited(response: Response, what: string): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of (response.body ?? []) as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    // Leaving the loop cancels the rest of the body.
    if (size > maxLoginBytes) throw new Error(`${what} answered more than ${maxLoginBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const pause = (attempt: number) => new Promise((resolve) => setTimeout(resolve, 250 * 2 ** (attempt - 1)));
