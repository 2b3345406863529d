import type { HttpResponse } from '../../http/http-response.js';
import { statusLine } from '../../http/status-line.js';
import type { Redactor } from '../../log/redactor.js';

/** How many characters of an unreadable body an error quotes. */
const BODY_EXCERPT = 200;

/**
 * `<status>: <why>: <the first bytes of the body>`, for a response an endpoint cannot read: its rows fail (and are
 * sent again next run) instead of passing as delivered with no id. Masked before it is cut, so no secret is cut in half.
 */
export function unreadableAnswer(redactor: Redactor, response: HttpResponse, why: string): string {
  const text = redactor.mask(response.text).replace(/\s+/g, ' ').trim();
  const excerpt = text === '' ? '(empty body)' : text.length > BODY_EXCERPT ? `${text.slice(0, BODY_EXCERPT)}...` : text;
  return `${statusLine(response.status)}: ${why}: ${excerpt}`;
}

/** A body that came as text although the endpoint reads JSON from it (an HTML error page, a proxy's answer). */
export function notJson(response: HttpResponse): boolean {
  return typeof response.body === 'string' && response.body === response.text && response.text.trim() !== '';
}
