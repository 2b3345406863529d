import type { RunCounts, RunKind, RunRecord, RunStatus } from '../api/runs.js';
import type { RunQuery } from './run-query.js';

/** Whether a run has ended (its status will not change again). */
export function isFinalStatus(status: RunStatus): boolean {
  return status === 'succeeded' || status === 'failed' || status === 'cancelled';
}

/** What `updateRun` changes; counts left out stay as they are (a run streaming its plan writes planned and added alone). */
export type RunPatch = Partial<Pick<RunRecord, 'status' | 'error' | 'finishedAt'>> & { counts?: Partial<RunCounts> };

/** What `createRun` is given: the run's kind, name and trigger; its id and first status when the caller chose them. */
export interface NewRun {
  kind: RunKind;
  name: string;
  trigger: string;
  id?: string;
  status?: 'running' | 'queued';
}

/** The runs of syncs and pipelines: their records, counts and status. */
export interface RunStore {
  /** Starts a run record with zero counts and status running (attempt 1), or `queued` (attempt 0) for a queue worker. */
  createRun(run: NewRun): Promise<RunRecord>;
  /**
   * Opens a queued run, or one a stopped attempt left running, for another attempt, atomically: status running,
   * attempt + 1 (a queued run's start time becomes now). A final run is returned unchanged; null when there is none.
   */
  resumeRun(id: string): Promise<RunRecord | null>;
  /**
   * Updates counts, status, error or finish time of a run; throws when there is no such run. With `ifStatus`, only a
   * run in that status is updated, atomically: false when it had moved on (a sweep never overwrites a run that finished).
   */
  updateRun(id: string, patch: RunPatch, options?: { ifStatus?: RunStatus }): Promise<boolean>;
  /** One run, or null. */
  getRun(id: string): Promise<RunRecord | null>;
  /** The runs of one sync or pipeline, newest first (only those of one status, if given). */
  listRuns(name: string, options?: { limit?: number; status?: RunStatus }): Promise<RunRecord[]>;
  /** One page of runs by name, kind, status, start time; newest first unless asked (the UI's run history). */
  findRuns(query: RunQuery): Promise<RunRecord[]>;
}
