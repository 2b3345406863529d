import type { OnDelete } from '../config/project-schema.js';
import type { Destination, PreviewRequest } from '../destinations/destination.js';
import type { DeliveryItem, DeliveryOperation } from '../rows/delivery-item.js';
import { deliveryOperation, noEndpointError, removalOperation } from './plan/choose-operation.js';
import { keyRow } from './plan/key-row.js';
import type { SyncPlan } from './plan/plan-sync.js';

/** What a preview's sink saw: planned rows per operation, rows refused before sending, the first requests rendered. */
export interface RenderedPreview {
  operations: Partial<Record<DeliveryOperation | 'lookup', number>>;
  invalid: { key: string; error: string }[];
  requests: PreviewRequest[];
}

/**
 * A preview's sink in place of delivery: each planned item gets the operation a run would send it as, and the first
 * `limit` items are rendered as the destination would batch them; nothing is sent or recorded. A mirror removal counts
 * as what `onDelete` sends for it (an update for clear, nothing for ignore); the destination renders it so.
 */
export async function renderPreview(plan: SyncPlan, destination: Destination, key: string[], limit: number, onDelete: OnDelete = 'delete'): Promise<RenderedPreview> {
  const operations: RenderedPreview['operations'] = {};
  const invalid = plan.invalid.slice(0, limit).map((r) => ({ key: r.key, error: r.error }));
  // Each item keeps its planned change: whether a native upsert sends create-only fields depends on it.
  const sample: { op: DeliveryOperation | 'lookup'; item: DeliveryItem & { change: string } }[] = [];
  for await (const batch of plan.items({ batchSize: 1000 })) {
    for (const item of batch) {
      // The run's own choice (deliverPlan): a row it cannot send fails there, so it is refused here.
      const op = deliveryOperation(item.operation, destination, item.remoteId);
      if (op === null) {
        if (invalid.length < limit) invalid.push({ key: item.key, error: noEndpointError(item.operation) });
        continue;
      }
      const sent = op === 'delete' ? removalOperation(onDelete) : op;
      // An ignored removal sends nothing: the plan's removed count is all that shows it.
      if (sent === null) continue;
      operations[sent] = (operations[sent] ?? 0) + 1;
      if (sample.length < limit) {
        const row = item.change === 'removed' ? keyRow(item.key, key) : item.row;
        // A lookup's record is then updated or created: which one only the lookup's answer says.
        sample.push({ op, item: { key: item.key, operation: op === 'lookup' ? 'update' : op, row, remoteId: item.remoteId, change: item.change } });
      }
    }
  }
  const requests: PreviewRequest[] = [];
  for (const op of new Set(sample.map((s) => s.op))) {
    const items = sample.filter((s) => s.op === op).map((s) => s.item);
    if (op === 'lookup') {
      requests.push(...(await destination.preview(items, { lookup: true })));
      continue;
    }
    const size = Math.max(1, destination.batchSize(op));
    for (let i = 0; i < items.length; i += size) requests.push(...(await destination.preview(items.slice(i, i + size))));
  }
  return { operations, invalid, requests: requests.slice(0, limit) };
}
