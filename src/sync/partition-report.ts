import type { PlanCounts, RowError } from '../api/runs.js';
import type { RunCounts, StateStore } from '../state/state-store.js';

/** One partition of a partitioned run, as its job tells the run (and the job that closes it) through the state store. */
export interface PartitionReport {
  /** running while its job works on it; done once its rows are delivered (or it stopped: then `error`). */
  state: 'running' | 'done';
  /** The partition's own counts (its delivered include what its earlier attempts delivered). */
  counts: RunCounts;
  plan: PlanCounts | null;
  /** Why the partition stopped early, masked; null when it ran to its end. */
  error: string | null;
  sampleErrors: RowError[];
}

/** What the job that opens a partitioned run fixes for all its partitions. */
export interface PartitionedRunPlan {
  /** How many partitions (the sync's `partitions` when the run was opened). */
  of: number;
  /** Whether the sync's ledger was empty when the run was opened: a first attempt of a partition then looks nothing up. */
  ledgerEmpty: boolean;
}

// The state store keeps these, not Redis: a Redis that lost its data loses no partition's outcome.
const planName = (runId: string) => `partitions:${runId}`;
const reportName = (runId: string, index: number) => `partitions:${runId}:${index}`;

export async function savePartitionedRunPlan(store: StateStore, runId: string, plan: PartitionedRunPlan): Promise<void> {
  await store.setValue(planName(runId), JSON.stringify(plan));
}

/** The plan a partitioned run was opened with; null when the run was never opened as one. */
export async function readPartitionedRunPlan(store: StateStore, runId: string): Promise<PartitionedRunPlan | null> {
  const text = await store.getValue(planName(runId));
  return text ? (JSON.parse(text) as PartitionedRunPlan) : null;
}

export async function savePartitionReport(store: StateStore, runId: string, index: number, report: PartitionReport): Promise<void> {
  await store.setValue(reportName(runId, index), JSON.stringify(report));
}

/** Partition `index`'s last report; null before its job first started. */
export async function readPartitionReport(store: StateStore, runId: string, index: number): Promise<PartitionReport | null> {
  const text = await store.getValue(reportName(runId, index));
  return text ? (JSON.parse(text) as PartitionReport) : null;
}

/** Removes what a partitioned run kept for its partitions (its plan and their reports), once the run has ended. */
export async function deletePartitionedRunValues(store: StateStore, runId: string, of: number): Promise<void> {
  await store.deleteValues([planName(runId), ...Array.from({ length: of }, (_, i) => reportName(runId, i))]);
}

/** Every partition's last report, in partition order (null for one not started yet). */
export async function readPartitionReports(store: StateStore, runId: string, of: number): Promise<(PartitionReport | null)[]> {
  return Promise.all(Array.from({ length: of }, (_, i) => readPartitionReport(store, runId, i)));
}

const ZERO: RunCounts = { planned: 0, added: 0, changed: 0, removed: 0, unchanged: 0, delivered: 0, failed: 0, invalid: 0 };

/** The run's counts: its partitions' added up. */
export function addPartitionCounts(reports: (PartitionReport | null)[]): RunCounts {
  const sum: RunCounts = { ...ZERO };
  for (const r of reports) {
    if (!r) continue;
    for (const k of Object.keys(sum) as (keyof RunCounts)[]) sum[k] = (sum[k] ?? 0) + (r.counts[k] ?? 0);
  }
  return sum;
}

/** The run's plan counts: its partitions' added up (null when no partition planned). */
export function addPartitionPlans(reports: (PartitionReport | null)[]): PlanCounts | null {
  let sum: PlanCounts | null = null;
  for (const r of reports) {
    if (!r?.plan) continue;
    sum ??= { read: 0, added: 0, changed: 0, removed: 0, unchanged: 0, planned: 0, invalid: 0 };
    for (const k of Object.keys(sum) as (keyof PlanCounts)[]) sum[k] += r.plan[k];
  }
  return sum;
}
