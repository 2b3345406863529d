import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ConfigError } from '../config/config-error.js';
import { loadProject } from '../config/load-project.js';
import { parseYaml } from '../config/load-yaml.js';
import { openStateStore } from '../state/open-state-store.js';
import type { StateStore } from '../state/state-store.js';

/**
 * Opens the state store of a project file. A server starts even when sluice.yaml has errors (the UI is where
 * they get fixed), so then the `state:` written in the file is used as it stands, or the default `.sluice`.
 */
export async function openProjectStore(projectFile: string, env: NodeJS.ProcessEnv = process.env): Promise<StateStore> {
  const projectDir = dirname(projectFile);
  let state: string;
  try {
    state = (await loadProject({ project: projectFile, cwd: projectDir, env })).project.state;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    const data = parseYaml(await readFile(projectFile, 'utf8').catch(() => ''), projectFile).data as { state?: unknown } | undefined;
    state = typeof data?.state === 'string' && !data.state.includes('${') ? data.state : '.sluice';
  }
  return openStateStore({ state, projectDir, env });
}
