// Pipelines as `GET /api/pipelines` lists them.
import type { RunRecord } from './runs.js';

/** A pipeline: its steps (as users read them), schedule, next and last run, and the run going on now. */
export interface PipelineSummary {
  name: string;
  description?: string | null;
  steps: string[];
  schedule?: string | null;
  nextRunAt?: string | null;
  lastRun?: RunRecord | null;
  /** The run going on now, if any. */
  runningRunId?: string | null;
}
