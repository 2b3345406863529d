import type { RunSummary } from '../api/runs.js';
import type { LoadedProject } from '../config/load-project.js';
import type { RunKind, RunRecord, StateStore } from '../state/state-store.js';
import { finishRun, type RunToFinish } from './finish-run.js';
import { holdLease, type HeldLease, type HoldLeaseOptions } from './hold-lease.js';
import { openRunRecord } from './open-run-record.js';
import { openSyncEndpoints, type SyncEndpoints } from './open-sync-endpoints.js';

export interface OpenRunOptions {
  loaded: LoadedProject;
  store: StateStore;
  kind: RunKind;
  /** The sync's or pipeline's name. */
  name: string;
  trigger: string;
  /** Use this run id (a server records it before the run starts, maybe as queued). */
  runId?: string;
  /** The lease's timing (default SLUICE_LEASE_TTL_MS) and the run's cancel signal. */
  lease?: HoldLeaseOptions;
  /** Called once the lease is held, before the endpoints open. */
  onLeaseHeld?: (run: RunRecord) => void;
}

/** How a sync's endpoints are opened for the run. */
export interface RunEndpointOptions {
  /** Run-time variable values (`--var k=v`). */
  vars?: Record<string, string>;
  /** Read incremental streams in full. */
  full?: boolean;
}

/** A run under way: its record, its lease and (for a sync or a retry) its source and destination. finishRun ends it. */
export interface OpenRun<E extends SyncEndpoints | null = SyncEndpoints> extends RunToFinish {
  started: true;
  /** True when the record existed (queued by a server, or left running by a worker that stopped). */
  resumed: boolean;
  lease: HeldLease;
  endpoints: E;
}

/** A run recorded but never started (its lease refused, its endpoints failed to open): already finished as failed. */
export interface UnstartedRun {
  started: false;
  summary: RunSummary;
  /** Why it could not start, as thrown (a ConfigError stays one). */
  error: unknown;
}

/**
 * Opens a run: creates or resumes its record (openRunRecord), takes and holds its lease, and opens the sync's source
 * and destination. Throws only before the record may run (see openRunRecord): after that, a failure to start is
 * recorded here and returned as an UnstartedRun, for the caller to report or throw.
 */
export async function openRun(options: OpenRunOptions & { endpoints: RunEndpointOptions }): Promise<OpenRun | UnstartedRun>;
/** Opens a run without endpoints (a pipeline's: its steps open their own). */
export async function openRun(options: OpenRunOptions): Promise<OpenRun<null> | UnstartedRun>;
export async function openRun(
  options: OpenRunOptions & { endpoints?: RunEndpointOptions },
): Promise<OpenRun<SyncEndpoints | null> | UnstartedRun> {
  const { loaded, store, name } = options;
  const openedAt = Date.now();
  const { run, resumed } = await openRunRecord(store, { kind: options.kind, name, trigger: options.trigger, id: options.runId });
  const handle = { run, store, redactor: loaded.redactor, loaded, openedAt };
  let lease: HeldLease | undefined;
  try {
    // Before anything is planned or sent: a second run of this sync or pipeline (any process) stops here.
    lease = await holdLease(store, run, options.lease);
    options.onLeaseHeld?.(run);
    const endpoints = options.endpoints
      ? await openSyncEndpoints(loaded, name, { store, run: { id: run.id, started_at: run.startedAt }, ...options.endpoints, debug: true })
      : null;
    const held = lease;
    const close = async () => {
      await endpoints?.close();
      await held.release();
    };
    return { ...handle, started: true, resumed, lease: held, endpoints, close };
  } catch (error) {
    const summary = await finishRun({ ...handle, close: async () => lease?.release() }, { error });
    return { started: false, summary, error };
  }
}
