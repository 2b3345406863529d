import type { Row, Source } from '../sources/source.js';
import type { PlanCounts, PlannedItem, SyncPlan } from './plan-sync.js';
import { readAhead } from './read-ahead.js';
import { recordKey } from './record-key.js';

export interface AppendPlanOptions {
  source: Source;
  /** Key columns after mapping, when the sync names a key (rows are then told apart by it); else empty. */
  key: string[];
  /** Applied to each source row as it is read. */
  mapRow: (row: Row) => Row;
  signal?: AbortSignal;
}

/** Rows asked of the source at a time: small enough that the first request leaves soon after the first fetch. */
const READ_BATCH = 1000;

/**
 * The plan of an append run, made as the source is read: every row is an added record, sent as it comes. Append
 * compares nothing with the ledger, so nothing needs the whole read before sending; reading it all first only delayed
 * the first request and held every row. The source is read only as fast as delivery takes batches (deliverPlan pulls
 * the next one when a request slot is free), so memory stays bounded by the batches in flight and one fetched ahead.
 * The counts grow as rows are read; `reading` is true until the source has given its last row.
 */
export function appendPlan(options: AppendPlanOptions): SyncPlan {
  const { source, key, mapRow, signal } = options;
  const counts: PlanCounts = { read: 0, added: 0, changed: 0, removed: 0, unchanged: 0, planned: 0, invalid: 0 };
  let reading = true;
  let started = false;
  async function* items(): AsyncIterable<PlannedItem[]> {
    // One read per run: the items are the source's rows, which a second pass would read again.
    if (started) throw new Error('an append plan streams its items once');
    started = true;
    for await (const batch of readAhead(source.read({ batchSize: READ_BATCH, signal }))) {
      const planned: PlannedItem[] = new Array<PlannedItem>(batch.length);
      for (let i = 0; i < batch.length; i++) {
        const row = mapRow(batch[i]!);
        counts.read++;
        // Rows without a key are told apart by their number in the read, as their results come back.
        const k = (key.length ? recordKey(row, key) : null) ?? `#${counts.read}`;
        planned[i] = { key: k, change: 'added', operation: 'create', row, remoteId: null, fingerprint: null, wasFailed: false };
      }
      counts.added = counts.planned = counts.read;
      yield planned;
    }
    reading = false;
  }
  return {
    counts,
    invalid: [],
    items,
    readVia: 'source',
    get fingerprinted() {
      return counts.read;
    },
    ledgerVia: 'ledger',
    get reading() {
      return reading;
    },
    close: async () => undefined,
  };
}
