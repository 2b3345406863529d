import type { LoadedProject } from '../../config/load-project.js';
import { resolveHttpConnection } from '../../config/resolve-http-connection.js';
import { createTemplateEngine } from '../template-engine.js';
import type { OAuth2Credentials } from './oauth2-auth.js';
import type { AuthorizationOptions } from './oauth2-authorization.js';

/** Why a connection cannot be authorized; each shell words it for its user (a CLI usage error, an HTTP 400). */
export type AuthorizationRefusal =
  | { refused: 'unknown_connection' }
  | { refused: 'not_http'; type: string }
  | { refused: 'no_oauth2'; connector: string | undefined }
  | { refused: 'not_oauth2_auth'; authType: string };

/** What the authorization request of a connection is: the flow to start, and the redirect URI its auth fixes. */
export interface ConnectionAuthorization {
  flow: AuthorizationOptions;
  /** The connection's `auth.redirect_uri` (registered at the provider), when it gives one. */
  redirectUri: string | undefined;
  /** The connector's name, for messages. */
  connector: string;
}

/**
 * The one place `sluice connect` and the server's authorize route learn how to authorize a connection: its
 * connector's oauth2 kind, its client credentials, and templates (authorization_url, token_url) rendered with the
 * connection's resolved config. Token calls go where the loaded project's network policy allows.
 */
export function connectionAuthorization(loaded: LoadedProject, name: string): ConnectionAuthorization | AuthorizationRefusal {
  const connection = loaded.project.connections[name];
  if (!connection) return { refused: 'unknown_connection' };
  if (connection.type !== 'http') return { refused: 'not_http', type: connection.type };
  const spec = loaded.connectors[name]?.spec;
  if (!spec || !spec.auth.some((a) => a.type === 'oauth2')) return { refused: 'no_oauth2', connector: spec?.name };
  if (connection.auth.type !== 'oauth2') return { refused: 'not_oauth2_auth', authType: connection.auth.type };
  const credentials: OAuth2Credentials = connection.auth;
  const { authKind: kind, config } = resolveHttpConnection(name, connection, spec);
  if (kind?.type !== 'oauth2') return { refused: 'no_oauth2', connector: spec.name };
  const engine = createTemplateEngine();
  return {
    flow: {
      kind,
      credentials,
      connectionName: name,
      networkPolicy: loaded.networkPolicy,
      render: (template) => engine.render(template, { config }, 'text', { role: 'auth' }),
    },
    redirectUri: credentials.redirect_uri,
    connector: spec.name,
  };
}
