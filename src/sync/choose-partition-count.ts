import type { LoadedProject } from '../config/load-project.js';
import type { StateStore } from '../state/state-store.js';
import { openSyncEndpoints } from './open-sync-endpoints.js';
import { readsIncrementalStream } from './partitionable-source.js';
import { streamedPlan } from './plan/streamed-plan.js';

/** The most partitions `partitions: auto` splits a run into: each one reads the whole source again. */
export const AUTO_MAX_PARTITIONS = 8;
/** Rows to send per partition under `partitions: auto`, unless SLUICE_PARTITION_ROWS says otherwise. */
export const DEFAULT_PARTITION_ROWS = 50_000;
/** The largest SLUICE_PARTITION_ROWS taken (above it, no run a machine can plan would ever split). */
const MAX_PARTITION_ROWS = 100_000_000;

/** Rows to send per partition under `partitions: auto`: SLUICE_PARTITION_ROWS, else 50,000. */
export function partitionRows(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.SLUICE_PARTITION_ROWS;
  if (text === undefined || text === '') return DEFAULT_PARTITION_ROWS;
  const rows = Number(text);
  if (!/^\d{1,9}$/.test(text) || !Number.isSafeInteger(rows) || rows < 1 || rows > MAX_PARTITION_ROWS) {
    throw new Error(`SLUICE_PARTITION_ROWS is "${text.slice(0, 40)}": give a whole number of rows from 1 to ${MAX_PARTITION_ROWS}`);
  }
  return rows;
}

/** How many partitions `partitions: auto` chose for a run, and the rows its plan found to send (or the count it stopped at). */
export interface PartitionChoice {
  of: number;
  /** Rows to send that the plan counted; it stops counting (after the batch it read) once they fill every partition it may use. */
  rows: number;
  /** Why the run stays one job when it does, in words for the worker's log. */
  why: string;
}

/**
 * Chooses how many partitions a run of a sync with `partitions: auto` is split into: the run is planned first (its
 * source read and compared with the ledger, as its partitions would; nothing is sent or recorded), and it gets one
 * partition per `rowsPerPartition` rows to send, at most one per live worker and at most AUTO_MAX_PARTITIONS. A run
 * with fewer rows to send, one worker, or of an incremental stream (partitions cannot move its cursor) stays one job.
 * The plan stops reading as soon as the rows it counted would fill every partition allowed.
 */
export async function choosePartitionCount(options: {
  loaded: LoadedProject;
  store: StateStore;
  sync: string;
  /** The run the choice is for (its id and start, for the sync's templates). */
  run: { id: string; startedAt: string };
  /** Workers the queue reports live. */
  workers: number;
  vars?: Record<string, string>;
  full?: boolean;
  rowsPerPartition?: number;
  signal?: AbortSignal;
}): Promise<PartitionChoice> {
  const { loaded, store, sync: name, run } = options;
  const perPartition = options.rowsPerPartition ?? partitionRows();
  const most = Math.min(AUTO_MAX_PARTITIONS, Math.max(1, Math.floor(options.workers)));
  if (most < 2) return { of: 1, rows: 0, why: `${options.workers === 1 ? 'one worker is' : 'no worker is'} live` };
  if (readsIncrementalStream(loaded, name)) return { of: 1, rows: 0, why: 'an incremental stream is read by one job' };
  const readOnly = readOnlyStore(store);
  const endpoints = await openSyncEndpoints(loaded, name, { store: readOnly, run: { id: run.id, started_at: run.startedAt }, vars: options.vars, full: options.full });
  try {
    const { source, key, mapRow, sync } = endpoints;
    if (source.complete === false) return { of: 1, rows: 0, why: 'an incremental stream is read by one job' };
    const ledgerEmpty = sync.mode === 'append' || options.full === true || (await store.listLedger(name, { limit: 1 })).length === 0;
    const plan = streamedPlan({
      source, store: readOnly, sync: name, runId: run.id, mode: sync.mode, key, mapRow,
      fingerprintRow: endpoints.fieldRules.withoutCreateOnly, ledgerEmpty, complete: source.complete ?? true, signal: options.signal,
    });
    const enough = perPartition * most;
    let stopped = false;
    try {
      for await (const _batch of plan.items({ batchSize: 1000 })) {
        if (plan.counts.planned < enough) continue;
        stopped = true;
        break;
      }
    } finally {
      await plan.close();
    }
    const rows = plan.counts.planned;
    const of = Math.min(most, Math.max(1, Math.ceil(rows / perPartition)));
    return { of, rows, why: `${stopped ? 'at least ' : ''}${rows} rows to send, ${perPartition} a partition` };
  } finally {
    await endpoints.close();
  }
}

/**
 * The state store as the choice's plan sees it: it reads the ledger, and writes nothing (the run's own plan records
 * rows without a key, and marks a key read twice, when it reads them).
 */
function readOnlyStore(store: StateStore): StateStore {
  return new Proxy(store, {
    get(target, property) {
      if (property === 'putRejected' || property === 'setValue') return async () => undefined;
      const value: unknown = Reflect.get(target, property, target);
      // The store's methods use its private fields: they run on the store itself.
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
