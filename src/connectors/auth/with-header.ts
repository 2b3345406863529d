import type { HttpRequest } from '../../http/http-request.js';

/** A copy of the request with one header set, replacing any header of the same name in another letter case. */
export function withHeader(request: HttpRequest, name: string, value: string): HttpRequest {
  const lower = name.toLowerCase();
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(request.headers)) if (k.toLowerCase() !== lower) headers[k] = v;
  headers[name] = value;
  return { ...request, headers };
}
