import * as oauth from 'oauth4webapi';
import { addressNotAllowedCode } from '../../http/guarded-connector.js';
import { guardedFetch } from '../../http/guarded-fetch.js';
import type { NetworkPolicy } from '../../http/network-policy.js';
import { OAuth2Error } from './oauth2-error.js';
import type { OAuth2Token } from './oauth2-token-store.js';

/** What talking to a provider's token endpoint needs. */
export interface OAuth2TokenEndpointOptions {
  tokenUrl: string;
  /** Where refresh requests go when it differs from tokenUrl. */
  refreshUrl?: string | null;
  /** The OAuth client; absent for a grant that authenticates no client (a JWT bearer assertion, RFC 7523 §3.1). */
  clientId?: string;
  clientSecret?: string;
  /** body (client_secret_post) or basic (client_secret_basic), as the connector's client_auth says. */
  clientAuth: 'body' | 'basic' | 'client_secret_post' | 'client_secret_basic';
  /** Extra form fields sent with every token request. */
  tokenParams?: Record<string, string>;
  /** Token-response field kept as the base URL (Salesforce: instance_url). */
  baseUrlFrom?: string;
  /** Time limit of one token request, response read included (default 30 s). */
  timeoutMs?: number;
  /** Where token requests may connect (server mode refuses private addresses); default anywhere. */
  networkPolicy?: NetworkPolicy;
}

/** The grants Sluice uses, each answering the token to store. */
export interface OAuth2TokenEndpoint {
  /** Exchanges the authorization code of a validated callback (see validateCallback). */
  exchangeCode(callback: URLSearchParams, redirectUri: string, codeVerifier: string | undefined): Promise<OAuth2Token>;
  /** Checks a callback URL's state and error (RFC 6749 §4.1.2) and returns its parameters for exchangeCode. */
  validateCallback(callback: URL, expectedState: string): URLSearchParams;
  /** Renews with a refresh token; keeps the previous refresh token and base URL when the provider sends none. */
  refresh(previous: OAuth2Token): Promise<OAuth2Token>;
  /** The client-credentials grant. */
  clientCredentials(scopes: string[]): Promise<OAuth2Token>;
  /** The JWT bearer grant (RFC 7523 §2.1): a signed assertion exchanged for an access token. */
  jwtBearer(assertion: string): Promise<OAuth2Token>;
}

const jwtBearerGrant = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

const transientAttempts = 3;

/** Binds oauth4webapi to one provider and client. */
export function createOAuth2TokenEndpoint(options: OAuth2TokenEndpointOptions): OAuth2TokenEndpoint {
  // oauth4webapi wants a client id even where none is sent: the placeholder never leaves this process.
  const client: oauth.Client = { client_id: options.clientId ?? 'sluice' };
  const basic = options.clientAuth === 'basic' || options.clientAuth === 'client_secret_basic';
  const clientAuth: oauth.ClientAuth =
    options.clientId === undefined
      ? () => {}
      : options.clientSecret === undefined || options.clientSecret === ''
        ? oauth.None()
        : basic
          ? oauth.ClientSecretBasic(options.clientSecret)
          : oauth.ClientSecretPost(options.clientSecret);
  const server = (tokenUrl: string): oauth.AuthorizationServer => {
    const url = checkedUrl(tokenUrl);
    // No discovery document: the token URL's origin stands in for the issuer, which we never check.
    return { issuer: url.origin, token_endpoint: url.href };
  };
  const tokenServer = server(options.tokenUrl);
  const refreshServer = options.refreshUrl ? server(options.refreshUrl) : tokenServer;
  const guarded = options.networkPolicy?.denyPrivateAddresses ? guardedFetch(options.networkPolicy) : undefined;
  const requestOptions = (url: string) => ({
    additionalParameters: options.tokenParams ?? {},
    signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    [oauth.allowInsecureRequests]: new URL(url).protocol === 'http:',
    ...(guarded ? { [oauth.customFetch]: guarded } : {}),
  });

  return {
    validateCallback(callback, expectedState) {
      const params = new URLSearchParams(callback.searchParams);
      if (params.get('state') !== expectedState) {
        throw new Error("the callback's state does not match: possible CSRF or a stale browser tab; run sluice connect again");
      }
      // RFC 9207's iss is not checked (we have no discovery document); drop it so it cannot mismatch our stand-in.
      params.delete('iss');
      try {
        return oauth.validateAuthResponse(tokenServer, client, params, expectedState);
      } catch (e) {
        throw toOAuth2Error(e);
      }
    },
    async exchangeCode(callback, redirectUri, codeVerifier) {
      // Not retried: an authorization code is single-use, a second attempt could only fail.
      const body = await once(async () => {
        const response = await oauth.authorizationCodeGrantRequest(
          tokenServer,
          client,
          clientAuth,
          callback,
          redirectUri,
          codeVerifier ?? oauth.nopkce,
          requestOptions(tokenServer.token_endpoint!),
        );
        return oauth.processAuthorizationCodeResponse(tokenServer, client, await normalized(response));
      });
      return toToken(body, options.baseUrlFrom);
    },
    async refresh(previous) {
      if (!previous.refresh_token) throw new OAuth2Error('invalid_grant', 'no refresh token was issued');
      const refreshToken = previous.refresh_token;
      const body = await withRetry(async () => {
        const response = await oauth.refreshTokenGrantRequest(
          refreshServer,
          client,
          clientAuth,
          refreshToken,
          requestOptions(refreshServer.token_endpoint!),
        );
        return oauth.processRefreshTokenResponse(refreshServer, client, await normalized(response));
      });
      const next = toToken(body, options.baseUrlFrom);
      return {
        ...previous,
        ...next,
        refresh_token: next.refresh_token ?? refreshToken,
      };
    },
    async clientCredentials(scopes) {
      const body = await withRetry(async () => {
        const response = await oauth.clientCredentialsGrantRequest(
          tokenServer,
          client,
          clientAuth,
          scopes.length ? { scope: scopes.join(' ') } : {},
          requestOptions(tokenServer.token_endpoint!),
        );
        return oauth.processClientCredentialsResponse(tokenServer, client, await normalized(response));
      });
      return toToken(body, options.baseUrlFrom);
    },
    async jwtBearer(assertion) {
      const body = await withRetry(async () => {
        const { additionalParameters, ...rest } = requestOptions(tokenServer.token_endpoint!);
        const response = await oauth.genericTokenEndpointRequest(tokenServer, client, clientAuth, jwtBearerGrant, { ...additionalParameters, assertion }, rest);
        return oauth.processGenericTokenEndpointResponse(tokenServer, client, await normalized(response));
      });
      return toToken(body, options.baseUrlFrom);
    },
  };
}

async function once(fn: () => Promise<oauth.TokenEndpointResponse>): Promise<oauth.TokenEndpointResponse> {
  try {
    return await fn();
  } catch (e) {
    throw toOAuth2Error(e);
  }
}

/** Refreshes must not fail a long run on a blip: network errors, 429 and 5xx are retried twice. */
async function withRetry(fn: () => Promise<oauth.TokenEndpointResponse>): Promise<oauth.TokenEndpointResponse> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      const error = toOAuth2Error(e);
      const transient = error instanceof TransientError || (error instanceof OAuth2Error && error.code === 'temporarily_unavailable');
      if (!transient || attempt >= transientAttempts) throw error;
      await new Promise((r) => setTimeout(r, 250 * 2 ** (attempt - 1)));
    }
  }
}

/** A token request that failed in a way worth retrying. */
class TransientError extends Error {
  override name = 'TransientError';
}

/**
 * Makes a provider's token response digestible for oauth4webapi: Sluice is not an OpenID client, so an
 * `id_token` (Salesforce with the openid scope) is dropped rather than validated, and a missing
 * `token_type` defaults to Bearer. Transient failures become TransientError.
 */
async function normalized(response: Response): Promise<Response> {
  if (response.status === 429 || response.status >= 500) {
    await response.body?.cancel();
    throw new TransientError(`the token endpoint answered HTTP ${response.status}`);
  }
  if (response.status !== 200) {
    const body = await response.clone().text();
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      json = undefined;
    }
    if (json && typeof json === 'object' && typeof (json as { error?: unknown }).error === 'string') return response;
    await response.body?.cancel();
    // A 401 from a token endpoint is a refused client (RFC 6749 §5.2), whatever its body.
    if (response.status === 401) throw new OAuth2Error('invalid_client', undefined, 401);
    // Not an RFC 6749 error (HubSpot's BAD_REFRESH_TOKEN, an HTML page): show what the provider said.
    throw new Error(`the token endpoint answered HTTP ${response.status}: ${body.slice(0, 300)}`);
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return new Response(text, { status: response.status, headers: response.headers });
  }
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const b = body as Record<string, unknown>;
    delete b.id_token;
    if (b.token_type === undefined) b.token_type = 'Bearer';
  }
  const headers = new Headers(response.headers);
  headers.set('content-type', 'application/json');
  return new Response(JSON.stringify(body), { status: 200, headers });
}

/** Turns what oauth4webapi throws into OAuth2Error (provider errors) or TransientError (network). */
function toOAuth2Error(e: unknown): Error {
  if (e instanceof OAuth2Error || e instanceof TransientError) return e;
  if (e instanceof oauth.ResponseBodyError) return new OAuth2Error(e.error, e.error_description, e.status);
  if (e instanceof oauth.AuthorizationResponseError) return new OAuth2Error(e.error, e.error_description);
  if (e instanceof oauth.WWWAuthenticateChallengeError) {
    // invalid_client comes with a challenge when the client used Basic auth (RFC 6749 §5.2).
    return new OAuth2Error(e.status === 401 ? 'invalid_client' : 'invalid_request', undefined, e.status);
  }
  if (e instanceof oauth.OperationProcessingError) {
    const cause = e.cause;
    if (cause instanceof Response) {
      if (cause.status === 429 || cause.status >= 500) return new TransientError(`the token endpoint answered HTTP ${cause.status}`);
      return new Error(`the token endpoint answered HTTP ${cause.status} without an OAuth error`);
    }
    return new Error(`the token endpoint's answer is not usable: ${e.message}`);
  }
  if (e instanceof Error && (e.cause as { code?: unknown } | undefined)?.code === addressNotAllowedCode) {
    // Refused by the network policy: the same on every attempt, so not worth a retry.
    return new Error(`could not reach the token endpoint: ${(e.cause as Error).message}`);
  }
  if (e instanceof Error && (e.name === 'TypeError' || e.name === 'TimeoutError' || e.name === 'AbortError')) {
    const reason = e.cause instanceof Error ? e.cause.message : e.message;
    return new TransientError(`could not reach the token endpoint: ${reason}`);
  }
  return e instanceof Error ? e : new Error(String(e));
}

/** The stored form of a token response. */
function toToken(body: oauth.TokenEndpointResponse, baseUrlFrom: string | undefined): OAuth2Token {
  const now = Date.now();
  const token: OAuth2Token = {
    access_token: body.access_token,
    refresh_token: body.refresh_token ?? null,
    expires_at: typeof body.expires_in === 'number' ? new Date(now + body.expires_in * 1000).toISOString() : null,
    obtained_at: new Date(now).toISOString(),
    token_type: body.token_type === 'bearer' ? 'Bearer' : body.token_type,
  };
  if (typeof body.scope === 'string') token.scope = body.scope;
  if (typeof body.instance_url === 'string') token.instance_url = body.instance_url;
  if (baseUrlFrom && typeof body[baseUrlFrom] === 'string') token[baseUrlFrom] = body[baseUrlFrom];
  return token;
}

/** Token URLs must be https, except on loopback (sandboxes and local providers). */
function checkedUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`the token URL "${raw}" is not a valid URL`);
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new Error(`the token URL "${raw}" must use https (client secrets would travel in clear)`);
  }
  return url;
}
