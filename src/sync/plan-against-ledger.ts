import { resolve } from 'node:path';
import type { LoadedProject } from '../config/load-project.js';
import type { StateStore } from '../state/state-store.js';
import type { SyncEndpoints } from './open-sync-endpoints.js';
import { planSnapshotDir } from './plan/plan-snapshot.js';
import { planSync, type SyncPlan } from './plan/plan-sync.js';

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
  return planSync({
    source: endpoints.source,
    store,
    sync: name,
    mode: endpoints.sync.mode,
    key: endpoints.key,
    mapRow: endpoints.mapRow,
    spillDir: spillDir(loaded),
    snapshotDir: planSnapshotDir(loaded.dir, loaded.project.state, name),
    forget: options.forget,
    complete: endpoints.source.complete ?? true,
    signal: options.signal,
  });
}

/** The folder where plan workspaces spill: inside the embedded state folder, else the system temp dir. */
function spillDir(loaded: LoadedProject): string | undefined {
  const state = loaded.project.state;
  return /^postgres(ql)?:\/\//.test(state) ? undefined : resolve(loaded.dir, state, 'tmp');
}
