import type { Redactor } from '../log/redactor.js';
import type { HttpRequest } from '../http/http-request.js';
import { bodyText } from './request-body.js';

const secretHeader = /^(authorization|proxy-authorization|cookie|set-cookie)$|api[-_]?key|token|secret|password|auth/i;
const secretParam = /^(key|code|sig|signature)$|api[-_]?key|token|secret|password|auth/i;

/** The value with its credential masked; an auth scheme (`Bearer`, `Basic`) stays readable. */
function maskHeaderValue(value: string): string {
  const scheme = /^(\w+) +\S/.exec(value);
  return scheme && /^(bearer|basic|token|digest|hmac|apikey|sso-key)$/i.test(scheme[1]!) ? `${scheme[1]} ****` : '****';
}

/** The URL with the values of credential-looking query parameters masked. */
function maskUrl(url: string, extraParams: ReadonlySet<string>): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const hash = url.indexOf('#', q);
  const query = url.slice(q + 1, hash < 0 ? undefined : hash);
  const masked = query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return pair;
      let name = pair.slice(0, eq);
      try {
        name = decodeURIComponent(name.replace(/\+/g, ' '));
      } catch {
        // A malformed name is matched as written.
      }
      return secretParam.test(name) || extraParams.has(name) ? `${pair.slice(0, eq)}=****` : pair;
    })
    .join('&');
  return url.slice(0, q + 1) + masked + (hash < 0 ? '' : url.slice(hash));
}

/** Quotes a word for a POSIX shell. */
function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * The request as a copy-pasteable curl command with every secret masked: the redactor's known secrets anywhere,
 * credential headers (Authorization, Cookie, *api-key*, *token*...) and credential query parameters
 * (plus `secretParams`, such as an api_key auth's parameter name).
 */
export function requestAsCurl(
  request: HttpRequest,
  options: { redactor?: Redactor; secretParams?: Iterable<string> } = {},
): string {
  const url = maskUrl(request.url, new Set(options.secretParams ?? []));
  const lines = [`curl -X ${request.method.toUpperCase()} '${url.replace(/'/g, `'\\''`)}'`];
  for (const [name, value] of Object.entries(request.headers)) {
    lines.push(`  -H ${shellQuote(`${name}: ${secretHeader.test(name) ? maskHeaderValue(value) : value}`)}`);
  }
  const body = bodyText(request.body);
  if (body !== null && body !== '') lines.push(`  --data-raw ${shellQuote(body)}`);
  const text = lines.join(' \\\n');
  return options.redactor ? options.redactor.mask(text) : text;
}
