import { ConfigError } from '../../config/config-error.js';
import type { ConnectorAuth } from '../../config/connector-schema.js';
import { templateUses } from '../../config/check-template.js';
import type { Auth } from '../../http/auth.js';
import { createTemplateEngine } from '../template-engine.js';
import type { ConnectionAuth } from '../../config/project-schema.js';
import type { NetworkPolicy } from '../../http/network-policy.js';
import type { Redactor } from '../../log/redactor.js';
import { OAuth2Error } from './oauth2-error.js';
import { createOAuth2TokenAuth } from './oauth2-token-auth.js';
import { createOAuth2TokenEndpoint } from './oauth2-token-endpoint.js';
import type { OAuth2Token } from './oauth2-token-store.js';
import { readPrivateKey, signJwt } from './sign-jwt.js';

export type JwtKind = Extract<ConnectorAuth, { type: 'jwt' }>;

/** What createAuth hands the jwt kind. */
export interface JwtAuthOptions {
  kind: JwtKind;
  /** The connection's auth, which may give the private key. */
  credentials: Extract<ConnectionAuth, { type: 'jwt' }>;
  connectionName: string;
  /** The project file, named in errors about the key (default sluice.yaml). */
  file?: string;
  /** The config the claims see. */
  config?: Record<string, string | number | boolean>;
  /** Renders private_key, key_id, token_url and token_params with the connection's config. */
  render: (template: string) => string;
  redactor?: Redactor;
  networkPolicy?: NetworkPolicy;
  /** Time limit of one token exchange (default 30 s). */
  tokenTimeoutMs?: number;
}

/**
 * The jwt kind: signs a JWT with the connection's private key (RS256 or ES256) and sends it as a bearer token, or
 * exchanges it at token_url for an access token (RFC 7523 §2.1). Signed or exchanged again before it expires, and
 * once when the API answers 401.
 */
export async function createJwtAuth(options: JwtAuthOptions): Promise<Auth> {
  const { kind, connectionName: name, credentials, redactor } = options;
  const file = options.file ?? 'sluice.yaml';
  const fromConnection = credentials.private_key !== undefined;
  // Where the key comes from, as the user finds it to fix it.
  const source = fromConnection ? `connections.${name}.auth.private_key` : `connections.${name} (auth.private_key of its connector)`;
  const pem = fromConnection ? credentials.private_key! : kind.private_key === undefined ? undefined : options.render(kind.private_key);
  if (pem === undefined || pem.trim() === '') {
    const message = 'the connector signs a JWT and needs a private key: give auth: { type: jwt, private_key: "${secret:NAME}" }';
    throw new ConfigError([{ file, path: `connections.${name}.auth.private_key`, message }]);
  }
  redactor?.add(pem);
  const key = readPrivateKey(pem, kind.algorithm);
  if ('problem' in key) throw new ConfigError([{ file, path: source, message: `the private key of connection "${name}" is refused: ${key.problem}` }]);
  const keyId = kind.key_id === undefined ? undefined : options.render(kind.key_id) || undefined;

  const engine = createTemplateEngine();
  const claimsAt = (now: number): Record<string, unknown> => {
    const exp = now + kind.lifetime_seconds;
    const context = { config: options.config ?? {}, now, exp };
    const claims: Record<string, unknown> = { iat: now, exp };
    for (const [claim, value] of Object.entries(kind.claims)) {
      if (typeof value !== 'string') {
        claims[claim] = value;
        continue;
      }
      const text = engine.render(value, context, 'text', { role: `auth.claims.${claim}` });
      // A NumericDate (RFC 7519 §2) is a number: `nbf: "{{ now | minus: 60 }}"` must not arrive as a string.
      const timed = templateUses(value, 'now') || templateUses(value, 'exp');
      claims[claim] = timed && /^-?\d{1,15}$/.test(text) ? Number(text) : text;
    }
    return claims;
  };

  const endpoint =
    kind.token_url === undefined
      ? undefined
      : createOAuth2TokenEndpoint({
          tokenUrl: options.render(kind.token_url),
          clientAuth: 'body',
          tokenParams: Object.fromEntries(Object.entries(kind.token_params).map(([k, v]) => [k, options.render(v)])),
          networkPolicy: options.networkPolicy,
          timeoutMs: options.tokenTimeoutMs,
        });

  const renew = async (): Promise<OAuth2Token> => {
    const now = Math.floor(Date.now() / 1000);
    const claims = claimsAt(now);
    const assertion = signJwt({ algorithm: kind.algorithm, key, claims, keyId });
    redactor?.add(assertion);
    const exp = typeof claims.exp === 'number' ? claims.exp : now + kind.lifetime_seconds;
    if (!endpoint) {
      return { access_token: assertion, refresh_token: null, expires_at: new Date(exp * 1000).toISOString(), obtained_at: new Date(now * 1000).toISOString(), token_type: 'Bearer' };
    }
    try {
      return await endpoint.jwtBearer(assertion);
    } catch (e) {
      const reason = e instanceof OAuth2Error || e instanceof Error ? e.message : String(e);
      throw new Error(`could not exchange the signed JWT of connection "${name}" for a token (signed with the key of ${source} in ${file}): ${reason}`);
    }
  };

  return {
    kind: 'jwt',
    ...createOAuth2TokenAuth({ header: kind.header, scheme: kind.scheme, initial: null, renew, secrets: [pem], redactor }),
  };
}
