import type { StateStore } from '../state/state-store.js';
import { partitionLeaseName } from './hold-partition-lease.js';
import { deletePartitionedRunValues } from './partition-report.js';

/**
 * Removes from the state store what a partitioned run kept for its partitions once the run has ended: its plan, its
 * partitions' reports (the run's record holds their sum) and any partition lease an attempt left behind (a killed
 * worker's, or one whose job failed for good). A lease another run holds is left alone.
 */
export async function forgetPartitionedRun(store: StateStore, run: { id: string; name: string }, of: number): Promise<void> {
  await deletePartitionedRunValues(store, run.id, of);
  await Promise.all(Array.from({ length: of }, (_, i) => store.releaseLease(partitionLeaseName(run.name, i, of), run.id)));
}
