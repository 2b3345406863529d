import { deliverPlan, type DeliverPlanOptions, type DeliveryTally } from './deliver-plan.js';
import { exceedsFailureLimit } from './failure-limit.js';
import type { OpenRun } from './open-run.js';

/** What a run hands its deliver stage; the destination, the run and its signal come from the opened run. */
export type DeliverRunOptions = Omit<DeliverPlanOptions, 'destination' | 'store' | 'sync' | 'runId' | 'mode' | 'signal' | 'stopWhen'> & {
  /** The rows planned so far, and those invalid before sending (rows that could not be planned): the limit counts them too. */
  limitBase: () => { planned: number; invalid: number };
};

/**
 * The deliver stage of a sync's run or retry: its items through deliverPlan to the run's destination, recorded under
 * the run, while its lease holds; once failures pass the sync's `on_error.max_failed_rows` (or invalid rows its `max_invalid_rows`), nothing more is sent.
 */
export function deliverRun(opened: OpenRun, options: DeliverRunOptions): Promise<DeliveryTally> {
  const { run, store, lease, endpoints } = opened;
  const { limitBase, ...delivery } = options;
  const { mode, on_error } = endpoints.sync;
  return deliverPlan({
    ...delivery,
    destination: endpoints.destination,
    store,
    sync: run.name,
    runId: run.id,
    mode,
    signal: lease.signal,
    // Checked as results arrive: past the limit, nothing more is sent.
    stopWhen: (t) => {
      const base = limitBase();
      return (
        exceedsFailureLimit(t.failed, base.planned, on_error.max_failed_rows) ||
        exceedsFailureLimit(t.invalid + base.invalid, base.planned, on_error.max_invalid_rows)
      );
    },
  });
}
