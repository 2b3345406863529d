import type { Destination, PreviewRequest } from '../destinations/destination.js';
import type { DeliveryItem } from '../rows/delivery-item.js';
import type { SyncPlan } from './plan/plan-sync.js';

/** What a baseline would adopt (`sluice sync preview NAME --baseline`). */
export interface BaselinePreview {
  /** Rows it would record as delivered, once found (the rest are delivered in their current version already). */
  adopt: number;
  /** Of those, rows whose remote id it would ask the lookup endpoint for (the others keep the one the ledger has). */
  lookUp: number;
  /** The lookup endpoint; null when the sync has none (rows would be adopted without a remote id). */
  lookup: string | null;
  /** The first keys it would adopt. */
  keys: string[];
}

/**
 * A baseline preview's sink: counts what the baseline plan would adopt and renders the first `limit` lookups it
 * would send, as the run asks them (one request a record); nothing is sent or recorded.
 */
export async function renderBaselinePreview(
  plan: SyncPlan,
  destination: Destination,
  lookup: string | null,
  limit: number,
): Promise<BaselinePreview & { requests: PreviewRequest[] }> {
  const lookUp = lookup !== null && destination.supports('lookup');
  const preview: BaselinePreview = { adopt: 0, lookUp: 0, lookup: lookUp ? lookup : null, keys: [] };
  const asked: DeliveryItem[] = [];
  for await (const batch of plan.items({ batchSize: 1000 })) {
    for (const item of batch) {
      preview.adopt++;
      if (preview.keys.length < limit) preview.keys.push(item.key);
      if (!lookUp || item.remoteId !== null) continue;
      preview.lookUp++;
      if (asked.length < limit) asked.push({ key: item.key, operation: 'update', row: item.row, remoteId: null });
    }
  }
  const requests = asked.length ? await destination.preview(asked, { lookup: true }) : [];
  return { ...preview, requests: requests.slice(0, limit) };
}
