// What a kept or printed request shows of a credential: credential-looking headers and query parameters are masked by
// name, whatever their value (the redactor masks the secrets it knows, wherever they are). Shared by the curl text of
// previews and rejected rows, and by the debugger's kept exchanges.

const secretHeader = /^(authorization|proxy-authorization|cookie|set-cookie)$|api[-_]?key|token|secret|password|auth/i;
const secretParam = /^(key|code|sig|signature)$|api[-_]?key|token|secret|password|auth/i;

/** Whether a header (of a request or a response) carries a credential by its name. */
export function isSecretHeader(name: string): boolean {
  return secretHeader.test(name);
}

/** The value with its credential masked; an auth scheme (`Bearer`, `Basic`) stays readable. */
export function maskHeaderValue(value: string): string {
  const scheme = /^(\w+) +\S/.exec(value);
  return scheme && /^(bearer|basic|token|digest|hmac|apikey|sso-key)$/i.test(scheme[1]!) ? `${scheme[1]} ****` : '****';
}

/** The headers with the values of credential headers masked (names kept as given). */
export function maskHeaders(headers: Record<string, string>): Record<string, string> {
  const masked: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) masked[name] = secretHeader.test(name) ? maskHeaderValue(value) : value;
  return masked;
}

/** The URL with the values of credential-looking query parameters masked (and of `extraParams`, by exact name). */
export function maskUrl(url: string, extraParams: ReadonlySet<string>): string {
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
