import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { allowedHostHeader, type HostHeaderOptions } from './allowed-host-header.js';
import { routeAccess } from './route-access.js';
import { presentedTokenMatches, tokenMatches } from './token-matches.js';

/** What the guard checks requests against. */
export interface RequestGuardOptions extends HostHeaderOptions {
  adminToken: string;
  operatorToken: string;
  /** The token that may read /metrics alone (SLUICE_METRICS_TOKEN); none when unset. */
  metricsToken?: string;
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const SSE_ROUTE = '/api/runs/:id/events';

function hasBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function isJson(contentType: string | undefined): boolean {
  return /^application\/json\s*(;|$)/i.test(contentType ?? '');
}

/**
 * Decides every request before its handler runs, on the route the router matched (so a percent-encoded path
 * is judged as the route it reaches): a `Host` this server does not answer to gets 421; a state-changing API
 * request with a body that is not JSON gets 415 (a browser form cannot send JSON without a preflight); an API route
 * needs a token of its role (401 without a valid one, 403 with the operator token on an admin route).
 */
export function guardRequests(app: FastifyInstance, options: RequestGuardOptions): void {
  const hostAllowed = allowedHostHeader(options);
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (!hostAllowed(request.headers.host)) {
      return reply.code(421).send({ error: 'this server does not answer to that host name (list it with --public-url or SLUICE_ALLOWED_HOSTS)', code: 'bad_request' });
    }
    const url = request.routeOptions.url;
    // No route matched: the not-found handler answers (a JSON 404 under /api/, the web UI's index.html elsewhere).
    if (url === undefined) return;
    const access = routeAccess(request.method, url);
    if (access === 'public') return;
    const header = request.headers.authorization;
    // EventSource cannot send headers: the SSE route also takes ?access_token= (RFC 6750 §2.3).
    const presented = url === SSE_ROUTE ? (request.query as { access_token?: string } | undefined)?.access_token : undefined;
    const matches = (token: string) => tokenMatches(header, token) || presentedTokenMatches(presented, token);
    if (!matches(options.adminToken)) {
      if (!matches(options.operatorToken)) {
        if (options.metricsToken !== undefined && matches(options.metricsToken)) {
          if (access === 'metrics') return;
          return reply.code(403).send({ error: 'the metrics token may read /metrics only', code: 'forbidden' });
        }
        return reply.code(401).header('WWW-Authenticate', 'Bearer realm="sluice"').send({ error: 'missing or invalid API token', code: 'unauthorized' });
      }
      if (access === 'admin') {
        return reply.code(403).send({ error: 'this route changes the project: it needs the admin token (the operator token may read, preview, run and retry)', code: 'admin_only' });
      }
    }
    if (STATE_CHANGING.has(request.method) && hasBody(request) && !isJson(request.headers['content-type'])) {
      return reply.code(415).send({ error: 'send the request body as application/json', code: 'invalid_input', params: { where: 'body', detail: 'not JSON' } });
    }
  });
}
