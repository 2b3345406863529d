import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import { jsonSchemas } from '../config/export-json-schema.js';
import { templateFilterNames } from '../connectors/template-filter-names.js';
import { packageRoot } from '../config/package-root.js';
import { openApiDocument } from './openapi-document.js';
import type { ServerContext } from './server-context.js';

/** Sluice's version, from package.json. */
export function sluiceVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

/** `GET /api/health` (no token), `GET /api/openapi.json`, `GET /api/schemas` (JSON Schemas the UI's forms read). */
export const healthRoutes: FastifyPluginAsync<{ ctx: ServerContext }> = async (app) => {
  const version = sluiceVersion();
  const filters = templateFilterNames();
  app.get('/api/health', async () => ({ ok: true, version }));
  app.get('/api/openapi.json', async () => openApiDocument(version));
  app.get('/api/schemas', async () => {
    const schemas = jsonSchemas();
    return { project: schemas['sluice.schema.json'], connector: schemas['connector.schema.json'], filters };
  });
};
