import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';
import { isApiRoute } from './route-access.js';

const notBuiltPage = [
  '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sluice</title>',
  '<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;line-height:1.5}code{background:#f3f3f3;padding:0 .3em}</style>',
  '</head><body><h1>Sluice</h1>',
  '<p>The server is running, but the web UI is not built: <code>web/dist/index.html</code> is missing.</p>',
  '<p>Build it with <code>npx vite build web</code> (see <code>web/README.md</code>), then reload this page.</p>',
  '<p>The REST API answers under <code>/api/</code>; its description is <code>/api/openapi.json</code> (with the API token).</p>',
  '</body></html>',
].join('');

/** The web UI: files of web/dist at /, index.html for any other GET outside /api/ (SPA routes); a hint when not built. */
export const webRoutes: FastifyPluginAsync<{ webDir: string }> = async (app, { webDir }) => {
  const built = existsSync(join(webDir, 'index.html'));
  if (built) await app.register(fastifyStatic, { root: webDir, prefix: '/' });
  else app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(notBuiltPage));

  app.setNotFoundHandler(async (request, reply) => {
    const path = request.url.split('?')[0]!;
    // Paths the UI never owns: unknown ones there are JSON 404s, not the SPA's index.html.
    if (isApiRoute(path) || (request.method !== 'GET' && request.method !== 'HEAD')) {
      return reply.code(404).send({ error: `no route ${request.method} ${path}`, code: 'not_found' });
    }
    if (built) return reply.type('text/html; charset=utf-8').sendFile('index.html');
    return reply.code(404).type('text/html; charset=utf-8').send(notBuiltPage);
  });
};

// Registered on the root instance (what fastify-plugin does): the not-found handler covers every path.
(webRoutes as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;
