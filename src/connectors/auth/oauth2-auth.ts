import type { ConnectorAuth } from '../../config/connector-schema.js';
import type { ConnectionAuth } from '../../config/project-schema.js';
import type { NetworkPolicy } from '../../http/network-policy.js';
import type { Redactor } from '../../log/redactor.js';
import type { StateStore } from '../../state/state-store.js';
import type { Auth } from '../../http/auth.js';
import { OAuth2Error } from './oauth2-error.js';
import { createOAuth2TokenAuth } from './oauth2-token-auth.js';
import { createOAuth2TokenEndpoint, type OAuth2TokenEndpoint } from './oauth2-token-endpoint.js';
import { tokenExpiresSoon } from './oauth2-token-expiry.js';
import { createOAuth2TokenStore, type OAuth2Token } from './oauth2-token-store.js';

/** The connector's authorization-code auth kind. */
export type OAuth2Kind = Extract<ConnectorAuth, { type: 'oauth2' }>;
/** The connection's credentials for it. */
export type OAuth2Credentials = Extract<ConnectionAuth, { type: 'oauth2' }>;

/** What createAuth hands an OAuth auth kind. */
export interface OAuth2AuthOptions<K> {
  kind: K;
  /** The connection's `auth` from sluice.yaml. */
  credentials: ConnectionAuth;
  connectionName: string;
  /** Where tokens are kept (encrypted); without it nothing can be stored or refreshed across runs. */
  store?: StateStore;
  redactor?: Redactor;
  /** Renders a template such as token_url with the connection's config. */
  render: (template: string) => string;
  /** Where token requests may connect (server mode refuses private addresses); default anywhere. */
  networkPolicy?: NetworkPolicy;
  /** Time limit of one token request (default 30 s). */
  tokenTimeoutMs?: number;
}

/** The message a user reads when a run needs tokens that `sluice connect` has not stored yet. */
export const notAuthorizedMessage = (name: string) => `connection "${name}" is not authorized yet: run \`sluice connect ${name}\``;

/** The message a user reads when the provider refuses the refresh token for good. */
export const revokedMessage = (name: string) =>
  `the OAuth grant of connection "${name}" was revoked or expired: reconnect with \`sluice connect ${name}\``;

/** Checks that the connection gives oauth2 credentials and returns them. */
export function oauth2Credentials(credentials: ConnectionAuth, connectionName: string): OAuth2Credentials {
  if (credentials.type !== 'oauth2') {
    throw new Error(
      `connection "${connectionName}" uses OAuth 2.0: give auth: { type: oauth2, client_id, client_secret } (got type ${credentials.type})`,
    );
  }
  return credentials;
}

/** The token endpoint of an authorization-code connection, its templates rendered. */
export function oauth2TokenEndpoint(
  kind: OAuth2Kind,
  credentials: OAuth2Credentials,
  render: (t: string) => string,
  transport: { networkPolicy?: NetworkPolicy; tokenTimeoutMs?: number } = {},
): OAuth2TokenEndpoint {
  return createOAuth2TokenEndpoint({
    networkPolicy: transport.networkPolicy,
    timeoutMs: transport.tokenTimeoutMs,
    tokenUrl: render(kind.token_url),
    refreshUrl: kind.refresh_url ? render(kind.refresh_url) : null,
    clientId: credentials.client_id,
    clientSecret: credentials.client_secret,
    clientAuth: kind.client_auth,
    tokenParams: Object.fromEntries(Object.entries(kind.token_params).map(([k, v]) => [k, render(v)])),
    baseUrlFrom: kind.base_url_from,
  });
}

/** The authorization-code auth kind: sends the stored access token and refreshes it, never two refreshes at once. */
export async function createOAuth2Auth(options: OAuth2AuthOptions<OAuth2Kind>): Promise<Auth> {
  const { kind, connectionName: name } = options;
  const credentials = oauth2Credentials(options.credentials, name);
  const endpoint = oauth2TokenEndpoint(kind, credentials, options.render, options);
  const tokens = options.store ? createOAuth2TokenStore(options.store, name) : null;

  const renew = async (current: OAuth2Token | null): Promise<OAuth2Token> => {
    const stored = tokens ? await tokens.read() : null;
    if (!current && !stored) throw new Error(notAuthorizedMessage(name));
    // Another process (the scheduler, a second run) may have refreshed already: its token is the newest.
    if (stored && stored.access_token !== current?.access_token && !tokenExpiresSoon(stored)) return stored;
    const base = stored ?? current!;
    let next: OAuth2Token;
    try {
      next = await endpoint.refresh(base);
    } catch (e) {
      if (e instanceof OAuth2Error && e.code === 'invalid_grant') throw new Error(revokedMessage(name));
      const reason = e instanceof Error ? e.message : String(e);
      throw new Error(`could not refresh the OAuth token of connection "${name}": ${reason}`);
    }
    // A rotated refresh token is the only key to the grant: it is stored before the new access token is used.
    if (tokens) await tokens.write(next);
    return next;
  };

  return {
    kind: 'oauth2',
    ...createOAuth2TokenAuth({
      header: kind.header,
      scheme: kind.scheme,
      baseUrlFrom: kind.base_url_from,
      initial: tokens ? await tokens.read() : null,
      renew,
      secrets: credentials.client_secret ? [credentials.client_secret] : [],
      redactor: options.redactor,
    }),
  };
}
