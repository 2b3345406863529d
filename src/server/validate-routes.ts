import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { ConfigError } from '../config/config-error.js';
import { parseInput } from './parse-input.js';
import { saveProjectText } from './save-project-text.js';
import type { ServerContext } from './server-context.js';

const validateBody = z.strictObject({ yaml: z.string().optional() }).optional();

/** `POST /api/validate`: checks sluice.yaml on disk, or unsaved text given as `{ yaml }`; 422 with the issues when invalid. */
export const validateRoutes: FastifyPluginAsync<{ ctx: ServerContext }> = async (app, { ctx }) => {
  app.post('/api/validate', async (request, reply) => {
    const body = parseInput(validateBody, request.body);
    try {
      if (body?.yaml !== undefined) await saveProjectText({ file: ctx.projectFile, text: body.yaml, write: false, env: ctx.env });
      else await ctx.load();
      return { ok: true, issues: [] };
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      const count = e.issues.length;
      return reply.code(422).send({ ok: false, error: `${count} configuration issue${count === 1 ? '' : 's'}`, code: 'invalid_config', params: { count, file: e.issues[0]?.file ?? '' }, issues: e.issues });
    }
  });
};
