import { randomBytes } from 'node:crypto';
import { rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ConfigError } from '../config/config-error.js';
import { loadProject } from '../config/load-project.js';
import type { SecretReader } from '../config/secret-reference.js';

/**
 * Checks new sluice.yaml text exactly as `sluice validate` would (beside the real file, so relative paths resolve
 * the same); with `write`, then replaces the file atomically. Invalid text throws the ConfigError and writes nothing.
 */
export async function saveProjectText(options: { file: string; text: string; write: boolean; env?: NodeJS.ProcessEnv; secrets?: SecretReader }): Promise<void> {
  const dir = dirname(options.file);
  const candidate = join(dir, `.sluice-edit-${randomBytes(6).toString('hex')}.yaml`);
  await writeFile(candidate, options.text);
  let keep = false;
  try {
    await loadProject({ project: candidate, cwd: dir, env: options.env, secrets: options.secrets });
    if (options.write) {
      await rename(candidate, options.file);
      keep = true;
    }
  } catch (e) {
    // Issues name the real file, not the candidate.
    if (e instanceof ConfigError) throw new ConfigError(e.issues.map((i) => (i.file === basename(candidate) ? { ...i, file: basename(options.file) } : i)));
    throw e;
  } finally {
    if (!keep) await unlink(candidate).catch(() => undefined);
  }
}
