import type { Row } from '../rows/row.js';
import { plannedOperation } from './plan/choose-operation.js';
import { fingerprint } from './plan/fingerprint.js';
import type { PlannedItem } from './plan/plan-sync.js';
import type { OpenRun } from './open-run.js';
import { readCurrentRows } from './read-current-rows.js';

/** How many dropped keys a retry names (the rest are counted). */
export const DROPPED_NAMED = 10;

/** A retry's items, and the rejected keys dropped because the source no longer has them. */
export interface RejectedItems {
  items: PlannedItem[];
  dropped: number;
  /** The first DROPPED_NAMED of them. */
  droppedKeys: string[];
}

/**
 * A retry's item provider: the sync's rejected rows (not those refused before planning) as planned items. By default
 * the source is read again and each key's current row is sent (the rejected payload may be stale); a key gone from the
 * source leaves the rejected list unsent. `asRejected` sends the rows as they were when rejected.
 */
export async function rejectedItems(opened: OpenRun, options: { asRejected: boolean }): Promise<RejectedItems> {
  const { run, store, lease, endpoints } = opened;
  const name = run.name;
  const rejected = (await store.listRejected(name, { limit: 1_000_000 })).filter((r) => r.operation !== 'plan');
  const ledger = await store.getLedgerEntries(name, rejected.map((r) => r.key));
  let current: Map<string, Row> | null = null;
  let dropped = 0;
  let droppedKeys: string[] = [];
  if (!options.asRejected) {
    current = await readCurrentRows({ source: endpoints.source, key: endpoints.key, mapRow: endpoints.mapRow, keys: new Set(rejected.map((r) => r.key)), signal: lease.signal });
    // A row gone from the source has nothing left to send (a rejected delete still has its removal to make).
    const gone = rejected.filter((r) => r.operation !== 'delete' && !current!.has(r.key)).map((r) => r.key);
    if (gone.length) await store.deleteRejected(name, gone);
    dropped = gone.length;
    droppedKeys = gone.slice(0, DROPPED_NAMED);
  }
  const items: PlannedItem[] = [];
  for (const r of rejected) {
    const entry = ledger.get(r.key);
    // Re-read: the row as the source has it now; --as-rejected: the row as it was when rejected.
    const row = current ? current.get(r.key) : r.row;
    if (!row && r.operation !== 'delete') continue;
    const change = !row || (!current && r.operation === 'delete') ? 'removed' : entry?.fingerprint ? 'changed' : 'added';
    items.push({
      key: r.key,
      change,
      operation: plannedOperation(endpoints.sync.mode, change) ?? (r.operation as PlannedItem['operation']),
      row: row ?? r.row,
      remoteId: entry?.remoteId ?? null,
      fingerprint: change === 'removed' ? null : fingerprint(endpoints.fieldRules.withoutCreateOnly(row!)),
      wasFailed: true,
    });
  }
  return { items, dropped, droppedKeys };
}
