import type { SyncMode } from '../../config/project-schema.js';
import type { Row } from '../../rows/row.js';
import type { Source } from '../../sources/source.js';
import type { LedgerEntry, StateStore } from '../../state/state-store.js';
import type { InvalidRow, PlanCounts, PlannedItem, SyncPlan } from './plan-sync.js';
import { PlanError } from './plan-error.js';
import { readAhead } from '../read-ahead.js';
import { plannedOperation, type PlanChange } from './choose-operation.js';
import { recordKey } from './record-key.js';
import { fingerprintOfText } from './fingerprint.js';
import { plainRowJson, stringifyRow } from './stringify-row.js';
import type { RowJson } from '../../rows/delivery-item.js';
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
/** Batches whose ledger lookup may be under way while the next is read: the lookups run on another thread. */
const LOOKUPS_AHEAD = 2;
/** Ledger entries read at a time when mirror looks for removed keys at the end of the read. */
const LEDGER_BATCH = 5000;

/**
 * A plan made as the source is read: each batch of rows is keyed, fingerprinted and compared with the ledger entries
 * of its keys (one lookup per batch, which returns only the keys that changed), and what changed is sent at once. Reading everything and planning first only
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

  /**
   * Keys, fingerprints and the ledger's verdict for one batch of source rows. What needs no ledger is done at once,
   * when called (so a key read twice is found in read order); the ledger's answer is awaited after.
   */
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
    const keys: string[] = [];
    const rows: Row[] = [];
    // The texts fingerprints are taken of; the row's own text is kept for the request (no create-only fields).
    const texts: string[] = [];
    const rowJson: (RowJson | undefined)[] = [];
    for (const raw of batch) {
      const row = mapRow(raw);
      counts.read++;
      const k = recordKey(row, key);
      if (k === null) {
        counts.invalid++;
        invalid.push({ key: `(row ${counts.read})`, row, error: `the key ${key.map((c) => `"${c}"`).join(', ')} is NULL or missing` });
        continue;
      }
      const first = seen.firstRead(k, counts.read);
      if (first !== undefined) {
        const again = counts.read;
        await store.setValue(duplicateKeyMark(sync), k);
        throw duplicateKey(options, k, first, again);
      }
      keys.push(k);
      rows.push(row);
      // The text the planner takes the fingerprint of, so later runs see it unchanged.
      if (options.fingerprintRow) {
        texts.push(stringifyRow(options.fingerprintRow(row)));
        rowJson.push(undefined);
      } else {
        const text = plainRowJson(row);
        texts.push(text ?? stringifyRow(row));
        rowJson.push(text === null ? undefined : { of: row, text });
      }
    }
    // Looked up, the fingerprints are taken by the store with the lookup (off the event loop where it can).
    const changed = lookUp && keys.length ? store.findChangedKeys(sync, keys, texts) : null;
    if (invalid.length) {
      const now = new Date().toISOString();
      await store.putRejected(
        sync,
        invalid.map((r) => ({ key: r.key, runId: options.runId, operation: 'plan', row: r.row, error: r.error, request: null, rejectedAt: now })),
      );
    }
    const ledger = changed ? await changed : null;
    for (let i = 0; i < keys.length; i++) {
      // Keys the ledger left out are unchanged; a key with no entry, or one never delivered (no fingerprint), is added.
      const found = ledger ? ledger.get(i) : null;
      if (found === undefined) {
        counts.unchanged++;
        continue;
      }
      const entry = found?.entry ?? null;
      const change: PlanChange = !entry || entry.fingerprint === null ? 'added' : 'changed';
      counts[change]++;
      const operation = plannedOperation(mode, change);
      if (operation === null) continue;
      planned.push({
        key: keys[i]!, change, operation, row: rows[i]!, remoteId: entry?.remoteId ?? null,
        fingerprint: found?.fingerprint ?? fingerprintOfText(texts[i]!), wasFailed: entry?.status === 'failed', rowJson: rowJson[i],
      });
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
    // Batches whose ledger lookup is under way: the next batch is read and fingerprinted meanwhile.
    const pending: Promise<PlannedItem[]>[] = [];
    try {
      for await (const batch of readAhead(source.read({ batchSize: READ_BATCH, signal }))) {
        const planning = plan(batch);
        // Awaited in turn below; a failure is never left unhandled meanwhile.
        planning.catch(() => undefined);
        pending.push(planning);
        // Only lookups are worth reading ahead for: without them a batch is planned at once, and the source is read no
        // faster than delivery takes batches.
        if (pending.length > (lookUp ? LOOKUPS_AHEAD : 0)) {
          const planned = await pending.shift()!;
          if (planned.length) yield planned;
        }
      }
      while (pending.length) {
        const planned = await pending.shift()!;
        if (planned.length) yield planned;
      }
    } finally {
      // Stopped early (an error, or the run stopped taking items): what was under way ends before the run closes.
      await Promise.allSettled(pending);
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
