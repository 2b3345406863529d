import type { Destination } from '../../destinations/destination.js';
import type { DeliveryOperation } from '../../rows/delivery-item.js';
import type { OnDelete, SyncMode } from '../../config/project-schema.js';

/** What the plan says happened to a key since the last delivery. */
export type PlanChange = 'added' | 'changed' | 'removed';

/** The operation a change calls for in a mode (DESIGN §4); null when the mode ignores it. */
export function plannedOperation(mode: SyncMode, change: PlanChange): DeliveryOperation | null {
  switch (mode) {
    case 'append':
    case 'insert':
      return change === 'added' ? 'create' : null;
    // Update mode never creates: a key new to the ledger still names an existing remote record, so it is updated.
    case 'update':
      return change === 'removed' ? null : 'update';
    case 'upsert':
      return change === 'removed' ? null : 'upsert';
    case 'mirror':
      return change === 'removed' ? 'delete' : 'upsert';
  }
}

/**
 * What the destination is sent for a mirror removal under the sync's `on_delete`: a delete, an update with the fields
 * null (clear), or nothing (ignore). The plan's operation for a removed key stays `delete` whatever the rule: it means
 * the key leaves the ledger once the destination confirms, which every rule wants (a cleared or ignored record is not
 * sent again); withSyncRules (src/sync/sync-rules-destination.ts) turns it into what this says.
 */
export function removalOperation(onDelete: OnDelete): DeliveryOperation | null {
  switch (onDelete) {
    case 'delete':
      return 'delete';
    case 'clear':
      return 'update';
    case 'ignore':
      return null;
  }
}

/**
 * The destination operation for a planned one, by what the destination supports.
 * Upsert uses a native upsert when there is one; without: a kept remote id goes to update, else a lookup finds the
 * record, else it is created.
 */
export function deliveryOperation(
  planned: DeliveryOperation,
  destination: Pick<Destination, 'supports'>,
  remoteId: string | null,
): DeliveryOperation | 'lookup' | null {
  const can = (op: DeliveryOperation | 'lookup') => destination.supports(op);
  switch (planned) {
    case 'delete':
      return can('delete') ? 'delete' : null;
    case 'create':
      return can('create') ? 'create' : can('upsert') ? 'upsert' : null;
    case 'update':
      return can('update') ? 'update' : can('upsert') ? 'upsert' : null;
    case 'upsert':
      // A native upsert addresses the record by its key, so it works even when the kept remote id went stale.
      if (can('upsert')) return 'upsert';
      if (remoteId !== null && can('update')) return 'update';
      if (remoteId === null && can('lookup') && can('update')) return 'lookup';
      if (remoteId === null && can('create')) return 'create';
      return can('update') ? 'update' : null;
  }
}

/** Why a row fails unsent when deliveryOperation finds no way to do its planned operation (a run and a preview say the same). */
export function noEndpointError(planned: DeliveryOperation): string {
  return `the destination has no endpoint for ${planned}`;
}
