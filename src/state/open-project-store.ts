import { dirname } from 'node:path';
import { projectStateSetting } from '../config/project-state-setting.js';
import { openStateStore } from './open-state-store.js';
import type { StateStore } from './state-store.js';

/**
 * Opens the state store of a project file, even while the rest of sluice.yaml has errors (see projectStateSetting).
 * `lostKeyOk` opens it although the key that sealed its secrets is gone (`sluice secrets reset`).
 */
export async function openProjectStore(projectFile: string, options: { env?: NodeJS.ProcessEnv; lostKeyOk?: boolean } = {}): Promise<StateStore> {
  const env = options.env ?? process.env;
  return openStateStore({ state: await projectStateSetting(projectFile, env), projectDir: dirname(projectFile), env, ...(options.lostKeyOk ? { lostKeyOk: true } : {}) });
}
