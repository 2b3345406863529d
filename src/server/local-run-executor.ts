import type { LoadedProject } from '../config/load-project.js';
import type { StateStore } from '../state/state-store.js';
import { executeRun } from './execute-run.js';
import type { RunExecutor } from './run-manager.js';

/** Runs jobs in this process, on the project as it is on disk when the run starts. */
export function localRunExecutor(options: { store: StateStore; load: () => Promise<LoadedProject> }): RunExecutor {
  return {
    cancels: true,
    async execute(job, hooks) {
      // This process holds the run from now on: this server answers for it.
      hooks.onQueued();
      const loaded = await options.load();
      try {
        return await executeRun(job, { loaded, store: options.store, ...hooks });
      } catch (e) {
        // Setup errors (the engine records the run as failed when it got that far); row failures never throw.
        return { run: await options.store.getRun(job.runId), error: loaded.redactor.mask(e instanceof Error ? e.message : String(e)) };
      }
    },
  };
}
