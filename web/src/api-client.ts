import { ApiError, ServerUnreachableError } from './api-error.js';
import { reportInvalidProject } from './project-validity.js';
import { reportAnswer, reportUnreachable } from './server-reachability.js';
import type { ApiErrorCode, ApiErrorParams } from '../../src/api/api-error-body.js';
import type { ConfigIssue } from '../../src/api/config-issue.js';

let token: string | null = null;
let onUnauthorized: () => void = () => {};

/** Sets the bearer token sent with every call, and what to do when the server refuses it. */
export function configureApi(options: { token: string | null; onUnauthorized: () => void }): void {
  token = options.token;
  onUnauthorized = options.onUnauthorized;
}

/** Sends a request to the Sluice API with the bearer token; a non-2xx answer throws an ApiError. */
export async function apiFetch(path: string, init: { method?: string; body?: unknown; signal?: AbortSignal } = {}): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (init.body !== undefined) headers['Content-Type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, {
      method: init.method ?? 'GET',
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: init.signal,
    });
  } catch (e) {
    // An abort is the caller's own doing; anything else thrown before an answer is a server that cannot be reached.
    if (init.signal?.aborted || !(e instanceof TypeError)) throw e;
    reportUnreachable();
    throw new ServerUnreachableError(e.message);
  }
  reportAnswer();
  if (response.ok) return response;
  const text = await response.text();
  let message = text || `${response.status} ${response.statusText}`;
  let issues: ConfigIssue[] = [];
  let code: ApiErrorCode | undefined;
  let params: ApiErrorParams = {};
  try {
    const json = JSON.parse(text) as { error?: string; message?: string; issues?: ConfigIssue[]; code?: ApiErrorCode; params?: ApiErrorParams };
    message = json.error ?? json.message ?? message;
    issues = Array.isArray(json.issues) ? json.issues : [];
    code = typeof json.code === 'string' ? json.code : undefined;
    params = json.params && typeof json.params === 'object' ? json.params : {};
  } catch {
    // a plain-text error body is shown as it is
  }
  if (response.status === 401) onUnauthorized();
  if (code === 'invalid_project') reportInvalidProject(issues);
  throw new ApiError(response.status, message, issues, code, params);
}

/** Calls the API and parses its JSON answer. */
export async function api<T>(path: string, init: { method?: string; body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
  const response = await apiFetch(path, init);
  const text = await response.text();
  return (text === '' ? null : JSON.parse(text)) as T;
}
