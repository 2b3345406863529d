import type { ConnectorAuth } from '../../config/connector-schema.js';
import type { Auth } from '../../http/auth.js';
import { staticAuth } from './static-auth.js';
import { withHeader } from './with-header.js';

export type BearerKind = Extract<ConnectorAuth, { type: 'bearer' }>;

/** A static token: `<header>: <scheme> <token>` (`Authorization: Bearer <token>` by default; no scheme when empty). */
export function createBearerAuth(options: { kind: BearerKind; credentials: { token: string } }): Auth {
  const { kind } = options;
  const { token } = options.credentials;
  const value = kind.scheme ? `${kind.scheme} ${token}` : token;
  return staticAuth('bearer', [token], (request) => withHeader(request, kind.header, value));
}
