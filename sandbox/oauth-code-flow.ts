import { createHash, randomBytes } from 'node:crypto';
import type { SandboxRequest, SandboxResponse } from './sandbox-server.js';

/** How a simulated API's own OAuth 2.0 authorization-code flow behaves. */
export interface OAuthCodeFlowOptions {
  clientId: string;
  clientSecret: string;
  /** Access-token lifetime in seconds; null answers without `expires_in` (Salesforce). */
  expiresIn: number | null;
  /** Prefix of issued tokens (`00D` for Salesforce access tokens). */
  tokenPrefix: string;
  /** Extra fields of every token response (Salesforce's `instance_url`, `id`, `issued_at`). */
  extraFields?: (origin: string) => Record<string, unknown>;
  /** Whether a refresh also returns a new refresh token (the old one stops working). */
  rotateRefreshToken?: boolean;
  /** Whether refresh responses repeat the refresh token (Salesforce does not). */
  refreshReturnsRefreshToken?: boolean;
}

/** What a bearer token is worth. */
export type TokenCheck = 'valid' | 'expired' | 'invalid';

/** The authorize and token endpoints of an API, and the check of the tokens they issued. */
export interface OAuthCodeFlow {
  /** `GET authorize?response_type=code&client_id&redirect_uri&state`: approves at once, 302 to the redirect URI. */
  authorize(request: SandboxRequest): SandboxResponse;
  /** `POST token` (form): `authorization_code` and `refresh_token` grants. */
  token(request: SandboxRequest): SandboxResponse;
  check(token: string): TokenCheck;
  expireAll(): void;
  reset(): void;
}

interface Code {
  redirectUri: string;
  challenge: string | undefined;
  expiresAt: number;
}

const tokenError = (status: number, error: string, description: string): SandboxResponse => ({
  status,
  headers: { 'Cache-Control': 'no-store', Pragma: 'no-cache' },
  json: { error, error_description: description },
});

/** Creates an auto-approving authorization-code flow (RFC 6749 §4.1, refresh §6, PKCE S256 when asked). */
export function createOAuthCodeFlow(options: OAuthCodeFlowOptions): OAuthCodeFlow {
  const codes = new Map<string, Code>();
  const access = new Map<string, { expiresAt: number | null }>();
  const refresh = new Set<string>();
  const random = (prefix: string) => `${prefix}${randomBytes(24).toString('base64url')}`;

  const issue = (origin: string, withRefresh: boolean): SandboxResponse => {
    const accessToken = random(options.tokenPrefix);
    access.set(accessToken, { expiresAt: options.expiresIn === null ? null : Date.now() + options.expiresIn * 1000 });
    const body: Record<string, unknown> = { access_token: accessToken, token_type: 'Bearer' };
    if (options.expiresIn !== null) body.expires_in = options.expiresIn;
    if (withRefresh) {
      const r = random('rt-');
      refresh.add(r);
      body.refresh_token = r;
    }
    Object.assign(body, options.extraFields?.(origin));
    return { status: 200, headers: { 'Cache-Control': 'no-store', Pragma: 'no-cache' }, json: body };
  };

  return {
    authorize(request) {
      const q = request.query;
      if (q.get('client_id') !== options.clientId) return tokenError(400, 'invalid_client_id', 'client identifier invalid');
      const redirect = q.get('redirect_uri');
      if (!redirect) return tokenError(400, 'redirect_uri_mismatch', 'redirect_uri must match configuration');
      const target = new URL(redirect);
      const state = q.get('state');
      if (q.get('response_type') !== 'code') {
        target.searchParams.set('error', 'unsupported_response_type');
        target.searchParams.set('error_description', 'response_type must be code');
      } else {
        const code = random('code-');
        codes.set(code, { redirectUri: redirect, challenge: q.get('code_challenge') ?? undefined, expiresAt: Date.now() + 600_000 });
        target.searchParams.set('code', code);
      }
      if (state !== null) target.searchParams.set('state', state);
      return { status: 302, headers: { Location: target.toString() }, text: '' };
    },

    token(request) {
      const form = new URLSearchParams(request.body);
      let clientId = form.get('client_id');
      let clientSecret = form.get('client_secret');
      const basic = /^Basic\s+(.+)$/i.exec(request.headers.authorization ?? '');
      if (basic) {
        const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        clientId = decodeURIComponent(decoded.slice(0, colon));
        clientSecret = decodeURIComponent(decoded.slice(colon + 1));
      }
      if (clientId !== options.clientId || (clientSecret !== null && clientSecret !== options.clientSecret)) {
        return tokenError(basic ? 401 : 400, 'invalid_client', 'invalid client credentials');
      }
      const grant = form.get('grant_type');
      if (grant === 'authorization_code') {
        const code = codes.get(form.get('code') ?? '');
        codes.delete(form.get('code') ?? '');
        if (!code || code.expiresAt < Date.now()) return tokenError(400, 'invalid_grant', 'invalid authorization code');
        if (code.redirectUri !== form.get('redirect_uri')) return tokenError(400, 'invalid_grant', 'redirect_uri mismatch');
        if (code.challenge !== undefined) {
          const verifier = form.get('code_verifier') ?? '';
          if (createHash('sha256').update(verifier).digest('base64url') !== code.challenge) {
            return tokenError(400, 'invalid_grant', 'invalid code verifier');
          }
        } else if (clientSecret === null) {
          return tokenError(400, 'invalid_client', 'client_secret required');
        }
        return issue(request.origin, true);
      }
      if (grant === 'refresh_token') {
        const r = form.get('refresh_token') ?? '';
        if (!refresh.has(r)) return tokenError(400, 'invalid_grant', 'expired access/refresh token');
        if (options.rotateRefreshToken) refresh.delete(r);
        const answer = issue(request.origin, Boolean(options.rotateRefreshToken));
        if (!options.rotateRefreshToken && options.refreshReturnsRefreshToken) (answer.json as Record<string, unknown>).refresh_token = r;
        return answer;
      }
      return tokenError(400, 'unsupported_grant_type', 'grant type not supported');
    },

    check(token) {
      const t = access.get(token);
      if (!t) return 'invalid';
      return t.expiresAt !== null && t.expiresAt <= Date.now() ? 'expired' : 'valid';
    },

    expireAll() {
      for (const t of access.values()) t.expiresAt = 0;
    },

    reset() {
      codes.clear();
      access.clear();
      refresh.clear();
    },
  };
}
