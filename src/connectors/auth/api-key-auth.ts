import type { ConnectorAuth } from '../../config/connector-schema.js';
import type { Auth } from '../../http/auth.js';
import type { HttpRequest } from '../../http/http-request.js';
import { percentEncode } from '../percent-encode.js';
import { staticAuth } from './static-auth.js';
import { withHeader } from './with-header.js';

export type ApiKeyKind = Extract<ConnectorAuth, { type: 'api_key' }>;

/** An API key in a header (`<name>: [<scheme> ]<key>`) or in the query string (`?<name>=<key>`). */
export function createApiKeyAuth(options: { kind: ApiKeyKind; credentials: { key: string } }): Auth {
  const { kind } = options;
  const { key } = options.credentials;
  const header = kind.scheme ? `${kind.scheme} ${key}` : key;
  return staticAuth('api_key', [key], (request) => (kind.in === 'query' ? withQueryKey(request, kind.name, key) : withHeader(request, kind.name, header)));
}

/**
 * The request with `<name>=<key>` as the query's last parameter, percent-encoded as encodeURIComponent writes it
 * (a form the redactor masks), replacing a parameter of that name. The rest of the URL is kept byte for byte:
 * URLSearchParams would re-encode every other parameter (`%20` becoming `+`).
 */
function withQueryKey(request: HttpRequest, name: string, key: string): HttpRequest {
  const hashAt = request.url.indexOf('#');
  const url = hashAt < 0 ? request.url : request.url.slice(0, hashAt);
  const queryAt = url.indexOf('?');
  const path = queryAt < 0 ? url : url.slice(0, queryAt);
  const pairs = queryAt < 0 ? [] : url.slice(queryAt + 1).split('&').filter((pair) => pair !== '' && paramName(pair) !== name);
  pairs.push(`${percentEncode(name)}=${percentEncode(key)}`);
  return { ...request, headers: { ...request.headers }, url: `${path}?${pairs.join('&')}` };
}

/** A query parameter's name, decoded as a server reads it (`+` is a space). */
function paramName(pair: string): string {
  const eq = pair.indexOf('=');
  const name = (eq < 0 ? pair : pair.slice(0, eq)).replace(/\+/g, ' ');
  try {
    return decodeURIComponent(name);
  } catch {
    return name;
  }
}
