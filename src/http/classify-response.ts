import type { ResponseRule } from './request-policy.js';
import type { Classification } from './classification.js';
import type { HttpResponse } from './http-response.js';

/** Options of `classifyResponse` beyond the rules. */
export interface ClassifyOptions {
  /** The connector's `retry.on_status`: statuses retried besides 408 and 5xx. */
  onStatus?: readonly number[];
  /** Renders a rule's `message` template against `{ response }`; without it the message is used as written. */
  render?: (template: string, context: object) => string;
}

/**
 * Decides what a response means: the connector's `responses:` rules first (first match wins), then the defaults
 * (2xx success; 401 or `WWW-Authenticate: ... invalid_token` refresh_auth; 429 rate_limited; `on_status`, 408 and
 * 5xx retry; anything else reject). A throwing `evaluate` propagates: a broken rule is the connector's bug.
 */
export function classifyResponse(
  response: HttpResponse,
  rules: readonly ResponseRule[],
  evaluate: (condition: string, context: object) => boolean,
  options: ClassifyOptions = {},
): Classification {
  // Built only for a connector with rules: most have none, and this runs for every response.
  let context: { response: Pick<HttpResponse, 'status' | 'headers' | 'body'> } | undefined;
  for (const rule of rules) {
    context ??= { response: { status: response.status, headers: response.headers, body: response.body } };
    if (!evaluate(rule.when, context)) continue;
    if (rule.message === undefined) return { action: rule.action };
    const message = options.render ? options.render(rule.message, context) : rule.message;
    return message.trim() ? { action: rule.action, message: message.trim() } : { action: rule.action };
  }
  return { action: defaultAction(response, options.onStatus ?? []) };
}

function defaultAction(response: HttpResponse, onStatus: readonly number[]): Classification['action'] {
  const { status } = response;
  if (status >= 200 && status < 300) return 'success';
  if (status === 401 || /invalid_token/i.test(response.headers['www-authenticate'] ?? '')) return 'refresh_auth';
  if (status === 429) return 'rate_limited';
  if (status === 408 || status >= 500 || onStatus.includes(status)) return 'retry';
  return 'reject';
}
