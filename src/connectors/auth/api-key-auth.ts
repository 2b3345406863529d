import type { ConnectorAuth } from '../../config/connector-schema.js';
import type { Auth } from './auth.js';
import { withHeader } from './with-header.js';

export type ApiKeyKind = Extract<ConnectorAuth, { type: 'api_key' }>;

/** An API key in a header (`<name>: [<scheme> ]<key>`) or in the query string (`?<name>=<key>`). */
export function createApiKeyAuth(options: { kind: ApiKeyKind; credentials: { key: string } }): Auth {
  const { kind } = options;
  const { key } = options.credentials;
  return {
    kind: 'api_key',
    apply: async (request) => {
      if (kind.in === 'query') {
        const url = new URL(request.url);
        url.searchParams.set(kind.name, key);
        return { ...request, headers: { ...request.headers }, url: url.toString() };
      }
      return withHeader(request, kind.name, kind.scheme ? `${kind.scheme} ${key}` : key);
    },
    refresh: async () => false,
    secrets: () => [key],
    baseUrl: () => undefined,
  };
}
