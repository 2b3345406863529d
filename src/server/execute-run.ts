import type { LoadedProject } from '../config/load-project.js';
import type { RunRecord, StateStore } from '../state/state-store.js';
import { adoptBaseline } from '../sync/adopt-baseline.js';
import { retryRejected } from '../sync/retry-rejected.js';
import { runPipeline, type PipelineStepResult, type PipelineSummary } from '../sync/run-pipeline.js';
import { runSync, type RunProgress, type RunSummary } from '../sync/run-sync.js';
import type { RunJob } from './run-job.js';

/**
 * How a run ended: a sync's or retry's RunSummary, a PipelineSummary, (setup failed) the record and the error, or
 * only the final record (a queued run whose outcome the server learnt from the state store, not from Redis).
 */
export type RunOutcome = RunSummary | PipelineSummary | { run: RunRecord | null; error: string } | { run: RunRecord };

/** What a running job reports besides its outcome. */
export interface RunHooks {
  onProgress?: (progress: RunProgress) => void;
  onStep?: (step: PipelineStepResult) => void;
  signal?: AbortSignal;
}

/** Runs one job with the engine (the same calls as the CLI), under the job's run id. */
export async function executeRun(job: RunJob, options: { loaded: LoadedProject; store: StateStore } & RunHooks): Promise<RunOutcome> {
  const { loaded, store } = options;
  switch (job.kind) {
    case 'sync':
      if (job.baseline) {
        return adoptBaseline({ loaded, store, sync: job.name, vars: job.vars, trigger: job.trigger, runId: job.runId, onProgress: options.onProgress, signal: options.signal });
      }
      return runSync({
        loaded, store, sync: job.name, vars: job.vars, full: job.full, trigger: job.trigger, runId: job.runId,
        onProgress: options.onProgress, signal: options.signal,
      });
    case 'retry':
      return retryRejected({ loaded, store, sync: job.name, trigger: job.trigger, runId: job.runId, asRejected: job.asRejected });
    case 'pipeline':
      return runPipeline({
        loaded, store, runId: job.runId, pipeline: job.name, vars: job.vars, trigger: job.trigger,
        onProgress: options.onProgress, onStep: options.onStep, signal: options.signal,
      });
  }
}
