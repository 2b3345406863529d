import { unlink } from 'node:fs/promises';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import type { ApiErrorBody } from '../api/api-error-body.js';
import type { Dependent, DependentsAnswer } from '../api/dependents.js';
import { checkInsideProject } from './check-inside-project.js';
import { connectorCatalog } from './connector-catalog.js';
import { connectionDependents, connectorDependents, syncDependents } from './find-dependents.js';
import { HttpError } from './http-error.js';
import { parseInput } from './parse-input.js';
import { rawEntry, readRawProject } from './read-raw-project.js';
import { saveProjectText } from './save-project-text.js';
import type { ServerContext } from './server-context.js';

const nameParams = z.object({ name: z.string().min(1).max(200) });
const describe = (d: Dependent) => `${d.kind} ${d.name}`;

/** sluice.yaml's text without one entry of a section; comments and layout of the rest kept as the yaml library writes them. */
function withoutEntry(text: string, section: string, name: string): string {
  const doc = parseDocument(text);
  doc.deleteIn([section, name]);
  return doc.toString({ lineWidth: 0 });
}

/**
 * What depends on a connector, connection or sync, and deleting them: refused (409, with the dependents) while
 * something names the item, so a delete never leaves sluice.yaml invalid.
 */
export const deleteRoutes: FastifyPluginAsync<{ ctx: ServerContext }> = async (app, { ctx }) => {
  const refuse = (reply: FastifyReply, what: string, dependents: Dependent[]) =>
    reply.code(409).send({
      error: `${what} is used by ${dependents.map(describe).join(', ')}: change or delete them first`,
      code: 'conflict',
      params: { what, dependents: dependents.map(describe).join(', ') },
      dependents,
    } satisfies DependentsAnswer & ApiErrorBody);

  const findConnector = async (name: string) => {
    // A project connector of a built-in's name is the one in use (as the catalog lists it).
    const catalog = await connectorCatalog(ctx);
    const entry = catalog.find((e) => e.name === name && !e.builtin) ?? catalog.find((e) => e.name === name);
    if (!entry) throw new HttpError(404, `no connector named "${name}"`, { code: 'unknown_name', params: { what: 'connector', name } });
    return entry;
  };
  const connectorUsers = async (name: string) => {
    const entry = await findConnector(name);
    return { entry, dependents: connectorDependents((await readRawProject(ctx.projectFile)).data, entry, ctx.projectDir) };
  };
  const entryUsers = async (section: 'connections' | 'syncs', name: string) => {
    const { data } = await readRawProject(ctx.projectFile);
    const entries = data[section];
    // Own keys only: `__proto__` or `constructor` is not an entry.
    if (typeof entries !== 'object' || entries === null || !Object.hasOwn(entries, name) || rawEntry(data, section, name) === undefined) {
      const what = section.slice(0, -1);
      throw new HttpError(404, `no ${what} named "${name}"`, { code: 'unknown_name', params: { what, name } });
    }
    return section === 'connections' ? connectionDependents(data, name) : syncDependents(data, name);
  };

  app.get('/api/connectors/:name/dependents', async (request): Promise<DependentsAnswer> => {
    const { name } = parseInput(nameParams, request.params, 'params');
    return { dependents: (await connectorUsers(name)).dependents };
  });
  app.get('/api/connections/:name/dependents', async (request): Promise<DependentsAnswer> => {
    const { name } = parseInput(nameParams, request.params, 'params');
    return { dependents: await entryUsers('connections', name) };
  });
  app.get('/api/syncs/:name/dependents', async (request): Promise<DependentsAnswer> => {
    const { name } = parseInput(nameParams, request.params, 'params');
    return { dependents: await entryUsers('syncs', name) };
  });

  app.delete('/api/connectors/:name', async (request, reply) => {
    const { name } = parseInput(nameParams, request.params, 'params');
    return ctx.edit(async () => {
      const { entry, dependents } = await connectorUsers(name);
      if (entry.builtin) throw new HttpError(409, `connector "${name}" is built in: it cannot be deleted`);
      if (dependents.length) return refuse(reply, `connector "${name}"`, dependents);
      await checkInsideProject(ctx.projectDir, entry.file, entry.displayFile);
      await unlink(entry.file);
      return reply.code(204).send();
    });
  });

  for (const section of ['connections', 'syncs'] as const) {
    app.delete(`/api/${section}/:name`, async (request, reply) => {
      const { name } = parseInput(nameParams, request.params, 'params');
      const done = await ctx.edit(async () => {
        const dependents = await entryUsers(section, name);
        if (dependents.length) return refuse(reply, `${section.slice(0, -1)} "${name}"`, dependents);
        const { text } = await readRawProject(ctx.projectFile);
        // Checked as `sluice validate` would before it is written: a delete never leaves a file that does not load.
        await saveProjectText({ file: ctx.projectFile, text: withoutEntry(text, section, name), write: true, env: ctx.env });
        return null;
      });
      if (done) return done;
      ctx.projectChanged();
      return reply.code(204).send();
    });
  }
};
