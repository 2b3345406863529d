import type { ConnectorAuth } from '../../config/connector-schema.js';
import type { Auth } from '../../http/auth.js';
import { staticAuth } from './static-auth.js';
import { withHeader } from './with-header.js';

export type BasicKind = Extract<ConnectorAuth, { type: 'basic' }>;

/** HTTP Basic authentication (RFC 7617): `<header>: Basic base64(username:password)`. */
export function createBasicAuth(options: { kind: BasicKind; credentials: { username: string; password: string } }): Auth {
  const { username, password } = options.credentials;
  const encoded = Buffer.from(`${username}:${password}`, 'utf8').toString('base64');
  // The secrets are what is sent, as sent: base64 of `user:password` does not contain base64 of the password alone.
  // The scheme (`Basic`) stays readable in a masked header, as in curl previews.
  return staticAuth('basic', [password, `${username}:${password}`, encoded], (request) => withHeader(request, options.kind.header, `Basic ${encoded}`));
}
