import { loadProject, type LoadedProject } from '../config/load-project.js';
import { openStateStore } from '../state/open-state-store.js';
import type { StateStore } from '../state/state-store.js';
import type { CommandContext } from './command-context.js';

/** The project of `--project` (or the nearest sluice.yaml) with its state store open. */
export interface OpenProject {
  loaded: LoadedProject;
  store: StateStore;
  close(): Promise<void>;
}

/** Loads the project and opens its state store; the caller closes both. */
export async function openProject(ctx: CommandContext): Promise<OpenProject> {
  const loaded = await loadProject({ project: ctx.project });
  const store = await openStateStore({ state: loaded.project.state, projectDir: loaded.dir });
  return { loaded, store, close: () => store.close() };
}
