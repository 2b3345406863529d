import type { ConnectorAuth } from '../../config/connector-schema.js';
import type { Auth } from '../../http/auth.js';
import type { OAuth2AuthOptions } from './oauth2-auth.js';
import { OAuth2Error } from './oauth2-error.js';
import { createOAuth2TokenAuth } from './oauth2-token-auth.js';
import { createOAuth2TokenEndpoint } from './oauth2-token-endpoint.js';

/** The connector's client-credentials auth kind. */
export type ClientCredentialsKind = Extract<ConnectorAuth, { type: 'oauth2_client_credentials' }>;

/** The client-credentials auth kind: fetches a token on first use, and again when it expires or the API refuses it. */
export async function createClientCredentialsAuth(options: OAuth2AuthOptions<ClientCredentialsKind>): Promise<Auth> {
  const { kind, credentials, connectionName: name } = options;
  if (credentials.type !== 'oauth2_client_credentials') {
    throw new Error(
      `connection "${name}" uses the OAuth 2.0 client-credentials grant: give auth: { type: oauth2_client_credentials, client_id, client_secret } (got type ${credentials.type})`,
    );
  }
  const endpoint = createOAuth2TokenEndpoint({
    tokenUrl: options.render(kind.token_url),
    clientId: credentials.client_id,
    clientSecret: credentials.client_secret,
    clientAuth: kind.client_auth,
    tokenParams: Object.fromEntries(Object.entries(kind.token_params).map(([k, v]) => [k, options.render(v)])),
    baseUrlFrom: kind.base_url_from,
    networkPolicy: options.networkPolicy,
    timeoutMs: options.tokenTimeoutMs,
  });

  return {
    kind: 'oauth2_client_credentials',
    ...createOAuth2TokenAuth({
      header: kind.header,
      scheme: kind.scheme,
      baseUrlFrom: kind.base_url_from,
      initial: null,
      async renew() {
        try {
          return await endpoint.clientCredentials(kind.scopes);
        } catch (e) {
          const reason = e instanceof OAuth2Error || e instanceof Error ? e.message : String(e);
          throw new Error(`could not get an OAuth token for connection "${name}": ${reason}`);
        }
      },
      secrets: [credentials.client_secret],
      redactor: options.redactor,
    }),
  };
}
