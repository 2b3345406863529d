import type { Lease, RunRecord, StateStore } from '../state/state-store.js';
import { leaseTiming } from './lease-timing.js';
import { processEnded } from './lease-process.js';
import { queuedJobName } from './queued-job-name.js';
import { runEndMessage } from './run-end-messages.js';
import { runLeaseName } from './run-lease-name.js';

/** Why a run recorded as running has stopped, as its error says; null while it may still be running. */
export function whyStopped(run: RunRecord, lease: Lease | null, ttlMs: number, now = Date.now()): string | null {
  if (lease?.owner === run.id) {
    if (lease.expired) return stoppedBecause(lease);
    return processEnded(lease.process) ? stoppedBecause(lease) : null;
  }
  // A run without its lease is either about to take it (it records itself first), or stopped long ago.
  if (now - Date.parse(run.startedAt) < ttlMs) return null;
  return runEndMessage('stopped_lost_contact');
}

/** The error of a run whose lease expired or whose process ended. */
export function stoppedBecause(lease: Lease): string {
  return lease.expired
    ? runEndMessage('stopped_lease_expired', { at: lease.expiresAt })
    : runEndMessage('stopped_process_ended', { pid: lease.process.pid, host: lease.process.host });
}

/** Records a run that stopped without finishing as failed, unless it finished meanwhile (checked in the same update). */
export async function markStopped(store: StateStore, runId: string, error: string): Promise<boolean> {
  if (!(await store.getRun(runId))) return false;
  return store.updateRun(runId, { status: 'failed', error, finishedAt: new Date().toISOString() }, { ifStatus: 'running' });
}

/**
 * Marks the runs of a sync or pipeline still recorded as running, but whose process is gone (killed, crashed, cut
 * off), as failed; returns their ids. Runs of the Redis queue are left to it (a worker resumes them). Called when a
 * run starts, when the server starts and when runs are listed.
 */
export async function sweepStaleRuns(
  store: StateStore,
  name: string,
  options: { ttlMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<string[]> {
  const { ttlMs } = leaseTiming(options);
  const leases = new Map<string, Lease | null>();
  const swept: string[] = [];
  for (const run of await store.listRuns(name, { status: 'running' })) {
    const leaseName = runLeaseName(run.kind, name);
    if (!leases.has(leaseName)) leases.set(leaseName, await store.getLease(leaseName));
    const error = whyStopped(run, leases.get(leaseName)!, ttlMs);
    // A queued run's job is handed to another worker when its worker dies: the run resumes, it has not failed.
    if (error && (await store.getValue(queuedJobName(run.id))) === null && (await markStopped(store, run.id, error))) swept.push(run.id);
  }
  return swept;
}
