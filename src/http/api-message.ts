import type { HttpResponse } from './http-response.js';
import { statusLine } from './status-line.js';

/** Longest API message kept in an error, so an HTML error page does not flood the rejected-rows list. */
const MAX_MESSAGE_LENGTH = 500;

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
