import type { Auth } from '../../http/auth.js';
import type { HttpRequest } from '../../http/http-request.js';

/** A credential that never changes (none, api_key, basic, bearer): put on each request as given, never renewed. */
export function staticAuth(kind: string, secrets: string[], apply: (request: HttpRequest) => HttpRequest): Auth {
  return {
    kind,
    apply: async (request) => apply(request),
    refresh: async () => false,
    secrets: () => secrets,
    baseUrl: () => undefined,
  };
}
