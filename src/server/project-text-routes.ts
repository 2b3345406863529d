import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { ProjectText } from '../api/project-text.js';
import { ConfigError } from '../config/config-error.js';
import { HttpError } from './http-error.js';
import { parseInput } from './parse-input.js';
import { maskProjectSecrets, restoreProjectSecrets } from './project-text-secrets.js';
import { saveProjectText } from './save-project-text.js';
import type { ServerContext } from './server-context.js';

/** sluice.yaml is a hand-written file: 1 MiB is far above any real one. */
const MAX_PROJECT_TEXT = 1024 * 1024;
const putBody = z.strictObject({ yaml: z.string().max(MAX_PROJECT_TEXT) });

/**
 * `GET /api/project` and `PUT /api/project` (admin token): sluice.yaml as text, so that a project that does not load
 * can be fixed from the UI. Credentials written literally are shown as ****; a **** saved back keeps the credential
 * the file holds at that key path. A save is checked as `sluice validate` would and written only when valid.
 */
export const projectTextRoutes: FastifyPluginAsync<{ ctx: ServerContext }> = async (app, { ctx }) => {
  const issuesNow = async () => {
    try {
      await ctx.load();
      return [];
    } catch (e) {
      if (e instanceof ConfigError) return e.issues;
      throw e;
    }
  };

  app.get('/api/project', async (): Promise<ProjectText> => {
    const text = await readFile(ctx.projectFile, 'utf8');
    return { file: basename(ctx.projectFile), text: ctx.redactor().mask(maskProjectSecrets(text)), issues: await issuesNow() };
  });

  app.put('/api/project', { bodyLimit: MAX_PROJECT_TEXT * 2 }, async (request): Promise<ProjectText> => {
    const { yaml } = parseInput(putBody, request.body);
    await ctx.edit(async () => {
      const restored = restoreProjectSecrets(yaml, await readFile(ctx.projectFile, 'utf8'), (text) => ctx.redactor().mask(text));
      if ('missing' in restored) {
        throw new HttpError(400, `${restored.missing}: **** stands for a hidden value the file holds at that place, and it holds no such value there: type the value`, {
          code: 'invalid_input',
          params: { where: restored.missing, detail: 'type the hidden value' },
        });
      }
      await saveProjectText({ file: ctx.projectFile, text: restored.text, write: true, env: ctx.env, secrets: ctx.store });
    });
    ctx.projectChanged();
    return { file: basename(ctx.projectFile), text: ctx.redactor().mask(maskProjectSecrets(await readFile(ctx.projectFile, 'utf8'))), issues: await issuesNow() };
  });
};
