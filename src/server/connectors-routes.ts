import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { BuilderRender, BuilderResponse } from '../api/builder.js';
import type { ConnectorDetail, ConnectorSummary } from '../api/connectors.js';
import { didYouMean } from '../config/closest-match.js';
import { ConfigError } from '../config/config-error.js';
import type { ConnectorSpec, Endpoint } from '../config/connector-schema.js';
import { checkInsideProject } from './check-inside-project.js';
import { connectorCatalog, type CatalogEntry } from './connector-catalog.js';
import { HttpError } from './http-error.js';
import { builderInputSchema, builderSamples, openBuilderConnection, type BuilderInput } from './open-builder-connection.js';
import { parseConnectorYaml } from './parse-connector-yaml.js';
import { parseInput } from './parse-input.js';
import { renderBuilderRequests } from './render-builder-requests.js';
import { sendBuilderRequest } from './send-builder-request.js';
import type { ServerContext } from './server-context.js';

const nameParams = z.object({ name: z.string() });
const putBody = z.strictObject({ yaml: z.string() });
const connectorName = /^[a-z][a-z0-9_-]*$/;

/** A catalog entry as `GET /api/connectors` lists it. */
function listed(e: CatalogEntry): ConnectorSummary {
  return {
    name: e.name,
    title: e.title ?? e.name,
    file: e.displayFile,
    builtin: e.builtin,
    endpoints: Object.entries(e.spec?.endpoints ?? {}).map(([name, x]) => ({ name, operation: x.operation, method: x.method, request: x.request })),
    // A job stream reads its records at job.download.
    streams: Object.entries(e.spec?.streams ?? {}).map(([name, x]) => ({ name, path: x.path ?? x.job?.download.path ?? '' })),
    auth: (e.spec?.auth ?? []).map((a) => a.type),
    ...(e.issues ? { issues: e.issues } : {}),
  };
}

async function findConnector(ctx: ServerContext, name: string): Promise<CatalogEntry> {
  const catalog = await connectorCatalog(ctx);
  const entry = catalog.find((e) => e.name === name);
  if (entry) return entry;
  throw new HttpError(404, `no connector named "${name}"${didYouMean(name, catalog.map((e) => e.name))}`, { code: 'unknown_name', params: { what: 'connector', name } });
}

async function detail(entry: CatalogEntry): Promise<ConnectorDetail> {
  return { name: entry.name, file: entry.displayFile, builtin: entry.builtin, yaml: await readFile(entry.file, 'utf8'), spec: entry.spec ?? null, ...(entry.issues ? { issues: entry.issues } : {}) };
}

/** The builder's spec and endpoint from its input; a spec error is a 422 with the issues. */
function builderEndpoint(input: BuilderInput): { spec: ConnectorSpec; endpoint: Endpoint } {
  const spec = parseConnectorYaml(input.yaml, 'connector.yaml');
  const endpoint = spec.endpoints[input.endpoint];
  if (!endpoint) {
    const names = Object.keys(spec.endpoints);
    throw new HttpError(400, `no endpoint "${input.endpoint}" in connector ${spec.name}${didYouMean(input.endpoint, names)}${names.length ? ` (endpoints: ${names.join(', ')})` : ''}`);
  }
  return { spec, endpoint };
}

/** Connector specs: the catalog, a spec's YAML, saving a project spec, and the builder's live render and test send. */
export const connectorsRoutes: FastifyPluginAsync<{ ctx: ServerContext }> = async (app, { ctx }) => {
  app.get('/api/connectors', async () => (await connectorCatalog(ctx)).map(listed));

  app.get('/api/connectors/:name', async (request) => {
    const { name } = parseInput(nameParams, request.params, 'params');
    return detail(await findConnector(ctx, name));
  });

  app.put('/api/connectors/:name', async (request) => {
    const { name } = parseInput(nameParams, request.params, 'params');
    const { yaml } = parseInput(putBody, request.body);
    if (!connectorName.test(name)) throw new HttpError(400, 'a connector name is lower-case letters, digits, - and _, starting with a letter');
    await ctx.edit(async () => {
      const existing = (await connectorCatalog(ctx)).find((e) => e.name === name);
      if (existing?.builtin) {
        throw new HttpError(403, `connector ${name} is built in and read-only: save a copy under another name (it goes to connectors/ of the project)`);
      }
      const file = existing?.file ?? join(ctx.projectDir, 'connectors', `${name}.yaml`);
      const display = existing?.displayFile ?? `connectors/${name}.yaml`;
      await checkInsideProject(ctx.projectDir, file, display);
      const spec = parseConnectorYaml(yaml, display);
      if (spec.name !== name) {
        throw new ConfigError([{ file: display, path: 'name', message: `the spec is named "${spec.name}" but is saved as "${name}": make them the same` }]);
      }
      await mkdir(dirname(file), { recursive: true });
      const temp = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
      await writeFile(temp, yaml);
      await rename(temp, file);
    });
    ctx.projectChanged();
    return detail(await findConnector(ctx, name));
  });

  app.post('/api/connectors/render', async (request): Promise<BuilderRender> => {
    const input = parseInput(builderInputSchema, request.body);
    const { spec, endpoint } = builderEndpoint(input);
    const { http } = await openBuilderConnection(ctx, input, spec);
    try {
      return { requests: await renderBuilderRequests(http, endpoint, builderSamples(input.rows)) };
    } finally {
      await http.close();
    }
  });

  app.post('/api/connectors/send', async (request): Promise<BuilderResponse> => {
    const input = parseInput(builderInputSchema, request.body);
    const { spec, endpoint } = builderEndpoint(input);
    const { http, credentials } = await openBuilderConnection(ctx, input, spec);
    try {
      if (!credentials && !spec.auth.some((a) => a.type === 'none')) {
        throw new HttpError(400, `connector ${spec.name} needs credentials (${spec.auth.map((a) => a.type).join(', ')}): name a connection to send with`);
      }
      return await sendBuilderRequest(http, input.endpoint, endpoint, builderSamples(input.rows), { sameOriginOnly: input.connection !== undefined });
    } finally {
      await http.close();
    }
  });
};
