import type { Auth } from '../../http/auth.js';

/** No credential: requests go out as they are. */
export function createNoneAuth(): Auth {
  return {
    kind: 'none',
    apply: async (request) => request,
    refresh: async () => false,
    secrets: () => [],
    baseUrl: () => undefined,
  };
}
