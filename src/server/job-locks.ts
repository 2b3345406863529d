import type { Project } from '../config/project-schema.js';
import { runLock } from './run-manager.js';

/** The locks a run takes: its sync's, or its pipeline's plus those of every sync the pipeline runs. */
export function jobLocks(project: Project, kind: 'sync' | 'retry' | 'pipeline', name: string): string[] {
  if (kind !== 'pipeline') return [runLock('sync', name)];
  const steps = project.pipelines[name]?.steps ?? [];
  const syncs = steps.flatMap((s) => (typeof s === 'string' ? [s] : 'sync' in s ? [s.sync] : []));
  return [runLock('pipeline', name), ...new Set(syncs.map((s) => runLock('sync', s)))];
}
