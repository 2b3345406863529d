import { STATUS_CODES } from 'node:http';
import type { ResponseRule } from '../config/connector-schema.js';
import type { Classification } from './classification.js';
import type { HttpResponse } from './http-response.js';

/** Longest API message kept in an error, so an HTML error page does not flood the rejected-rows list. */
const MAX_MESSAGE_LENGTH = 500;

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

/** `503 Service Unavailable` (just the code when the status has no standard reason phrase). */
export function statusLine(status: number): string {
  const reason = STATUS_CODES[status];
  return reason ? `${status} ${reason}` : String(status);
}

/**
 * The API's own message for a response, without the status: the connector's `error_message` template when given
 * and not empty, else the first of `message`, `error.message`, `errors[0].message`, `[0].message`,
 * `error_description`, `error` (a string), `title`, else the body text; at most 500 characters.
 */
export function apiMessage(response: HttpResponse, template?: (response: HttpResponse) => string): string {
  if (template) {
    const rendered = template(response).trim();
    if (rendered) return truncate(rendered);
  }
  return truncate(extractMessage(response.body) ?? response.text.trim());
}

/** `<status> <reason>: <the API's message>` (see `apiMessage`), or just the status line when the API said nothing. */
export function errorMessage(response: HttpResponse, template?: (response: HttpResponse) => string): string {
  const message = apiMessage(response, template);
  return message ? `${statusLine(response.status)}: ${message}` : statusLine(response.status);
}

function extractMessage(body: unknown): string | undefined {
  const candidates = [
    at(body, 'message'),
    at(at(body, 'error'), 'message'),
    at(at(at(body, 'errors'), 0), 'message'),
    at(at(body, 0), 'message'),
    at(body, 'error_description'),
    at(body, 'error'),
    at(body, 'title'),
  ];
  for (const c of candidates) if (typeof c === 'string' && c.trim()) return c.trim();
  return undefined;
}

function at(value: unknown, key: string | number): unknown {
  if (typeof key === 'number') return Array.isArray(value) ? value[key] : undefined;
  if (value && typeof value === 'object' && !Array.isArray(value) && Object.hasOwn(value, key)) {
    return (value as Record<string, unknown>)[key];
  }
  return undefined;
}

function truncate(text: string): string {
  return text.length > MAX_MESSAGE_LENGTH ? `${text.slice(0, MAX_MESSAGE_LENGTH)}…` : text;
}
