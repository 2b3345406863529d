import type { Redactor } from '../log/redactor.js';
import type { HttpRequest } from '../http/http-request.js';
import { isSecretHeader, maskHeaderValue, maskUrl } from './mask-request.js';
import { bodyText } from './request-body.js';

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
    lines.push(`  -H ${shellQuote(`${name}: ${isSecretHeader(name) ? maskHeaderValue(value) : value}`)}`);
  }
  const body = bodyText(request.body);
  if (body !== null && body !== '') lines.push(`  --data-raw ${shellQuote(body)}`);
  const text = lines.join(' \\\n');
  return options.redactor ? options.redactor.mask(text) : text;
}
