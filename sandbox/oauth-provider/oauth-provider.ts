import { createHash, createPublicKey, randomBytes, verify, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the sandbox OAuth provider behaves. */
export interface OAuthProviderOptions {
  /** Port to listen on (default: any free port). */
  port?: number;
  /** Lifetime of access tokens in seconds (default 3600; tests use 1). */
  tokenLifetimeSeconds?: number;
  /** Issue a new refresh token on every refresh and invalidate the old one. */
  rotateRefreshTokens?: boolean;
  /** Answer token requests without `expires_in` (Salesforce style). */
  omitExpiresIn?: boolean;
  /** Add `instance_url` (the provider's own URL) to token responses (Salesforce style). */
  instanceUrl?: boolean;
  clientId?: string;
  clientSecret?: string;
  /** Approve every authorization request (default true); false answers `error=access_denied`. */
  autoApprove?: boolean;
  /** Milliseconds the protected API takes to answer each call (default 0), as a real API does. */
  apiLatencyMs?: number;
  /** The user `POST /login` accepts (default sandbox-user / sandbox-password) and how long its session tokens live (default 3600 s). */
  session?: { username?: string; password?: string; lifetimeSeconds?: number };
  /** The public key (PEM or KeyObject) that verifies JWTs: assertions of the jwt-bearer grant, and JWTs sent as bearer tokens. */
  jwtPublicKey?: string | KeyObject;
  /** API keys the protected API takes in `X-Api-Key`. */
  apiKeys?: string[];
  /** The status a revoked or unknown API key is answered with (default 401). */
  refusedKeyStatus?: 401 | 403;
  /** Items `GET /api/items` pages through (ids 1..items). */
  items?: number;
}

/** One authorization or token request the provider received, for assertions. */
export interface ProviderRequest {
  endpoint: 'authorize' | 'token' | 'login';
  method: string;
  /** Query parameters (authorize), form fields (token) or the login's fields. */
  params: Record<string, string>;
  /** The Authorization header, when sent. */
  authorization: string | undefined;
  /** How the client authenticated at the token endpoint. */
  clientAuth: 'client_secret_basic' | 'client_secret_post' | 'none' | undefined;
}

/** A running sandbox OAuth 2.0 provider (RFC 6749) with an RFC 6750 protected API. */
export interface OAuthProvider {
  url: string;
  /** Every authorization and token request received, in order. */
  requests: ProviderRequest[];
  /** Counts of protected API calls: answered, and refused with 401. */
  apiCalls: { ok: number; unauthorized: number };
  /** Records posted to `/api/records`. */
  records: unknown[];
  /** When each API key was used, by key, in milliseconds since 1970. */
  apiKeyCalls: Map<string, number[]>;
  /** Revokes one API key: the API answers it refusedKeyStatus from now on. */
  revokeApiKey(key: string): void;
  /** Ends every session token now (as a server restart or a logout elsewhere would); the user can log in again. */
  expireSessions(): void;
  /** The next `count` calls of the protected API are answered as if the token had expired (401 invalid_token). */
  refuseNextApiCalls(count: number): void;
  /** Revokes every grant: refresh tokens and access tokens stop working. */
  revokeAll(): void;
  /** Makes every current access token expired (refresh tokens stay valid). */
  expireAccessTokens(): void;
  /** The next `count` token requests answer 503 (a provider blip). */
  failTokenRequests(count: number): void;
  close(): Promise<void>;
}

interface Code {
  clientId: string;
  redirectUri: string;
  scope: string | undefined;
  challenge: string | undefined;
  expiresAt: number;
}

interface Grant {
  clientId: string;
  scope: string | undefined;
}

const jwtBearerGrant = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

const token = (prefix: string) => `${prefix}-${randomBytes(18).toString('base64url')}`;

/** Starts the sandbox OAuth provider on loopback. */
export async function startOAuthProvider(options: OAuthProviderOptions = {}): Promise<OAuthProvider> {
  const clientId = options.clientId ?? 'sandbox-client';
  const clientSecret = options.clientSecret ?? 'sandbox-secret';
  const lifetimeMs = (options.tokenLifetimeSeconds ?? 3600) * 1000;
  const apiLatencyMs = options.apiLatencyMs ?? 0;
  const codes = new Map<string, Code>();
  const refreshTokens = new Map<string, Grant>();
  const accessTokens = new Map<string, { expiresAt: number }>();
  const sessions = new Map<string, { expiresAt: number }>();
  const sessionUser = { username: options.session?.username ?? 'sandbox-user', password: options.session?.password ?? 'sandbox-password' };
  const sessionLifetimeMs = (options.session?.lifetimeSeconds ?? 3600) * 1000;
  const jwtKey = options.jwtPublicKey === undefined ? undefined : typeof options.jwtPublicKey === 'string' ? createPublicKey(options.jwtPublicKey) : options.jwtPublicKey;
  const apiKeys = new Set(options.apiKeys ?? []);
  const apiKeyCalls = new Map<string, number[]>();
  let refusingApiCalls = 0;
  const requests: ProviderRequest[] = [];
  const apiCalls = { ok: 0, unauthorized: 0 };
  const records: unknown[] = [];
  let url = '';
  let failingTokenRequests = 0;

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'Content-Type': 'application/json;charset=UTF-8', ...headers });
    res.end(JSON.stringify(body));
  };
  // RFC 6749 §5.1: token responses must not be cached.
  const noStore = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };
  const oauthError = (res: ServerResponse, status: number, error: string, description: string, headers: Record<string, string> = {}) =>
    json(res, status, { error, error_description: description }, { ...noStore, ...headers });

  const authorize = (res: ServerResponse, query: URLSearchParams) => {
    const params = Object.fromEntries(query);
    requests.push({ endpoint: 'authorize', method: 'GET', params, authorization: undefined, clientAuth: undefined });
    const redirectUri = query.get('redirect_uri');
    // RFC 6749 §4.1.2.1: a bad client or redirect URI is shown to the user, never redirected to.
    if (query.get('client_id') !== clientId) return text(res, 400, 'unknown client_id');
    if (!redirectUri) return text(res, 400, 'missing redirect_uri');
    let target: URL;
    try {
      target = new URL(redirectUri);
    } catch {
      return text(res, 400, 'invalid redirect_uri');
    }
    const state = query.get('state');
    if (state !== null) target.searchParams.set('state', state);
    if (query.get('response_type') !== 'code') {
      target.searchParams.set('error', 'unsupported_response_type');
    } else if (options.autoApprove === false) {
      target.searchParams.set('error', 'access_denied');
      target.searchParams.set('error_description', 'The user declined the authorization');
    } else {
      const method = query.get('code_challenge_method');
      if (query.get('code_challenge') && method !== 'S256') {
        target.searchParams.set('error', 'invalid_request');
        target.searchParams.set('error_description', 'only S256 code challenges are supported');
      } else {
        const code = token('code');
        codes.set(code, {
          clientId,
          redirectUri,
          scope: query.get('scope') ?? undefined,
          challenge: query.get('code_challenge') ?? undefined,
          expiresAt: Date.now() + 10 * 60_000,
        });
        target.searchParams.set('code', code);
      }
    }
    res.writeHead(302, { Location: target.href });
    res.end();
  };

  const issue = (res: ServerResponse, grant: Grant, refreshToken: string | undefined) => {
    const access = token('at');
    accessTokens.set(access, { expiresAt: Date.now() + lifetimeMs });
    json(
      res,
      200,
      {
        access_token: access,
        token_type: 'Bearer',
        ...(options.omitExpiresIn ? {} : { expires_in: lifetimeMs / 1000 }),
        ...(refreshToken ? { refresh_token: refreshToken } : {}),
        ...(grant.scope ? { scope: grant.scope } : {}),
        ...(options.instanceUrl ? salesforceFields(url, grant.scope) : {}),
      },
      noStore,
    );
  };

  const tokenEndpoint = (req: IncomingMessage, res: ServerResponse, body: string) => {
    const form = new URLSearchParams(body);
    const params = Object.fromEntries(form);
    const authorization = req.headers.authorization;
    const basic = authorization?.startsWith('Basic ') ? decodeBasic(authorization.slice(6)) : undefined;
    const clientAuth = basic ? 'client_secret_basic' : form.has('client_secret') ? 'client_secret_post' : 'none';
    requests.push({ endpoint: 'token', method: req.method ?? 'POST', params, authorization, clientAuth });
    if (failingTokenRequests > 0) {
      failingTokenRequests--;
      return text(res, 503, 'Service Unavailable');
    }

    if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      return oauthError(res, 400, 'invalid_request', 'the body must be application/x-www-form-urlencoded');
    }
    if (basic && form.has('client_secret')) {
      return oauthError(res, 400, 'invalid_request', 'use one client authentication method, not two');
    }
    // RFC 7523 §3.1: a JWT bearer grant needs no client authentication (Google's service accounts send none).
    if (form.get('grant_type') === jwtBearerGrant && !basic && !form.has('client_id')) return jwtGrant(res, form);
    const id = basic ? basic.id : form.get('client_id');
    const secret = basic ? basic.secret : form.get('client_secret');
    if (id !== clientId || secret !== clientSecret) {
      // RFC 6749 §5.2: 401, with a challenge when the client used the Authorization header.
      return oauthError(res, 401, 'invalid_client', 'client authentication failed', basic ? { 'WWW-Authenticate': 'Basic realm="sandbox"' } : {});
    }

    switch (form.get('grant_type')) {
      case 'authorization_code': {
        const code = codes.get(form.get('code') ?? '');
        codes.delete(form.get('code') ?? ''); // single use
        if (!code || code.expiresAt < Date.now()) return oauthError(res, 400, 'invalid_grant', 'the authorization code is invalid or expired');
        if (code.redirectUri !== form.get('redirect_uri')) return oauthError(res, 400, 'invalid_grant', 'redirect_uri does not match');
        if (code.challenge) {
          const verifier = form.get('code_verifier') ?? '';
          // RFC 7636 §4.1: 43 to 128 unreserved characters; §4.6: S256 of it must be the challenge, else invalid_grant.
          if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier)) return oauthError(res, 400, 'invalid_grant', 'the code verifier is missing or malformed');
          if (createHash('sha256').update(verifier).digest('base64url') !== code.challenge) {
            return oauthError(res, 400, 'invalid_grant', 'the code verifier does not match the challenge');
          }
        }
        const grant = { clientId: code.clientId, scope: code.scope };
        const refresh = token('rt');
        refreshTokens.set(refresh, grant);
        return issue(res, grant, refresh);
      }
      case 'refresh_token': {
        const presented = form.get('refresh_token') ?? '';
        const grant = refreshTokens.get(presented);
        if (!grant) return oauthError(res, 400, 'invalid_grant', 'expired access/refresh token');
        if (!options.rotateRefreshTokens) return issue(res, grant, undefined);
        refreshTokens.delete(presented);
        const rotated = token('rt');
        refreshTokens.set(rotated, grant);
        return issue(res, grant, rotated);
      }
      case 'client_credentials':
        return issue(res, { clientId, scope: form.get('scope') ?? undefined }, undefined);
      case jwtBearerGrant:
        return jwtGrant(res, form);
      default:
        return oauthError(res, 400, 'unsupported_grant_type', `grant_type ${form.get('grant_type') ?? '(none)'} is not supported`);
    }
  };

  /**
   * RFC 7523 §3: the assertion's signature (the configured public key), iss, aud (this token endpoint), exp in the
   * future and at most an hour after iat (Google's rule). Any failure is 400 invalid_grant (§3.1).
   */
  const jwtGrant = (res: ServerResponse, form: URLSearchParams) => {
    const problem = jwtProblem(form.get('assertion') ?? '', `${url}/token`, true);
    if (problem) return oauthError(res, 400, 'invalid_grant', problem);
    return issue(res, { clientId: 'jwt-bearer', scope: undefined }, undefined);
  };

  /** Why a JWT is not acceptable, or undefined: signed by the configured key, not expired, for `audience`. */
  const jwtProblem = (jwt: string, audience: string, grant: boolean): string | undefined => {
    if (!jwtKey) return 'this provider takes no JWTs';
    const parts = jwt.split('.');
    if (parts.length !== 3) return 'Invalid JWT: not a compact JWS';
    let header: { alg?: string };
    let claims: { iss?: unknown; aud?: unknown; exp?: unknown; iat?: unknown };
    try {
      header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8'));
      claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
    } catch {
      return 'Invalid JWT: the header or claims are not JSON';
    }
    const alg = header.alg;
    if (alg !== 'RS256' && alg !== 'ES256') return `Invalid JWT: unsupported alg ${String(alg)}`;
    const key = alg === 'ES256' ? { key: jwtKey, dsaEncoding: 'ieee-p1363' as const } : jwtKey;
    let valid = false;
    try {
      valid = verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), key, Buffer.from(parts[2]!, 'base64url'));
    } catch {
      valid = false;
    }
    if (!valid) return 'Invalid JWT Signature.';
    const now = Math.floor(Date.now() / 1000);
    if (grant && (typeof claims.iss !== 'string' || claims.iss === '')) return 'Invalid JWT: no iss claim';
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!audiences.includes(audience)) return `Invalid JWT: aud must be ${audience}`;
    if (typeof claims.exp !== 'number' || typeof claims.iat !== 'number') return 'Invalid JWT: exp and iat must be numbers';
    if (claims.exp <= now) return 'Invalid JWT: Token must be a short-lived token and in a reasonable timeframe (it expired)';
    if (claims.exp - claims.iat > 3600 || claims.iat > now + 60) return 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe';
    return undefined;
  };

  /** `POST /login`: JSON (or form) username and password → a session token that expires. */
  const login = (req: IncomingMessage, res: ServerResponse, body: string) => {
    let fields: Record<string, unknown> = {};
    const type = req.headers['content-type'] ?? '';
    try {
      fields = type.startsWith('application/x-www-form-urlencoded') ? Object.fromEntries(new URLSearchParams(body)) : (JSON.parse(body || '{}') as Record<string, unknown>);
    } catch {
      fields = {};
    }
    requests.push({ endpoint: 'login', method: req.method ?? 'POST', params: Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, String(v)])), authorization: req.headers.authorization, clientAuth: undefined });
    if (typeof fields.username !== 'string' || typeof fields.password !== 'string') {
      return json(res, 400, { error: 'invalid_request', error_description: 'username and password are required' });
    }
    if (fields.username !== sessionUser.username || fields.password !== sessionUser.password) {
      return json(res, 401, { error: 'invalid_credentials', error_description: 'the user name or password is wrong' });
    }
    const session = token('st');
    sessions.set(session, { expiresAt: Date.now() + sessionLifetimeMs });
    return json(res, 200, { session: { token: session, expires_in: sessionLifetimeMs / 1000 } }, noStore);
  };

  /** Whether a request to the protected API carries a credential it takes; answers the refusal itself when not. */
  const authorized = (req: IncomingMessage, res: ServerResponse, query: URLSearchParams): boolean => {
    const refuse = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      apiCalls.unauthorized++;
      json(res, status, body, headers);
      return false;
    };
    const expired = { 'WWW-Authenticate': 'Bearer realm="sandbox", error="invalid_token", error_description="The access token expired"' };
    const apiKey = req.headers['x-api-key'];
    if (typeof apiKey === 'string') {
      if (!apiKeys.has(apiKey)) return refuse(options.refusedKeyStatus ?? 401, { error: 'invalid_api_key', error_description: 'the API key is unknown or revoked' });
      const calls = apiKeyCalls.get(apiKey) ?? [];
      calls.push(Date.now());
      apiKeyCalls.set(apiKey, calls);
      return true;
    }
    const header = req.headers.authorization;
    // RFC 6750 §2.1 (the header) and §2.3 (the access_token query parameter).
    const presented = header?.startsWith('Bearer ') ? header.slice(7) : (query.get('access_token') ?? undefined);
    if (presented === undefined) return refuse(401, { error: 'no token' }, { 'WWW-Authenticate': 'Bearer realm="sandbox"' });
    if (refusingApiCalls > 0) {
      refusingApiCalls--;
      return refuse(401, { error: 'invalid_token' }, expired);
    }
    const known = accessTokens.get(presented) ?? sessions.get(presented);
    if (known) return known.expiresAt > Date.now() || refuse(401, { error: 'invalid_token' }, expired);
    if (presented.split('.').length === 3 && jwtKey) {
      const problem = jwtProblem(presented, `${url}/`, false);
      return problem === undefined || refuse(401, { error: 'invalid_token', error_description: problem }, expired);
    }
    return refuse(401, { error: 'invalid_token' }, expired);
  };

  const api = (req: IncomingMessage, res: ServerResponse, body: string, u: URL) => {
    if (!authorized(req, res, u.searchParams)) return;
    apiCalls.ok++;
    const answer = () => {
      if (u.pathname === '/api/items') {
        const offset = Math.max(0, Number(u.searchParams.get('offset') ?? 0) || 0);
        const limit = Math.min(100, Math.max(1, Number(u.searchParams.get('limit') ?? 10) || 10));
        const total = options.items ?? 0;
        const items = Array.from({ length: Math.max(0, Math.min(limit, total - offset)) }, (_, i) => ({ id: offset + i + 1, name: `item ${offset + i + 1}` }));
        return json(res, 200, { items, total });
      }
      if (req.method === 'POST') {
        const record: unknown = JSON.parse(body || 'null');
        records.push(record);
        return json(res, 201, { id: String(records.length) });
      }
      return json(res, 200, { records });
    };
    if (apiLatencyMs > 0) setTimeout(answer, apiLatencyMs);
    else answer();
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const u = new URL(req.url ?? '/', 'http://sandbox');
      try {
        if (req.method === 'GET' && u.pathname === '/authorize') return authorize(res, u.searchParams);
        if (req.method === 'POST' && u.pathname === '/token') return tokenEndpoint(req, res, body);
        if (req.method === 'POST' && u.pathname === '/login') return login(req, res, body);
        if (u.pathname === '/api/records' && (req.method === 'GET' || req.method === 'POST')) return api(req, res, body, u);
        if (u.pathname === '/api/items' && req.method === 'GET') return api(req, res, body, u);
        if (req.method === 'GET' && u.pathname === '/_sandbox/records') return json(res, 200, { records });
        return json(res, 404, { error: 'not found' });
      } catch (e) {
        return json(res, 400, { error: e instanceof Error ? e.message : String(e) });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    requests,
    apiCalls,
    records,
    apiKeyCalls,
    revokeAll() {
      refreshTokens.clear();
      accessTokens.clear();
    },
    revokeApiKey(key) {
      apiKeys.delete(key);
    },
    expireSessions() {
      for (const t of sessions.values()) t.expiresAt = 0;
    },
    refuseNextApiCalls(count) {
      refusingApiCalls = count;
    },
    expireAccessTokens() {
      for (const t of accessTokens.values()) t.expiresAt = 0;
    },
    failTokenRequests(count) {
      failingTokenRequests = count;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}

/** What Salesforce adds to token responses; an id_token (opaque here) only with the openid scope. */
function salesforceFields(url: string, scope: string | undefined): Record<string, string> {
  const fields: Record<string, string> = {
    instance_url: url,
    id: `${url}/id/00D000000000001/005000000000001`,
    issued_at: String(Date.now()),
    signature: randomBytes(32).toString('base64'),
  };
  if (scope?.split(' ').includes('openid')) fields.id_token = `eyJhbGciOiJSUzI1NiJ9.${Buffer.from('{"iss":"https://login.salesforce.com"}').toString('base64url')}.sig`;
  return fields;
}

function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(body);
}

/** Decodes `base64(urlenc(id):urlenc(secret))` (RFC 6749 §2.3.1). */
function decodeBasic(value: string): { id: string; secret: string } | undefined {
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const dec = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
  return { id: dec(decoded.slice(0, colon)), secret: dec(decoded.slice(colon + 1)) };
}
