import { ConfigError } from '../../config/config-error.js';
import type { ConnectorAuth } from '../../config/connector-schema.js';
import type { ConnectionAuth } from '../../config/project-schema.js';
import type { NetworkPolicy } from '../../http/network-policy.js';
import type { Redactor } from '../../log/redactor.js';
import type { StateStore } from '../../state/state-store.js';
import { createApiKeyAuth } from './api-key-auth.js';
import type { Auth } from '../../http/auth.js';
import { createBasicAuth } from './basic-auth.js';
import { createBearerAuth } from './bearer-auth.js';
import { createNoneAuth } from './none-auth.js';

/** What `createAuth` needs: the connector's accepted kinds and the connection's credentials. */
export interface CreateAuthOptions {
  /** The auth kinds the connector accepts (its `auth:` list). */
  kinds: ConnectorAuth[];
  /** The connection's `auth:` from sluice.yaml. */
  credentials: ConnectionAuth;
  connectionName: string;
  /** Where OAuth tokens are kept (encrypted). */
  store?: StateStore;
  /** Receives the credential's secrets so every output masks them. */
  redactor?: Redactor;
  /** Renders templates in token URLs with the connection's config. */
  render: (template: string) => string;
  /** The project file, for the error when the kinds do not fit (default `sluice.yaml`). */
  file?: string;
  /** Where OAuth token requests may connect (server mode refuses private addresses); default anywhere. */
  networkPolicy?: NetworkPolicy;
  /** Time limit of one OAuth token request (default 30 s). */
  tokenTimeoutMs?: number;
  /** The connection's base URL: a session's login goes there, and only to its origin. */
  baseUrl?: string;
  /** The config templates see (`config.*`), for templates that also see their own variables (a JWT's claims). */
  config?: Record<string, string | number | boolean>;
  /** Told what a user should know but that does not stop the run (an API key skipped); default: stderr. */
  warn?: (message: string) => void;
}

export type AuthType = ConnectorAuth['type'];

/** What one auth factory receives: createAuth's options with the matched connector kind and credentials. */
export type AuthFactoryOptions<T extends AuthType> = Omit<CreateAuthOptions, 'credentials'> & {
  kind: Extract<ConnectorAuth, { type: T }>;
  credentials: Extract<ConnectionAuth, { type: T }>;
};

type AuthFactories = { [T in AuthType]: (options: AuthFactoryOptions<T>) => Promise<Auth> };

/** One factory per auth kind; add a kind here (and to both schemas) to support it. */
const authFactories: AuthFactories = {
  none: async () => createNoneAuth(),
  api_key: async (options) => createApiKeyAuth(options),
  basic: async (options) => createBasicAuth(options),
  bearer: async (options) => createBearerAuth(options),
  // OAuth kinds live in the OAuth module (oauth2-*.ts); imported lazily so static connections never load it.
  oauth2: async (options) => (await import('./oauth2-auth.js')).createOAuth2Auth(options),
  oauth2_client_credentials: async (options) =>
    (await import('./oauth2-client-credentials-auth.js')).createClientCredentialsAuth(options),
  session: async (options) => (await import('./session-auth.js')).createSessionAuth(options),
  jwt: async (options) => (await import('./jwt-auth.js')).createJwtAuth(options),
};

/** The Auth for a connection: the connector's kind matching the connection's `auth.type`, built by its factory. */
export async function createAuth(options: CreateAuthOptions): Promise<Auth> {
  const { credentials, kinds, connectionName } = options;
  const kind = kinds.find((k) => k.type === credentials.type);
  if (!kind) {
    const accepted = kinds.map((k) => k.type).join(', ');
    const message =
      credentials.type === 'none'
        ? `connection "${connectionName}" has no auth, but its connector needs one of: ${accepted}`
        : `connection "${connectionName}" gives auth type ${credentials.type}, but its connector accepts: ${accepted}`;
    throw new ConfigError([{ file: options.file ?? 'sluice.yaml', path: `connections.${connectionName}.auth.type`, message }]);
  }
  // TypeScript cannot correlate `kind` and `credentials` through the lookup; they share `type` by construction.
  const factory = authFactories[kind.type] as (o: AuthFactoryOptions<AuthType>) => Promise<Auth>;
  const auth = await factory({ ...options, kind, credentials } as AuthFactoryOptions<AuthType>);
  options.redactor?.add(...auth.secrets());
  return auth;
}
