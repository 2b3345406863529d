import { Agent, fetch as undiciFetch } from 'undici';
import { unreachableCodes } from './describe-network-error.js';
import { guardedConnector } from './guarded-connector.js';
import type { NetworkPolicy } from './network-policy.js';

/** A fetch's call as libraries built on fetch (oauth4webapi's token requests) make it. */
export type FetchFunction = (url: string, init: RequestInit) => Promise<Response>;

// One pool per policy: token requests are rare, and a pool per connection would only hold idle sockets.
const agents = new WeakMap<NetworkPolicy, Agent>();

/**
 * A fetch whose connections obey a network policy, for requests that do not go through HttpClient (OAuth token calls).
 * As HttpClient does in server mode, a refused connection and a timed-out one fail with the same words.
 */
export function guardedFetch(policy: NetworkPolicy, options: { connectTimeoutMs?: number } = {}): FetchFunction {
  let agent = agents.get(policy);
  if (!agent) {
    agent = new Agent({ connect: guardedConnector(policy, { timeout: options.connectTimeoutMs ?? 10_000 }) });
    agents.set(policy, agent);
  }
  const dispatcher = agent;
  return async (url, init) => {
    try {
      // The package's fetch, not the global one: only it takes the package's Agent. Its Response is not the global
      // class, but reads the same (oauth4webapi checks the type by its tag).
      return (await undiciFetch(url, { ...(init as object), dispatcher })) as unknown as Response;
    } catch (error) {
      const cause = (error as { cause?: { code?: unknown } }).cause;
      if (policy.denyPrivateAddresses && typeof cause?.code === 'string' && unreachableCodes.has(cause.code)) {
        throw new TypeError('fetch failed', { cause: Object.assign(new Error(`could not connect to ${new URL(url).host}`), { code: 'ECONNREFUSED' }) });
      }
      throw error;
    }
  };
}
