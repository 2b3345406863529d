import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { ConnectionSummary, ConnectionTestResult } from '../api/connections.js';
import type { ConnectorSpec } from '../config/connector-schema.js';
import type { LoadedProject } from '../config/load-project.js';
import type { Connection } from '../config/project-schema.js';
import { oauth2TokenKey } from '../connectors/auth/oauth2-token-store.js';
import { secretStoreName } from '../config/secret-reference.js';
import type { StateStore } from '../state/state-store.js';
import { findEntry } from './find-entry.js';
import { isMaskedForm, maskRawConnection } from './mask-raw-connection.js';
import { parseInput } from './parse-input.js';
import { prepareConnectionEdit } from './prepare-connection-edit.js';
import { rawEntry, readRawProject } from './read-raw-project.js';
import { saveProjectText } from './save-project-text.js';
import type { ServerContext } from './server-context.js';
import { testConnection } from '../connectors/test-connection.js';
import { updateYamlEntry } from './update-yaml-entry.js';

const nameParams = z.object({ name: z.string() });
const entryBody = z.record(z.string(), z.unknown());

async function summarize(name: string, connection: Connection, store: StateStore): Promise<ConnectionSummary> {
  if (connection.type !== 'http') return { name, type: connection.type };
  const summary: ConnectionSummary = { name, type: 'http', connector: connection.connector, authType: connection.auth.type };
  if (connection.auth.type === 'oauth2') {
    summary.authorized = (await store.getSecret(oauth2TokenKey(name)).catch(() => null)) !== null;
  }
  return summary;
}

async function detail(ctx: ServerContext, loaded: LoadedProject, name: string) {
  const connection = findEntry(loaded.project.connections, name, 'connection');
  const { data } = await readRawProject(ctx.projectFile);
  return {
    ...(await summarize(name, connection, ctx.store)),
    config: maskRawConnection(rawEntry(data, 'connections', name), loaded.connectors[name]?.spec),
  };
}

/** The connector spec a connection uses now, when the project loads (a broken project edits without it). */
async function connectorSpecOf(ctx: ServerContext, name: string): Promise<ConnectorSpec | undefined> {
  try {
    return (await ctx.load()).connectors[name]?.spec;
  } catch {
    return undefined;
  }
}

/** Connections: list, read (credentials masked), write back to sluice.yaml, test. */
export const connectionsRoutes: FastifyPluginAsync<{ ctx: ServerContext }> = async (app, { ctx }) => {
  app.get('/api/connections', async (): Promise<ConnectionSummary[]> => {
    const loaded = await ctx.load();
    return Promise.all(Object.entries(loaded.project.connections).map(([name, c]) => summarize(name, c, ctx.store)));
  });

  app.get('/api/connections/:name', async (request) => {
    const { name } = parseInput(nameParams, request.params, 'params');
    return detail(ctx, await ctx.load(), name);
  });

  app.put('/api/connections/:name', async (request) => {
    const { name } = parseInput(nameParams, request.params, 'params');
    const value = parseInput(entryBody, request.body);
    await ctx.edit(async () => {
      const { text, data } = await readRawProject(ctx.projectFile);
      const existing = rawEntry(data, 'connections', name);
      const spec = await connectorSpecOf(ctx, name);
      const redactor = ctx.redactor();
      const prepared = await prepareConnectionEdit({ name, existing, incoming: value, spec, env: ctx.env, store: ctx.store, redactor });
      try {
        // A credential sent back as "****" keeps the value the file holds: secrets are write-only.
        const updated = updateYamlEntry(text, ['connections', name], prepared.value, (before, incoming) => isMaskedForm(before, incoming, redactor));
        await saveProjectText({ file: ctx.projectFile, text: updated, write: true, env: ctx.env, secrets: ctx.store });
      } catch (e) {
        for (const secret of prepared.stored) await ctx.store.deleteSecret(secretStoreName(secret)).catch(() => undefined);
        throw e;
      }
    });
    ctx.projectChanged();
    return detail(ctx, await ctx.load(), name);
  });

  app.post('/api/connections/:name/test', async (request): Promise<ConnectionTestResult> => {
    const { name } = parseInput(nameParams, request.params, 'params');
    const loaded = await ctx.load();
    findEntry(loaded.project.connections, name, 'connection');
    return testConnection(loaded, ctx.store, name);
  });
};
