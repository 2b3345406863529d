import type { LoadedProject } from '../config/load-project.js';
import { planSnapshotFolder, planSpillFolder, stateLocation } from '../state/state-location.js';
import type { StateStore } from '../state/state-store.js';
import type { SyncEndpoints } from './open-sync-endpoints.js';
import type { SyncPlan } from './plan/plan-sync.js';

/**
 * The plan stage of a sync's run and of its preview: the source's rows diffed against the ledger in a plan workspace
 * (a source that can plan inside it is keyed and fingerprinted there in SQL; the ledger comes from the plan snapshot).
 */
export async function planAgainstLedger(options: {
  loaded: LoadedProject;
  store: StateStore;
  /** The sync's name. */
  sync: string;
  endpoints: SyncEndpoints;
  /** Plan as if nothing had been delivered (`--full`); the ledger still says which delivered keys a complete read no longer has. */
  forget?: boolean;
  signal?: AbortSignal;
}): Promise<SyncPlan> {
  const { loaded, store, sync: name, endpoints } = options;
  const location = stateLocation(loaded.dir, loaded.project.state);
  // Loaded when a whole-read plan is made: its DuckDB workspace's library is tens of MB a streamed run never needs.
  const { planSync } = await import('./plan/plan-sync.js');
  return planSync({
    source: endpoints.source,
    store,
    sync: name,
    mode: endpoints.sync.mode,
    key: endpoints.key,
    mapRow: endpoints.mapRow,
    fingerprintRow: endpoints.fieldRules.createOnly.length ? endpoints.fieldRules.withoutCreateOnly : undefined,
    spillDir: planSpillFolder(location),
    snapshotDir: planSnapshotFolder(location, name),
    forget: options.forget,
    complete: endpoints.source.complete ?? true,
    signal: options.signal,
  });
}
