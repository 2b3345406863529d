import type { SyncMode } from '../../config/project-schema.js';
import type { Row } from '../../rows/row.js';
import type { Source } from '../../sources/source.js';
import type { LedgerEntry, StateStore } from '../../state/state-store.js';
import { PlanError, type InvalidRow, type PlanCounts, type PlannedItem, type SyncPlan } from './plan-sync.js';
import { readAhead } from '../read-ahead.js';
import { plannedOperation, type PlanChange } from './choose-operation.js';
import { recordKey } from './record-key.js';
import { fingerprint } from './fingerprint.js';
import { SeenKeys } from './seen-keys.js';

export interface StreamedPlanOptions {
  source: Source;
  store: StateStore;
  sync: string;
  runId: string;
  mode: SyncMode;
  /** Key columns after mapping (append: may be empty; rows are then told apart by their number in the read). */
  key: string[];
  /** Applied to each source row as it is read. */
  mapRow: (row: Row) => Row;
  /** The part of a mapped row its fingerprint is taken of (without the sync's create-only fields); default: all of it. */
  fingerprintRow?: (row: Row) => Row;
  /**
   * The ledger holds nothing for this sync (a first run): every keyed row is added, and no batch is looked up in it.
   * Otherwise each batch's keys are looked up in the ledger as the batch is read.
   */
  ledgerEmpty: boolean;
  /** Whether this read returns every record (the source's `complete`): only then does mirror plan removals. */
  complete: boolean;
  signal?: AbortSignal;
}

/** Rows asked of the source at a time: small enough that the first request leaves soon after the first fetch. */
const READ_BATCH = 1000;
/** Ledger entries read at a time when mirror looks for removed keys at the end of the read. */
const LEDGER_BATCH = 5000;

/**
 * A plan made as the source is read: each batch of rows is keyed, fingerprinted and compared with the ledger entries
 * of its keys (one lookup per batch), and what changed is sent at once. Reading everything and planning first only
 * delayed the first request and held every row. The source is read only as fast as delivery takes batches
 * (deliverPlan pulls the next one when a request slot is free), so memory stays bounded by the batches in flight,
 * one fetched ahead, and the keys read so far. The counts grow as rows are read; `reading` is true until the last.
 *
 * Append compares nothing: every row is sent. A first run (an empty ledger) looks nothing up: every keyed row is
 * added. Only what needs the whole read waits for its end: mirror's removals (ledger keys the read did not return,
 * when the read was complete) are planned after the last row, as the plan's last items.
 *
 * The keys read so far are kept (tens of bytes a key, not the rows), so a key read twice stops the run before its
 * second row is sent: the API would get the record twice. Rows read before it were delivered and recorded, and the
 * sync is marked (duplicateKeyMark) so that its next run plans the whole read before sending, and refuses the source
 * before sending anything until the query is fixed. Rows without a key are kept as rejected (operation plan), as the
 * planner does.
 */
export function streamedPlan(options: StreamedPlanOptions): SyncPlan {
  const { source, store, sync, key, mapRow, signal, mode } = options;
  const counts: PlanCounts = { read: 0, added: 0, changed: 0, removed: 0, unchanged: 0, planned: 0, invalid: 0 };
  const seen = mode === 'append' ? null : new SeenKeys();
  const lookUp = mode !== 'append' && !options.ledgerEmpty;
  let reading = true;
  let started = false;

  /** Keys, fingerprints and the ledger's verdict for one batch of source rows. */
  async function plan(batch: Row[]): Promise<PlannedItem[]> {
    const planned: PlannedItem[] = [];
    const invalid: InvalidRow[] = [];
    if (!seen) {
      for (const raw of batch) {
        const row = mapRow(raw);
        counts.read++;
        // Append rows without a key are told apart by their number in the read, as their results come back.
        const k = key.length ? recordKey(row, key) : null;
        planned.push({ key: k ?? `#${counts.read}`, change: 'added', operation: 'create', row, remoteId: null, fingerprint: null, wasFailed: false });
      }
      counts.added = counts.planned = counts.read;
      return planned;
    }
    const keyed: { key: string; row: Row }[] = [];
    for (const raw of batch) {
      const row = mapRow(raw);
      counts.read++;
      const k = recordKey(row, key);
      if (k === null) {
        counts.invalid++;
        invalid.push({ key: `(row ${counts.read})`, row, error: `the key ${key.map((c) => `"${c}"`).join(', ')} is NULL or missing` });
        continue;
      }
      const first = seen.get(k);
      if (first !== undefined) {
        await store.setValue(duplicateKeyMark(sync), k);
        throw duplicateKey(options, k, first, counts.read);
      }
      seen.set(k, counts.read);
      keyed.push({ key: k, row });
    }
    if (invalid.length) {
      const now = new Date().toISOString();
      await store.putRejected(
        sync,
        invalid.map((r) => ({ key: r.key, runId: options.runId, operation: 'plan', row: r.row, error: r.error, request: null, rejectedAt: now })),
      );
    }
    const ledger = lookUp && keyed.length ? await store.getLedgerVersions(sync, keyed.map((r) => r.key)) : null;
    for (const { key: k, row } of keyed) {
      const entry = ledger?.get(k);
      // The fingerprint the planner would give it, so later runs see it unchanged.
      const fp = fingerprint(options.fingerprintRow?.(row) ?? row);
      // A key counts as delivered only with a fingerprint: a failed first attempt is still added.
      const change: PlanChange | null = !entry || entry.fingerprint === null ? 'added' : entry.fingerprint !== fp ? 'changed' : null;
      if (change === null) {
        counts.unchanged++;
        continue;
      }
      counts[change]++;
      const operation = plannedOperation(mode, change);
      if (operation === null) continue;
      planned.push({ key: k, change, operation, row, remoteId: entry?.remoteId ?? null, fingerprint: fp, wasFailed: entry?.status === 'failed' });
    }
    counts.planned += planned.length;
    return planned;
  }

  /** Delivered keys of the ledger that the read did not return (mirror, after a complete read). */
  async function* removed(): AsyncIterable<PlannedItem[]> {
    for await (const entries of store.readLedger(sync, { batchSize: LEDGER_BATCH })) {
      const gone = entries.filter((e: LedgerEntry) => e.fingerprint !== null && !seen!.has(e.key));
      counts.removed += gone.length;
      counts.planned += gone.length;
      if (gone.length) {
        yield gone.map((e) => ({ key: e.key, change: 'removed', operation: 'delete', row: {}, remoteId: e.remoteId, fingerprint: null, wasFailed: e.status === 'failed' }));
      }
    }
  }

  async function* items(): AsyncIterable<PlannedItem[]> {
    // One read per run: the items are the source's rows, which a second pass would read again.
    if (started) throw new Error('a streamed plan gives its items once');
    started = true;
    for await (const batch of readAhead(source.read({ batchSize: READ_BATCH, signal }))) {
      const planned = await plan(batch);
      if (planned.length) yield planned;
    }
    if (mode === 'mirror' && options.complete && lookUp) yield* removed();
    reading = false;
  }
  return {
    counts,
    // Rows without a key are recorded as they are read (above), not handed back for the run to record first.
    invalid: [],
    items,
    readVia: 'source',
    get fingerprinted() {
      return mode === 'append' ? counts.read : counts.read - counts.invalid;
    },
    ledgerVia: 'ledger',
    get reading() {
      return reading;
    },
    close: async () => undefined,
  };
}

/** The state value set when a streamed run found a key read twice (the key); '' once a whole-read plan found none. */
export function duplicateKeyMark(sync: string): string {
  return `sync:${sync}:duplicate-key`;
}

function duplicateKey(options: StreamedPlanOptions, key: string, first: number, again: number): PlanError {
  return new PlanError(
    `the key value "${key}" appears more than once in the source of sync "${options.sync}" (key ${options.key.join(', ')}): rows ${first} and ${again}. ` +
      `Each record must have one row: fix the query or choose a key that is unique. The rows read before it were sent and ` +
      `recorded (a run sends as it reads); the next run refuses this source before sending anything.`,
  );
}
