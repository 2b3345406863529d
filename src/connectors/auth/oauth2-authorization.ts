import * as oauth from 'oauth4webapi';
import type { ConnectionAuth } from '../../config/project-schema.js';
import type { NetworkPolicy } from '../../http/network-policy.js';
import type { Redactor } from '../../log/redactor.js';
import type { StateStore } from '../../state/state-store.js';
import { oauth2Credentials, oauth2TokenEndpoint, type OAuth2Kind } from './oauth2-auth.js';
import { createOAuth2TokenStore, type OAuth2Token } from './oauth2-token-store.js';

/** What starting or completing an authorization needs: the connector's kind and the connection's client. */
export interface AuthorizationOptions {
  kind: OAuth2Kind;
  /** The connection's `auth` from sluice.yaml (type oauth2). */
  credentials: ConnectionAuth;
  connectionName: string;
  /** Renders a template such as authorization_url with the connection's config. */
  render: (template: string) => string;
  /** Where the code exchange may connect: the server passes its policy (private addresses refused); default anywhere. */
  networkPolicy?: NetworkPolicy;
}

/** An authorization waiting for its callback: keep it until the provider redirects back. */
export interface PendingAuthorization {
  /** The URL to open in a browser. */
  url: string;
  /** The CSRF token the callback must carry back. */
  state: string;
  /** The PKCE verifier, when the connector uses PKCE. */
  codeVerifier: string | undefined;
  redirectUri: string;
}

/** Builds the authorization URL (RFC 6749 §4.1.1, PKCE S256 when the connector asks) with a fresh state. */
export async function startAuthorization(options: AuthorizationOptions & { redirectUri: string }): Promise<PendingAuthorization> {
  const { kind, render } = options;
  const credentials = oauth2Credentials(options.credentials, options.connectionName);
  const state = oauth.generateRandomState();
  const codeVerifier = kind.pkce ? oauth.generateRandomCodeVerifier() : undefined;
  const params: [string, string][] = [
    ['response_type', 'code'],
    ['client_id', credentials.client_id],
    ['redirect_uri', options.redirectUri],
  ];
  if (kind.scopes.length) params.push(['scope', kind.scopes.join(' ')]);
  params.push(['state', state]);
  for (const [k, v] of Object.entries(kind.authorization_params)) params.push([k, render(v)]);
  if (codeVerifier) {
    params.push(['code_challenge', await oauth.calculatePKCECodeChallenge(codeVerifier)], ['code_challenge_method', 'S256']);
  }
  const url = new URL(render(kind.authorization_url));
  for (const [k] of params) url.searchParams.delete(k);
  // Spaces as %20 (RFC 3986), which every provider reads; URLSearchParams would write "+".
  const query = params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  url.search = url.search ? `${url.search}&${query}` : `?${query}`;
  return { url: url.href, state, codeVerifier, redirectUri: options.redirectUri };
}

/**
 * Handles the provider's redirect: checks state and errors, exchanges the code for tokens and stores them
 * encrypted under `oauth:<connection>` (when a store is given). Throws errors in plain words.
 */
export async function completeAuthorization(
  options: AuthorizationOptions & { callbackUrl: string | URL; pending: PendingAuthorization; store?: StateStore; redactor?: Redactor },
): Promise<OAuth2Token> {
  const credentials = oauth2Credentials(options.credentials, options.connectionName);
  options.redactor?.add(credentials.client_secret);
  let callback: URL;
  try {
    callback = new URL(options.callbackUrl, options.pending.redirectUri);
  } catch {
    throw new Error(`"${String(options.callbackUrl)}" is not a URL: paste the whole address the browser was redirected to`);
  }
  const endpoint = oauth2TokenEndpoint(options.kind, credentials, options.render, { networkPolicy: options.networkPolicy });
  const params = endpoint.validateCallback(callback, options.pending.state);
  const token = await endpoint.exchangeCode(params, options.pending.redirectUri, options.pending.codeVerifier);
  options.redactor?.add(token.access_token, token.refresh_token);
  if (options.store) await createOAuth2TokenStore(options.store, options.connectionName).write(token);
  return token;
}
