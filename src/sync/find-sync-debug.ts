import type { SyncDebug } from '../api/debug.js';
import type { LoadedProject } from '../config/load-project.js';
import type { StateStore } from '../state/state-store.js';
import { findSync } from './open-sync-endpoints.js';

/** The longest record key a debugger search takes (a composite key is a JSON array of its parts). */
export const MAX_DEBUG_KEY_CHARS = 65_536;
/** The most exchanges one answer holds. */
export const MAX_DEBUG_EXCHANGES = 500;

/** What to look up: a record key, optionally one run, and how many exchanges at most. */
export interface DebugQuery {
  key: string;
  runId?: string;
  limit?: number;
}

/**
 * The HTTP exchanges behind one record key of a sync, newest first, as `sluice sync debug` and the API show them:
 * masked again on the way out (they are stored masked). An unknown sync is a ConfigError; a key with none says why.
 */
export async function findSyncDebug(loaded: LoadedProject, store: StateStore, name: string, query: DebugQuery): Promise<SyncDebug> {
  const sync = findSync(loaded, name);
  const limit = Math.min(Math.max(1, query.limit ?? 50), MAX_DEBUG_EXCHANGES);
  // One more than asked: whether there are more to say so.
  const { exchanges: found, searchedAll } = await store.listExchanges(name, query.key, { runId: query.runId, limit: limit + 1 });
  const exchanges = loaded.redactor.maskValue(found.slice(0, limit));
  const retentionDays = sync.debug.retention_days;
  const note = exchanges.length > 0 ? null : await whyNone(loaded, store, name, query, retentionDays);
  return { sync: name, key: query.key, retentionDays, exchanges, more: found.length > limit || !searchedAll, note };
}

/** Why a key has no exchanges kept, in the words a user acts on. */
async function whyNone(loaded: LoadedProject, store: StateStore, name: string, query: DebugQuery, retentionDays: number): Promise<string> {
  const sync = loaded.project.syncs[name]!;
  const to = loaded.project.connections[sync.to.connection];
  if (to && to.type !== 'http') return `sync ${name} writes to a table: the debugger keeps the HTTP requests of syncs to an API`;
  if (retentionDays === 0) return `the debugger is off for sync ${name} (debug.retention_days: 0)`;
  const inRun = query.runId === undefined ? '' : ` in run ${query.runId}`;
  // A key is named as given up to a line's worth: a long one is not echoed back whole.
  const key = query.key.length <= 100 ? query.key : `${query.key.slice(0, 100)}… (${query.key.length} characters)`;
  const rejected = (await store.listRejected(name, { limit: 100_000 })).find((r) => r.key === query.key);
  if (rejected?.kind === 'invalid') return `no request was sent for key ${key}${inRun}: the row is invalid (${loaded.redactor.mask(rejected.error)}); see sluice sync rejected ${name}`;
  const [entry] = await store.listLedger(name, { key: query.key, limit: 1 });
  // (An append sync keeps no ledger: whether it ever sent the key is unknown.)
  if (entry || sync.mode === 'append') return `no request for key ${key}${inRun} is kept: requests are kept ${retentionDays} day${retentionDays === 1 ? '' : 's'} (debug.retention_days)`;
  return `sync ${name} has sent nothing for key ${key}${inRun}: no run has planned it (see sluice sync records ${name})`;
}
