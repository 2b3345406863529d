import type { ConnectionAuth } from '../../src/config/project-schema.js';
import type { OAuth2Kind } from '../../src/connectors/auth/oauth2-auth.js';
import { completeAuthorization, startAuthorization } from '../../src/connectors/auth/oauth2-authorization.js';
import type { OAuth2Token } from '../../src/connectors/auth/oauth2-token-store.js';
import type { StateStore } from '../../src/state/state-store.js';

/**
 * Runs the authorization-code flow against the sandbox provider the way a browser would: opens the
 * authorization URL, takes the redirect's Location as the callback, and completes it (storing the tokens).
 */
export async function authorizeWithSandbox(options: {
  kind: OAuth2Kind;
  credentials: ConnectionAuth;
  connectionName: string;
  render: (template: string) => string;
  store?: StateStore;
  redirectUri?: string;
}): Promise<OAuth2Token> {
  const redirectUri = options.redirectUri ?? 'http://127.0.0.1:9/oauth/callback';
  const pending = await startAuthorization({ ...options, redirectUri });
  const response = await fetch(pending.url, { redirect: 'manual' });
  const location = response.headers.get('location');
  if (response.status !== 302 || !location) throw new Error(`the provider did not redirect: ${response.status} ${await response.text()}`);
  return completeAuthorization({ ...options, callbackUrl: location, pending });
}
