import type { SyncMode } from '../config/project-schema.js';
import { type Destination } from '../destinations/destination.js';
import { FatalDeliveryError, type DeliveryOperation, type DeliveryResult } from '../rows/delivery-item.js';
import type { LedgerChanges, LedgerEntry, RejectedRow, StateStore } from '../state/state-store.js';
import { deliveryOperation, noEndpointError } from './plan/choose-operation.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { lookUpRemoteIds } from './look-up-remote-ids.js';
import type { PlannedItem } from './plan/plan-sync.js';
import { runEndMessage } from './run-end-messages.js';
import { writeBatch } from './write-batch.js';

/** Running totals of a delivery, reported after every confirmed batch. */
export interface DeliveryTally {
  sent: number;
  delivered: number;
  /** Rows the API or database refused. */
  failed: number;
  /** Rows never sent because their request could not be rendered (a template error, a body that is not JSON). */
  invalid: number;
  /** The first few errors, for the summary. */
  sampleErrors: { key: string; error: string }[];
}

export interface DeliverPlanOptions {
  items: AsyncIterable<PlannedItem[]>;
  destination: Destination;
  store: StateStore;
  sync: string;
  runId: string;
  mode: SyncMode;
  onBatch?: (tally: DeliveryTally) => void;
  /** Checked after every recorded batch: true stops sending (`on_error.max_failed_rows` passed); in-flight writes finish. */
  stopWhen?: (tally: DeliveryTally) => boolean;
  signal?: AbortSignal;
}

/** How long the counts of batches that changed nothing else may wait to be written with the run. */
const COUNTS_EVERY_MS = 250;

/**
 * Sends planned items through a destination — batched per operation (`batchSize`), `concurrency` writes in flight, a
 * batch refused as a whole split until its bad records stand alone (writeBatch) — and records
 * each confirmed batch in the ledger in its own small transaction, with the run's counts, so a crash loses at most
 * what was in flight and the run's history stays true. Each item's `operation` is set to the one it is delivered as
 * (the planned one, as the destination can do it), and the item itself goes to the destination: a million-row run
 * copies no item.
 *
 * Sending stops early — no new writes, the ones in flight finish and are recorded — when `stopWhen` says so, when a
 * write throws FatalDeliveryError, or when the circuit breaker trips on an outage: then it throws "the API is
 * unavailable: ..." and the rows it could not reach stay pending, neither rejected nor counted as failed.
 */
export async function deliverPlan(options: DeliverPlanOptions): Promise<DeliveryTally> {
  const { destination, store, sync, runId, signal } = options;
  const tally: DeliveryTally = { sent: 0, delivered: 0, failed: 0, invalid: 0, sampleErrors: [] };
  const queues = new Map<DeliveryOperation | 'lookup', PlannedItem[]>();
  // A batch holds its slot until its ledger write is committed: what a crash can send twice is what is in flight.
  const inFlight = new Set<Promise<void>>();
  let fatal: unknown = null;
  // No new writes once set: a fatal error, the breaker tripped, or stopWhen.
  let stopped = false;
  const breaker = new CircuitBreaker<PlannedItem>();
  // Counts of confirmed batches that changed nothing else (an append run's rows) wait to go with the next write, or
  // COUNTS_EVERY_MS at most: a transaction of counts alone per single-record request cost as much as the request.
  const unwritten = { delivered: 0, failed: 0, invalid: 0 };
  let countsWrittenAt = Date.now();

  const launch = async (batch: PlannedItem[]) => {
    while (inFlight.size >= Math.max(1, destination.concurrency) || breaker.holdsNewWrites(inFlight.size)) await Promise.race(inFlight);
    if (stopped) return;
    const p: Promise<void> = writeAndRecord(batch)
      .catch((e) => {
        fatal ??= e;
        stopped = true;
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  };

  const writeAndRecord = async (batch: PlannedItem[]) => {
    tally.sent += batch.length;
    const results = await writeBatch(destination, batch, signal);
    const settled = breaker.observe({ items: batch, results });
    if (breaker.tripped) stopped = true;
    await record(settled.items, settled.results);
  };

  const record = async (batch: PlannedItem[], results: DeliveryResult[]) => {
    // Results come in the items' order from every destination we ship; a map is built only when one does not.
    let byKey: Map<string, DeliveryResult> | null = null;
    const resultOf = (p: PlannedItem, i: number) => {
      if (results[i]?.key === p.key) return results[i];
      byKey ??= new Map(results.map((r) => [r.key, r]));
      return byKey.get(p.key);
    };
    const now = new Date().toISOString();
    const put: LedgerEntry[] = [];
    const deleted: string[] = [];
    const cleared: string[] = [];
    const rejected: RejectedRow[] = [];
    const before = { delivered: tally.delivered, failed: tally.failed, invalid: tally.invalid };
    for (let i = 0; i < batch.length; i++) {
      const p = batch[i]!;
      const r = resultOf(p, i) ?? { key: p.key, ok: false, error: 'the destination returned no result for this record' };
      if (r.ok) {
        tally.delivered++;
        if (p.operation === 'delete') deleted.push(p.key);
        else if (options.mode !== 'append') put.push({ key: p.key, fingerprint: p.fingerprint, remoteId: r.remoteId ?? p.remoteId, status: 'delivered', lastError: null, runId, updatedAt: now });
        if (p.wasFailed) cleared.push(p.key);
      } else {
        if (r.notSent) tally.invalid++;
        else tally.failed++;
        const error = r.error ?? 'failed';
        if (tally.sampleErrors.length < 5) tally.sampleErrors.push({ key: p.key, error });
        // The fingerprint stays that of the last delivered version, so the next run sends this row again. (Append keeps
        // nothing per key: its next run sends every row anyway, and the rejected row below is what can be retried.)
        if (options.mode !== 'append') {
          put.push({ key: p.key, fingerprint: failedFingerprint(p), remoteId: p.remoteId, status: 'failed', lastError: error, runId, updatedAt: now });
        }
        rejected.push({
          key: p.key, runId, operation: p.operation, kind: r.notSent ? 'invalid' : 'rejected', row: p.row, error, request: r.request ?? null, rejectedAt: now,
        });
      }
    }
    unwritten.delivered += tally.delivered - before.delivered;
    unwritten.failed += tally.failed - before.failed;
    unwritten.invalid += tally.invalid - before.invalid;
    const changes = put.length > 0 || deleted.length > 0 || rejected.length > 0 || cleared.length > 0;
    if (changes || Date.now() - countsWrittenAt >= COUNTS_EVERY_MS) await writeCounts({ put, deleted, rejected, cleared });
    if (options.stopWhen?.(tally)) stopped = true;
    options.onBatch?.(tally);
  };

  /**
   * One transaction per confirmed batch that changed the ledger: its entries, its rejected rows and the run's counts
   * move together (a run killed mid-way shows in its history what the ledger holds); the store keeps the plan
   * snapshot's mark with them.
   */
  const writeCounts = async (changes: Omit<LedgerChanges, 'counts'> = { put: [], deleted: [], rejected: [], cleared: [] }) => {
    const counts = { runId, ...unwritten };
    unwritten.delivered = unwritten.failed = unwritten.invalid = 0;
    countsWrittenAt = Date.now();
    const changed = changes.put.length > 0 || changes.deleted.length > 0 || changes.rejected.length > 0 || changes.cleared.length > 0;
    if (changed || counts.delivered > 0 || counts.failed > 0 || counts.invalid > 0) await store.applyLedgerChanges(sync, { ...changes, counts });
  };

  const enqueue = async (op: DeliveryOperation | 'lookup', p: PlannedItem) => {
    let q = queues.get(op);
    if (!q) queues.set(op, (q = []));
    q.push(p);
    const size = op === 'lookup' ? Math.max(1, destination.concurrency) * 4 : destination.batchSize(op);
    if (q.length >= size) await flush(op);
  };

  const flush = async (op: DeliveryOperation | 'lookup') => {
    const q = queues.get(op);
    if (!q?.length) return;
    queues.set(op, []);
    if (op !== 'lookup') {
      const size = destination.batchSize(op);
      for (let i = 0; i < q.length; i += size) await launch(q.length <= size ? q : q.slice(i, i + size));
      return;
    }
    // Lookup finds records created before Sluice knew them, so upsert updates them instead of duplicating.
    const found = await lookUpRemoteIds(
      destination,
      q.map((p) => ({ key: p.key, operation: 'update', row: p.row, remoteId: null })),
      signal,
    );
    for (const p of q) {
      const id = found.get(p.key) ?? null;
      p.remoteId = id;
      p.operation = id !== null ? 'update' : 'create';
      if (id === null && !destination.supports('create')) {
        await record([p], [{ key: p.key, ok: false, error: 'no existing record was found and the connector has no create endpoint' }]);
        continue;
      }
      await enqueue(p.operation, p);
    }
  };

  // (Failures known before sending, such as rows that could not be planned, may already pass the limit.)
  if (options.stopWhen?.(tally)) stopped = true;
  try {
    for await (const batch of options.items) {
      if (signal?.aborted || stopped) break;
      for (const item of batch) {
        const op = deliveryOperation(item.operation, destination, item.remoteId);
        if (op === null) {
          await record([item], [{ key: item.key, ok: false, error: noEndpointError(item.operation) }]);
          if (stopped) break;
          continue;
        }
        // (Until the lookup answers, an item waiting for it counts as an update.)
        item.operation = op === 'lookup' ? 'update' : op;
        await enqueue(op, item);
        if (stopped) break;
      }
    }
    for (const op of ['lookup', 'create', 'upsert', 'update', 'delete'] as const) if (!stopped) await flush(op);
  } finally {
    // Whatever stopped the loop, the writes in flight finish and are recorded before the run ends.
    while (inFlight.size > 0) await Promise.all(inFlight);
    // (Failing, it must not hide why the loop stopped.)
    await writeCounts().catch((e: unknown) => void (fatal ??= e));
  }
  if (fatal) throw fatal instanceof Error ? fatal : new FatalDeliveryError(String(fatal));
  if (breaker.tripped) throw new FatalDeliveryError(runEndMessage('api_unavailable', { detail: breaker.lastError ?? 'every request failed' }));
  // Rows held on a short outage that did not go on: failed, as any refused row.
  const held = breaker.release();
  if (held.items.length > 0) await record(held.items, held.results);
  return tally;
}

// A failed row must be planned again next run: a new key stays undelivered (null); a changed or removed one keeps
// a placeholder that never equals a real fingerprint, so it is seen as changed (or removed) again, never unchanged.
function failedFingerprint(p: PlannedItem): string | null {
  return p.change === 'added' ? null : 'failed';
}
