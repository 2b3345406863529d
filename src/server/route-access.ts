/**
 * Who may call a route. `public`: anyone (health, the OAuth provider's redirect, the web UI's files); `metrics`: the
 * metrics token (SLUICE_METRICS_TOKEN), which may read /metrics and nothing else, and any operator; `operator`: read,
 * preview, run and retry; `admin`: change what the server holds (connectors, connections, syncs, SQL) and send builder
 * requests. An admin token is also an operator token.
 */
export type RouteAccess = 'public' | 'metrics' | 'operator' | 'admin';

/**
 * The access of each API route, by method and the route's pattern as registered. A route under /api/ that is not
 * listed needs the admin token: forgetting a line fails closed.
 */
const API_ROUTES: Record<string, RouteAccess> = {
  'GET /api/health': 'public',
  'GET /oauth/callback': 'public',

  'GET /api/openapi.json': 'operator',
  'GET /api/schemas': 'operator',
  'POST /api/validate': 'operator',
  'GET /api/connections': 'operator',
  'GET /api/connections/:name': 'operator',
  'POST /api/connections/:name/test': 'operator',
  'GET /api/connectors': 'operator',
  'GET /api/connectors/:name': 'operator',
  'GET /api/syncs': 'operator',
  'GET /api/syncs/:name': 'operator',
  'GET /api/syncs/:name/sample': 'operator',
  'POST /api/syncs/:name/preview': 'operator',
  'GET /api/syncs/:name/runs': 'operator',
  'POST /api/syncs/:name/runs': 'operator',
  'GET /api/syncs/:name/rejected': 'operator',
  'GET /api/syncs/:name/records': 'operator',
  'GET /api/syncs/:name/debug': 'operator',
  'GET /api/syncs/:name/notifications': 'operator',
  'POST /api/syncs/:name/rejected/retry': 'operator',
  'GET /api/sync-drafts/context': 'operator',
  'GET /api/sync-drafts/destinations/:connection': 'operator',
  'GET /api/pipelines': 'operator',
  'GET /api/pipelines/:name/runs': 'operator',
  'POST /api/pipelines/:name/runs': 'operator',
  'GET /api/runs/:id': 'operator',
  'GET /api/runs/:id/events': 'operator',
  'GET /api/runs/:id/rejected': 'operator',
  'GET /api/runs': 'operator',
  'POST /api/runs/:id/cancel': 'operator',
  'GET /api/schedules': 'operator',
  'POST /api/schedules/:kind/:name/pause': 'operator',
  'POST /api/schedules/:kind/:name/resume': 'operator',
  'GET /api/connectors/:name/dependents': 'operator',
  'GET /api/connections/:name/dependents': 'operator',
  'GET /api/syncs/:name/dependents': 'operator',

  // sluice.yaml as text (credentials masked) is for those who may change it.
  'GET /api/project': 'admin',
  'PUT /api/project': 'admin',
  'PUT /api/connections/:name': 'admin',
  'POST /api/connections/:name/authorize': 'admin',
  'PUT /api/connectors/:name': 'admin',
  'POST /api/connectors/render': 'admin',
  'POST /api/connectors/send': 'admin',
  'PUT /api/syncs/:name': 'admin',
  'DELETE /api/connectors/:name': 'admin',
  'DELETE /api/connections/:name': 'admin',
  'DELETE /api/syncs/:name': 'admin',
  // A draft carries SQL text that the server runs: as saving it would, it needs the admin token.
  'POST /api/sync-drafts/sample': 'admin',
  'POST /api/sync-drafts/preview': 'admin',
  'POST /api/sync-drafts/save': 'admin',
};

/** Routes outside /api/ that need a token: Prometheus scrapes /metrics by convention. */
const OTHER_ROUTES: Record<string, RouteAccess> = {
  'GET /metrics': 'metrics',
};

/** Whether a route pattern belongs to the API (anything else is the web UI's static files). */
export function isApiRoute(url: string): boolean {
  return url === '/api' || url.startsWith('/api/') || url.startsWith('/oauth/');
}

/** The access a matched route needs; `undefined` url (no route matched) is decided by the caller. */
export function routeAccess(method: string, url: string): RouteAccess {
  const route = `${method === 'HEAD' ? 'GET' : method} ${url}`;
  const listed = API_ROUTES[route] ?? OTHER_ROUTES[route];
  if (listed) return listed;
  return isApiRoute(url) ? 'admin' : 'public';
}

/** Every listed route (the server's test checks that each registered API route is listed, and nothing else). */
export function listedApiRoutes(): string[] {
  return Object.keys(API_ROUTES);
}
