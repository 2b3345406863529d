import type { RunProgress } from '../sync/run-sync.js';
import type { PartitionReport } from '../sync/partition-report.js';

/**
 * A partitioned run's progress as its partition jobs report it, added up: each partition's latest report is kept
 * (until the run ends) and every new one gives the run's sum. Partitions that reported before this server heard them
 * are seeded from their reports in the state store.
 */
export class PartitionProgress {
  readonly #runs = new Map<string, Map<number, RunProgress>>();

  /** Keeps partition `index`'s report and returns the run's progress. */
  add(runId: string, index: number, progress: RunProgress): RunProgress {
    const parts = this.#parts(runId);
    parts.set(index, progress);
    return addUp(runId, progress.sync, parts);
  }

  /** Whether any partition of the run was heard or seeded. */
  has(runId: string): boolean {
    return this.#runs.has(runId);
  }

  /** Fills the partitions not heard yet from their reports in the store; returns the run's progress (null: none). */
  seed(runId: string, sync: string, reports: (PartitionReport | null)[]): RunProgress | null {
    const parts = this.#parts(runId);
    reports.forEach((r, index) => {
      if (!r || parts.has(index)) return;
      const { planned, delivered, failed } = r.counts;
      parts.set(index, { runId, sync, phase: r.state === 'done' ? 'done' : 'sending', planned, sent: delivered + failed, delivered, failed, rate: 0, etaSeconds: null });
    });
    return parts.size ? addUp(runId, sync, parts) : null;
  }

  /** Forgets a run that ended. */
  drop(runId: string): void {
    this.#runs.delete(runId);
  }

  #parts(runId: string): Map<number, RunProgress> {
    let parts = this.#runs.get(runId);
    if (!parts) this.#runs.set(runId, (parts = new Map()));
    return parts;
  }
}

/** The run's progress: counts and rates added up; its ETA is the slowest partition's, unknown while any is. */
function addUp(runId: string, sync: string, parts: Map<number, RunProgress>): RunProgress {
  const sum: RunProgress = { runId, sync, phase: 'planning', planned: 0, sent: 0, delivered: 0, failed: 0, rate: 0, etaSeconds: 0 };
  for (const p of parts.values()) {
    sum.planned += p.planned;
    sum.sent += p.sent;
    sum.delivered += p.delivered;
    sum.failed += p.failed;
    if (p.phase === 'done') continue;
    sum.rate += p.rate;
    if (p.phase === 'sending') sum.phase = 'sending';
    sum.etaSeconds = p.etaSeconds === null || sum.etaSeconds === null ? null : Math.max(sum.etaSeconds, p.etaSeconds);
  }
  // A run closes when its job does, not when its partitions are done: until then it is still sending.
  if ([...parts.values()].every((p) => p.phase === 'done')) sum.phase = 'sending';
  return sum;
}
