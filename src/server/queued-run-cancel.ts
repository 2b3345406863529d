import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { isFinalStatus, type StateStore } from '../state/state-store.js';
import type { RunJob } from './run-job.js';
import { runEndMessage } from '../sync/run-end-messages.js';

// Cancelling a run that a queue worker runs: the server records the request in the state store (the truth about runs,
// which a worker reads even when Redis lost the message) and announces it on a Redis channel every worker listens to
// (so the run stops at once). A run no worker took yet is recorded cancelled at once and its job removed.

/** The channel servers announce cancelled runs on, under the queue's prefix. */
export function cancelChannel(prefix: string | undefined): string {
  return `${prefix ?? 'bull'}:sluice:cancel`;
}

/** The state value that records a run's cancel request (its time). */
export function cancelRequestName(runId: string): string {
  return `cancel-request:${runId}`;
}

/**
 * Asks a queued or running run to stop, wherever it runs. `not-running`: it ended (or never was). A run still waiting
 * for a worker ends as cancelled here; a running one ends as cancelled once its worker has stopped the rows in flight.
 */
export async function cancelQueuedRun(
  options: { store: StateStore; queue: Pick<Queue<RunJob>, 'remove'>; publisher: Pick<Redis, 'publish'>; prefix?: string },
  runId: string,
): Promise<'cancelling' | 'not-running'> {
  const { store } = options;
  const run = await store.getRun(runId);
  if (!run || isFinalStatus(run.status)) return 'not-running';
  const at = new Date().toISOString();
  if (await store.updateRun(runId, { status: 'cancelled', finishedAt: at }, { ifStatus: 'queued' })) {
    // (A worker that takes the job anyway finds its run ended and leaves it.)
    await options.queue.remove(runId).catch(() => 0);
    return 'cancelling';
  }
  await store.setValue(cancelRequestName(runId), at);
  await options.publisher.publish(cancelChannel(options.prefix), runId).catch(() => 0);
  // It may have ended between the two reads: then the request stays unread, and is harmless.
  return 'cancelling';
}

/** Why a cancelled run stopped, as the run-end messages word it. */
const cancelled = () => new Error(runEndMessage('cancelled', {}));

/**
 * A worker's runs in hand, each stoppable by a cancel request: the channel's message aborts it, and so does the request
 * found in the store (checked when the run is taken and every `checkMs`), so a message Redis lost still stops it.
 */
export class WorkerRunCancels {
  readonly #store: StateStore;
  readonly #checkMs: number;
  readonly #running = new Map<string, Set<AbortController>>();

  constructor(store: StateStore, options: { checkMs: number }) {
    this.#store = store;
    this.#checkMs = options.checkMs;
  }

  /** Aborts the runs in hand with this id (a partitioned run may have several partitions here). */
  cancel(runId: string): void {
    for (const control of this.#running.get(runId) ?? []) control.abort(cancelled());
  }

  /** Watches a run taken off the queue; call the returned stop() once it ended. */
  async watch(runId: string): Promise<{ signal: AbortSignal; stop: () => Promise<void> }> {
    const control = new AbortController();
    let controls = this.#running.get(runId);
    if (!controls) this.#running.set(runId, (controls = new Set()));
    controls.add(control);
    const check = async () => {
      if ((await this.#store.getValue(cancelRequestName(runId)).catch(() => null)) !== null) control.abort(cancelled());
    };
    await check();
    const timer = setInterval(() => void check(), this.#checkMs);
    timer.unref();
    return {
      signal: control.signal,
      stop: async () => {
        clearInterval(timer);
        controls.delete(control);
        if (controls.size === 0) this.#running.delete(runId);
        // An ended run's request is read: it is forgotten.
        const run = await this.#store.getRun(runId).catch(() => null);
        if (run && isFinalStatus(run.status)) await this.#store.deleteValues([cancelRequestName(runId)]).catch(() => undefined);
      },
    };
  }
}
