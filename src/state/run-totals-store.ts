import type { RunKind, RunStatus } from '../api/runs.js';

/** What the runs of one sync or pipeline add up to, over every run the state keeps (what /metrics exposes). */
export interface RunTotals {
  kind: RunKind;
  name: string;
  /** Runs by status: the ended ones (succeeded, failed, cancelled) only grow; running and queued are now. */
  runs: Partial<Record<RunStatus, number>>;
  /** Rows delivered and rows failed, summed over the runs. */
  delivered: number;
  failed: number;
  /**
   * The ended runs' durations: `buckets[i]` counts those that took at most `bucketsSeconds[i]` (cumulative, as a
   * Prometheus histogram), `count` all of them, `sumSeconds` their total.
   */
  durations: { buckets: number[]; count: number; sumSeconds: number };
}

/** Totals of the runs, computed by the store in one bounded query. */
export interface RunTotalsStore {
  /** The totals of each kind and name (at most `limit` of them), ordered by kind and name. */
  runTotals(options: { bucketsSeconds: readonly number[]; limit: number }): Promise<RunTotals[]>;
}

/**
 * The query behind runTotals for a dialect: `duration` is its SQL for a run's seconds (from started_at to
 * finished_at), `param(i)` its placeholder for the i-th parameter (1-based). Parameters: each bucket bound, then the
 * limit on groups of (kind, name, status).
 */
export function runTotalsSql(table: string, duration: string, buckets: number, param: (i: number) => string): string {
  const ended = `status IN ('succeeded', 'failed', 'cancelled') AND finished_at IS NOT NULL`;
  const bucketColumns = Array.from({ length: buckets }, (_, i) => `SUM(CASE WHEN ${ended} AND ${duration} <= ${param(i + 1)} THEN 1 ELSE 0 END) AS b${i}`);
  return `SELECT kind, name, status, COUNT(*) AS runs, SUM(delivered) AS delivered, SUM(failed) AS failed,
      SUM(CASE WHEN ${ended} THEN 1 ELSE 0 END) AS timed, SUM(CASE WHEN ${ended} THEN ${duration} ELSE 0 END) AS seconds
      ${bucketColumns.map((c) => `, ${c}`).join('')}
    FROM ${table} GROUP BY kind, name, status ORDER BY kind, name, status LIMIT ${param(buckets + 1)}`;
}

/** The rows of runTotalsSql (one per kind, name and status) folded into one RunTotals per kind and name. */
export function toRunTotals(rows: Record<string, unknown>[], buckets: number): RunTotals[] {
  const byName = new Map<string, RunTotals>();
  for (const r of rows) {
    const id = `${String(r.kind)}\n${String(r.name)}`;
    let totals = byName.get(id);
    if (!totals) {
      totals = {
        kind: r.kind as RunKind,
        name: r.name as string,
        runs: {},
        delivered: 0,
        failed: 0,
        durations: { buckets: new Array<number>(buckets).fill(0), count: 0, sumSeconds: 0 },
      };
      byName.set(id, totals);
    }
    totals.runs[r.status as RunStatus] = Number(r.runs);
    totals.delivered += Number(r.delivered ?? 0);
    totals.failed += Number(r.failed ?? 0);
    totals.durations.count += Number(r.timed ?? 0);
    totals.durations.sumSeconds += Number(r.seconds ?? 0);
    for (let i = 0; i < buckets; i++) totals.durations.buckets[i]! += Number(r[`b${i}`] ?? 0);
  }
  return [...byName.values()];
}
