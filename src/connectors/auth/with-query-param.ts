import type { HttpRequest } from '../../http/http-request.js';
import { percentEncode } from '../percent-encode.js';

/**
 * The request with `<name>=<value>` as the query's last parameter, percent-encoded as encodeURIComponent writes it
 * (a form the redactor masks), replacing a parameter of that name. The rest of the URL is kept byte for byte:
 * URLSearchParams would re-encode every other parameter (`%20` becoming `+`).
 */
export function withQueryParam(request: HttpRequest, name: string, value: string): HttpRequest {
  const hashAt = request.url.indexOf('#');
  const url = hashAt < 0 ? request.url : request.url.slice(0, hashAt);
  const queryAt = url.indexOf('?');
  const path = queryAt < 0 ? url : url.slice(0, queryAt);
  const pairs = queryAt < 0 ? [] : url.slice(queryAt + 1).split('&').filter((pair) => pair !== '' && paramName(pair) !== name);
  pairs.push(`${percentEncode(name)}=${percentEncode(value)}`);
  return { ...request, headers: { ...request.headers }, url: `${path}?${pairs.join('&')}` };
}

/** The value of a query parameter as a server reads it, or undefined (the credential a request carried). */
export function queryParam(url: string, name: string): string | undefined {
  try {
    return new URL(url).searchParams.get(name) ?? undefined;
  } catch {
    return undefined;
  }
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
