import { readFile } from 'node:fs/promises';
import { ConfigError } from '../config/config-error.js';
import { displayPath } from '../config/display-path.js';
import { parseYaml } from '../config/load-yaml.js';
import type { LoadedProject } from '../config/load-project.js';
import type { StateStore } from '../state/state-store.js';
import { findSync, type SyncEndpoints } from './open-sync-endpoints.js';
import { planAgainstLedger } from './plan-against-ledger.js';
import type { SyncPlan } from './plan/plan-sync.js';

/**
 * The plan of a baseline (`sluice sync run NAME --baseline`, and its preview): every keyed source row the ledger does
 * not hold as delivered in its current version, whatever the sync's mode sends. It is planned as an upsert: added and
 * changed rows are items (with the fingerprint they get once delivered and any remote id the ledger keeps), removed
 * keys are not (a baseline adopts what is there; it forgets nothing).
 */
export function planBaseline(options: { loaded: LoadedProject; store: StateStore; sync: string; endpoints: SyncEndpoints; signal?: AbortSignal }): Promise<SyncPlan> {
  const { endpoints } = options;
  return planAgainstLedger({ ...options, endpoints: { ...endpoints, sync: { ...endpoints.sync, mode: 'upsert' } } });
}

/** The trigger a baseline run is recorded with: what started it, marked so the run's history shows it was a baseline. */
export function baselineTrigger(trigger: string): string {
  return isBaselineTrigger(trigger) ? trigger : `${trigger}:baseline`;
}

/** Whether a run with this trigger was a baseline. */
export function isBaselineTrigger(trigger: string): boolean {
  return trigger.endsWith(':baseline');
}

/** Refuses a baseline of an append sync (before a run is recorded): it keeps no ledger to adopt rows into. */
export async function checkBaselineMode(loaded: LoadedProject, name: string): Promise<void> {
  if (findSync(loaded, name).mode !== 'append') return;
  const yaml = parseYaml(await readFile(loaded.file, 'utf8'), displayPath(loaded.file));
  const message = `sync "${name}" appends every row on every run and keeps no ledger: a baseline has nothing to adopt`;
  throw new ConfigError([yaml.issue(['syncs', name, 'mode'], message)]);
}
