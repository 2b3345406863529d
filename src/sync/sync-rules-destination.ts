import type { OnDelete } from '../config/project-schema.js';
import type { Destination } from '../destinations/destination.js';
import type { DeliveryItem, DeliveryOperation } from '../rows/delivery-item.js';
import type { FieldRules } from '../rows/field-rules.js';
import type { Row } from '../rows/row.js';
import { removalOperation } from './plan/choose-operation.js';

export interface SyncRules {
  fields: FieldRules;
  onDelete: OnDelete;
  /** The fields a cleared record gets as null: every field of the sync's rows but the key (used by `on_delete: clear`). */
  clearedFields: readonly string[];
}

/** Items per write of removals that send nothing (`on_delete: ignore`): only the ledger hears of them. */
const IGNORED_BATCH = 1000;

/**
 * A destination as a sync's write rules shape what it is sent, wherever the operation of a delivery is known (a run,
 * a retry, a preview): create-only fields leave every row sent as anything but a create, and a mirror removal (the
 * plan's `delete`) becomes what `on_delete` says: the delete itself, an update with the fields null, or nothing.
 * Either way the engine sees a confirmed delete, so the key leaves the ledger as after any delete.
 */
export function withSyncRules(destination: Destination, rules: SyncRules): Destination {
  const { fields, onDelete } = rules;
  if (fields.createOnly.length === 0 && onDelete === 'delete') return destination;
  const removal = removalOperation(onDelete);

  /** The item as it is sent: its operation as the destination performs it, its row as the rules leave it. */
  const sent = (item: DeliveryItem): DeliveryItem => {
    if (item.operation === 'delete' && removal === 'update') {
      return { key: item.key, operation: 'update', row: fields.withoutCreateOnly(cleared(item.row, rules.clearedFields)), remoteId: item.remoteId };
    }
    if (fields.sendsCreateOnly(item)) return item;
    const row = fields.withoutCreateOnly(item.row);
    return row === item.row ? item : { ...item, row };
  };
  const ignored = (items: DeliveryItem[]) => items.length > 0 && items[0]!.operation === 'delete' && removal === null;
  const performed = (op: DeliveryOperation): DeliveryOperation => (op === 'delete' && removal !== null ? removal : op);

  return {
    supports: (op) => (op === 'delete' && removal === null ? true : destination.supports(op === 'lookup' ? op : performed(op))),
    batchSize: (op) => (op === 'delete' && removal === null ? IGNORED_BATCH : destination.batchSize(performed(op))),
    get concurrency() {
      return destination.concurrency;
    },
    lookup: destination.lookup && ((items, options) => destination.lookup!(items, options)),
    async write(items, options) {
      // An ignored removal is confirmed unsent: the record stays as it is, and the key leaves the ledger.
      if (ignored(items)) return items.map((i) => ({ key: i.key, ok: true, remoteId: i.remoteId }));
      return destination.write(items.map(sent), options);
    },
    async preview(items, options) {
      if (ignored(items)) return [];
      return destination.preview(options?.lookup ? items : items.map(sent), options);
    },
    close: () => destination.close(),
  };
}

/** A removed record's row (its key columns) with every other field of the sync's rows set to null. */
function cleared(keyRow: Row, fields: readonly string[]): Row {
  const row: Row = { ...keyRow };
  for (const f of fields) if (!Object.hasOwn(row, f)) Object.defineProperty(row, f, { value: null, enumerable: true, writable: true, configurable: true });
  return row;
}
