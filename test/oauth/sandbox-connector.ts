import { connectorAuthSchema } from '../../src/config/connector-schema.js';
import type { OAuth2Kind } from '../../src/connectors/auth/oauth2-auth.js';
import type { ClientCredentialsKind } from '../../src/connectors/auth/oauth2-client-credentials-auth.js';

/** The oauth2 auth kind of a connector pointing at the sandbox provider, through the real schema (defaults filled). */
export function sandboxOAuth2Kind(overrides: Record<string, unknown> = {}): OAuth2Kind {
  return connectorAuthSchema.parse({
    type: 'oauth2',
    authorization_url: '{{ config.provider }}/authorize',
    token_url: '{{ config.provider }}/token',
    scopes: ['records.read', 'records.write'],
    ...overrides,
  }) as OAuth2Kind;
}

/** The client-credentials auth kind of a connector pointing at the sandbox provider. */
export function sandboxClientCredentialsKind(overrides: Record<string, unknown> = {}): ClientCredentialsKind {
  return connectorAuthSchema.parse({
    type: 'oauth2_client_credentials',
    token_url: '{{ config.provider }}/token',
    ...overrides,
  }) as ClientCredentialsKind;
}
