import { lstat, realpath } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { HttpError } from './http-error.js';

const inside = (dir: string, file: string) => {
  const rel = relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
};

/** Where writing `file` would really land: its nearest existing ancestor with symlinks resolved, then the rest of the path. */
async function realTarget(file: string): Promise<string> {
  let dir = dirname(file);
  for (;;) {
    try {
      return resolve(await realpath(dir), relative(dir, file));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(dir) === dir) throw error;
      dir = dirname(dir);
    }
  }
}

/**
 * Throws a 400 unless writing `file` stays inside the project folder: by its path, through every symlinked folder
 * on the way, and, when the file already is a symlink, by its target. The API only ever writes the project's files.
 */
export async function checkInsideProject(projectDir: string, file: string, display: string): Promise<void> {
  const refuse = () =>
    new HttpError(400, `${display} is outside the project folder: the API writes only files inside it (edit that file where it lives, or save a copy under another name into connectors/)`);
  const project = await realpath(projectDir);
  const target = resolve(projectDir, file);
  if (!inside(resolve(projectDir), target)) throw refuse();
  if (!inside(project, await realTarget(target))) throw refuse();
  const link = await lstat(target).catch(() => null);
  if (link?.isSymbolicLink()) {
    const real = await realpath(target).catch(() => null);
    if (real === null || !inside(project, real)) throw refuse();
  }
}
