import type { RunSummary } from '../api/runs.js';
import type { LoadedProject } from '../config/load-project.js';
import { isFinalStatus, type StateStore } from '../state/state-store.js';
import { finishRun } from './finish-run.js';
import { forgetPartitionedRun } from './forget-partitioned-run.js';
import { findSync } from './open-sync-endpoints.js';
import { addPartitionCounts, addPartitionPlans, readPartitionReports, type PartitionedRunPlan } from './partition-report.js';
import { runEndMessage } from './run-end-messages.js';
import { runLeaseName } from './run-lease-name.js';

/** The most row errors a partitioned run's summary samples (as a run in one piece does). */
const SAMPLE_ERRORS = 10;

/**
 * Closes a partitioned run once every partition is done: its counts are theirs added up, it failed if any partition
 * stopped early (the first one's error) or the failure limits are passed by the whole run, and it frees the sync's
 * lease; the run log and notifications go out as for any run (finishRun). A run that already ended is left as it is.
 * Either way what the run kept for its partitions is then removed (forgetPartitionedRun).
 */
export async function closePartitionedRun(options: {
  loaded: LoadedProject;
  store: StateStore;
  runId: string;
  plan: PartitionedRunPlan;
  /** The run's cancel signal: a run cancelled while its partitions ran ends cancelled, not failed by their stop. */
  signal?: AbortSignal;
}): Promise<RunSummary> {
  const { loaded, store, runId, plan } = options;
  const run = await store.getRun(runId);
  if (!run) throw new Error(`run ${runId} is not recorded`);
  const reports = await readPartitionReports(store, runId, plan.of);
  const counts = addPartitionCounts(reports);
  if (isFinalStatus(run.status)) {
    await forgetPartitionedRun(store, run, plan.of);
    return { run, plan: addPartitionPlans(reports), delivered: run.counts.delivered, failed: run.counts.failed, invalid: run.counts.invalid ?? 0, durationMs: 0, sampleErrors: [] };
  }
  const pending = reports.findIndex((r) => r?.state !== 'done');
  const stopped = reports.find((r) => r?.error);
  const error = pending >= 0 ? new Error(runEndMessage('partition_unfinished', { partition: pending + 1, partitions: plan.of })) : stopped ? new Error(stopped.error!) : null;
  const sync = findSync(loaded, run.name);
  const summary = await finishRun(
    {
      run, store, redactor: loaded.redactor, loaded, openedAt: Date.parse(run.startedAt),
      close: () => store.releaseLease(runLeaseName('sync', run.name), run.id).catch(() => undefined),
    },
    {
      error, counts, plan: addPartitionPlans(reports), signal: options.signal,
      sampleErrors: reports.flatMap((r) => r?.sampleErrors ?? []).slice(0, SAMPLE_ERRORS),
      maxFailedRows: sync.on_error.max_failed_rows, maxInvalidRows: sync.on_error.max_invalid_rows,
    },
  );
  // The record now holds what the partitions reported: nothing of theirs is kept after the run.
  await forgetPartitionedRun(store, run, plan.of);
  return summary;
}
