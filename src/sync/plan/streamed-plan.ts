import type { Row } from '../../rows/row.js';
import type { Source } from '../../sources/source.js';
import type { StateStore } from '../../state/state-store.js';
import { PlanError, type InvalidRow, type PlanCounts, type PlannedItem, type SyncPlan } from './plan-sync.js';
import { readAhead } from '../read-ahead.js';
import { recordKey } from './record-key.js';
import { fingerprint } from './fingerprint.js';

export interface StreamedPlanOptions {
  source: Source;
  store: StateStore;
  sync: string;
  runId: string;
  /** append: every row, every run; insert: a first run (the ledger holds nothing yet), where every keyed row is added. */
  mode: 'append' | 'insert';
  /** Key columns after mapping (append: may be empty; rows are then told apart by their number in the read). */
  key: string[];
  /** Applied to each source row as it is read. */
  mapRow: (row: Row) => Row;
  signal?: AbortSignal;
}

/** Rows asked of the source at a time: small enough that the first request leaves soon after the first fetch. */
const READ_BATCH = 1000;

/**
 * A plan made as the source is read, for the runs that compare nothing with the ledger: every row of an append run,
 * and every row of an insert run whose ledger is empty (its first), is an added record, sent as it comes. Reading it
 * all and planning first only delayed the first request and held every row. The source is read only as fast as
 * delivery takes batches (deliverPlan pulls the next one when a request slot is free), so memory stays bounded by
 * the batches in flight and one fetched ahead. The counts grow as rows are read; `reading` is true until the last.
 *
 * Insert keeps the keys it has read in a set, so a key read twice stops the run before its second row is sent (the
 * API would get the record twice): the rows before it were delivered and recorded, and the next run, planned against
 * that ledger, refuses the source before sending anything until the query is fixed. The set costs tens of bytes a
 * key, not the whole read; rows without a key are kept as rejected (operation plan), as the planner does.
 */
export function streamedPlan(options: StreamedPlanOptions): SyncPlan {
  const { source, key, mapRow, signal, mode } = options;
  const counts: PlanCounts = { read: 0, added: 0, changed: 0, removed: 0, unchanged: 0, planned: 0, invalid: 0 };
  const seen = mode === 'insert' ? new Map<string, number>() : null;
  let reading = true;
  let started = false;
  async function* items(): AsyncIterable<PlannedItem[]> {
    // One read per run: the items are the source's rows, which a second pass would read again.
    if (started) throw new Error('a streamed plan gives its items once');
    started = true;
    for await (const batch of readAhead(source.read({ batchSize: READ_BATCH, signal }))) {
      const planned: PlannedItem[] = [];
      const invalid: InvalidRow[] = [];
      for (const raw of batch) {
        const row = mapRow(raw);
        counts.read++;
        const k = key.length ? recordKey(row, key) : null;
        if (!seen) {
          // Append rows without a key are told apart by their number in the read, as their results come back.
          planned.push({ key: k ?? `#${counts.read}`, change: 'added', operation: 'create', row, remoteId: null, fingerprint: null, wasFailed: false });
          continue;
        }
        if (k === null) {
          counts.invalid++;
          invalid.push({ key: `(row ${counts.read})`, row, error: `the key ${key.map((c) => `"${c}"`).join(', ')} is NULL or missing` });
          continue;
        }
        const first = seen.get(k);
        if (first !== undefined) throw duplicateKey(options, k, first, counts.read);
        seen.set(k, counts.read);
        // The fingerprint the planner would give it, so later runs see it unchanged.
        planned.push({ key: k, change: 'added', operation: 'create', row, remoteId: null, fingerprint: fingerprint(row), wasFailed: false });
      }
      if (invalid.length) {
        const now = new Date().toISOString();
        await options.store.putRejected(
          options.sync,
          invalid.map((r) => ({ key: r.key, runId: options.runId, operation: 'plan', row: r.row, error: r.error, request: null, rejectedAt: now })),
        );
      }
      counts.added = counts.planned = counts.read - counts.invalid;
      if (planned.length) yield planned;
    }
    reading = false;
  }
  return {
    counts,
    // Rows without a key are recorded as they are read (above), not handed back for the run to record first.
    invalid: [],
    items,
    readVia: 'source',
    get fingerprinted() {
      return counts.read - counts.invalid;
    },
    ledgerVia: 'ledger',
    get reading() {
      return reading;
    },
    close: async () => undefined,
  };
}

function duplicateKey(options: StreamedPlanOptions, key: string, first: number, again: number): PlanError {
  return new PlanError(
    `the key value "${key}" appears more than once in the source of sync "${options.sync}" (key ${options.key.join(', ')}): rows ${first} and ${again}. ` +
      `Each record must have one row: fix the query or choose a key that is unique. The rows read before it were sent (a first run ` +
      `sends as it reads); the next run refuses this source before sending anything.`,
  );
}
