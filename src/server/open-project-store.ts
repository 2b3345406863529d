import { dirname } from 'node:path';
import { projectStateSetting } from '../config/project-state-setting.js';
import { openStateStore } from '../state/open-state-store.js';
import type { StateStore } from '../state/state-store.js';

/** Opens the state store of a project file, even while the rest of sluice.yaml has errors (see projectStateSetting). */
export async function openProjectStore(projectFile: string, env: NodeJS.ProcessEnv = process.env): Promise<StateStore> {
  return openStateStore({ state: await projectStateSetting(projectFile, env), projectDir: dirname(projectFile), env });
}
