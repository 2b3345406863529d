import { createHash, randomBytes } from 'node:crypto';
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
}

/** One authorization or token request the provider received, for assertions. */
export interface ProviderRequest {
  endpoint: 'authorize' | 'token';
  method: string;
  /** Query parameters (authorize) or form fields (token). */
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
      default:
        return oauthError(res, 400, 'unsupported_grant_type', `grant_type ${form.get('grant_type') ?? '(none)'} is not supported`);
    }
  };

  const api = (req: IncomingMessage, res: ServerResponse, body: string) => {
    const header = req.headers.authorization;
    if (!header?.startsWith('Bearer ')) {
      apiCalls.unauthorized++;
      return json(res, 401, { error: 'no token' }, { 'WWW-Authenticate': 'Bearer realm="sandbox"' });
    }
    const access = accessTokens.get(header.slice(7));
    if (!access || access.expiresAt <= Date.now()) {
      apiCalls.unauthorized++;
      return json(res, 401, { error: 'invalid_token' }, {
        'WWW-Authenticate': 'Bearer realm="sandbox", error="invalid_token", error_description="The access token expired"',
      });
    }
    apiCalls.ok++;
    const answer = () => {
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
        if (u.pathname === '/api/records' && (req.method === 'GET' || req.method === 'POST')) return api(req, res, body);
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
    revokeAll() {
      refreshTokens.clear();
      accessTokens.clear();
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
