import type { RunProgress } from '../api/runs.js';
import { ConfigError } from '../config/config-error.js';
import { displayPath } from '../config/display-path.js';
import type { LoadedProject } from '../config/load-project.js';
import type { Row } from '../rows/row.js';
import type { Source } from '../sources/source.js';
import { isFinalStatus, type ChangedKey, type RunCounts, type RunRecord, type StateStore } from '../state/state-store.js';
import { fingerprintOfText } from './plan/fingerprint.js';
import type { DeliveryTally } from './deliver-plan.js';
import { deliverRun } from './deliver-run.js';
import type { HoldLeaseOptions } from './hold-lease.js';
import { holdPartitionLease } from './hold-partition-lease.js';
import { keyBucket } from './key-bucket.js';
import type { OpenRun } from './open-run.js';
import { openSyncEndpoints, type SyncEndpoints } from './open-sync-endpoints.js';
import { readsIncrementalStream } from './partitionable-source.js';
import { addPartitionCounts, readPartitionReport, readPartitionReports, savePartitionReport, type PartitionReport } from './partition-report.js';
import type { PlanCounts } from './plan/plan-sync.js';
import { recordKey } from './plan/record-key.js';
import { streamedPlan } from './plan/streamed-plan.js';
import { readAhead } from './read-ahead.js';
import { withRemovedRows } from './with-removed-rows.js';

/** One partition of a partitioned sync's run, as its queue job runs it. */
export interface RunSyncPartitionOptions {
  loaded: LoadedProject;
  store: StateStore;
  sync: string;
  /** The run, opened by the job that split it (openPartitionedRun). */
  runId: string;
  partition: { index: number; of: number };
  /** Whether the sync's ledger was empty when the run was opened (a first attempt then looks nothing up). */
  ledgerEmpty: boolean;
  vars?: Record<string, string>;
  full?: boolean;
  onProgress?: (progress: RunProgress) => void;
  signal?: AbortSignal;
  lease?: Omit<HoldLeaseOptions, 'signal'>;
}

/** How often a partition writes its counts for the run's record and its listing. */
const REPORT_EVERY_MS = 1000;

/**
 * Delivers one hash bucket of a sync's keys for a partitioned run: reads the whole source, keeps the rows whose key
 * falls in bucket `index` of `of` (keyBucket), plans them against their ledger entries as they are read, and sends
 * them, under the partition's own lease and, jointly with the run's other partitions, the sync's. No other partition
 * has these keys, so each ledger entry has one writer. A retried attempt continues from the ledger: what earlier
 * attempts delivered plans as unchanged and counts as delivered. Its outcome is kept in the state store
 * (PartitionReport) for the job that closes the run; the cursor of an incremental stream is never moved (refused).
 *
 * Throws (the job is tried again) when the partition cannot start or lost its lease; a failure once rows may have
 * gone out (an outage of the API, the failure limit) is the partition's report, and fails the run when it closes.
 */
export async function runSyncPartition(options: RunSyncPartitionOptions): Promise<PartitionReport> {
  const { loaded, store, sync: name, partition } = options;
  const { index, of } = partition;
  const run = await store.getRun(options.runId);
  if (!run) throw new Error(`run ${options.runId} is not recorded: its partitions start after the run is opened`);
  const before = await readPartitionReport(store, run.id, index);
  // Done before (its job repeated after Redis lost it) or the run ended: nothing left to do.
  if (before?.state === 'done') return before;
  if (isFinalStatus(run.status)) return { state: 'done', counts: zeroCounts(), plan: null, error: `the run already ended (${run.status})`, sampleErrors: [] };
  const resumed = before !== null;
  const lease = await holdPartitionLease(store, run, partition, { ...options.lease, signal: options.signal });
  let endpoints: SyncEndpoints | null = null;
  const counts = zeroCounts();
  let plan: PlanCounts | null = null;
  let tally: DeliveryTally = { sent: 0, delivered: 0, failed: 0, invalid: 0, sampleErrors: [] };
  let carried = 0;
  let error: unknown = null;
  let sendStarted = Date.now();
  // A streamed plan's counts grow as it reads: no ETA until the read ends.
  let reading = true;
  const report = (state: PartitionReport['state']): PartitionReport => ({
    state,
    counts: { ...counts },
    plan: plan ? { ...plan } : null,
    error: error === null ? null : loaded.redactor.mask(error instanceof Error ? error.message : String(error)),
    sampleErrors: tally.sampleErrors.map((s) => ({ key: s.key, error: loaded.redactor.mask(s.error) })),
  });
  const follow = () => {
    if (!plan) return;
    Object.assign(counts, {
      planned: plan.planned + plan.invalid + carried,
      added: plan.added,
      changed: plan.changed,
      removed: plan.removed,
      unchanged: Math.max(0, plan.unchanged - carried),
      delivered: carried + tally.delivered,
      failed: tally.failed,
      invalid: tally.invalid + plan.invalid,
    });
  };
  const progress = (phase: RunProgress['phase']) => {
    const rate = tally.sent / (Math.max(1, Date.now() - sendStarted) / 1000);
    const left = counts.planned - counts.delivered - counts.failed - counts.invalid;
    options.onProgress?.({
      runId: run.id, sync: name, phase, planned: counts.planned, sent: tally.sent, delivered: counts.delivered, failed: counts.failed,
      rate, etaSeconds: rate > 0 && !reading ? left / rate : null,
    });
  };
  // The run's record shows its partitions' counts added up (delivered, failed and invalid also grow with each batch).
  let written: Promise<unknown> = Promise.resolve();
  const writeCounts = () => {
    const mine = report('running');
    written = written
      .then(async () => {
        // A run that ended meanwhile (another partition failed it) has had its partitions' reports removed: none comes back.
        const now = await store.getRun(run.id);
        if (!now || isFinalStatus(now.status)) return;
        await savePartitionReport(store, run.id, index, mine);
        const sum = addPartitionCounts(await readPartitionReports(store, run.id, of));
        const { planned, added, changed, removed, unchanged } = sum;
        await store.updateRun(run.id, { counts: { planned, added, changed, removed, unchanged } }, { ifStatus: 'running' });
      })
      .catch(() => undefined);
  };
  try {
    // Marks the partition started: an attempt after this one looks its keys up, whatever the ledger was at the run's start.
    if (!before) await savePartitionReport(store, run.id, index, report('running'));
    progress('planning');
    if (readsIncrementalStream(loaded, name)) throw incrementalStreamRefused(loaded, name);
    endpoints = await openSyncEndpoints(loaded, name, { store, run: { id: run.id, started_at: run.startedAt }, vars: options.vars, full: options.full });
    const { source, key, mapRow, sync } = endpoints;
    if (source.complete === false) throw incrementalStreamRefused(loaded, name);
    // A resumed attempt sends only what the ledger lacks, as a run resumed after its worker stopped does.
    const full = options.full === true && !resumed;
    const opened: OpenRun = {
      started: true, resumed, run, store, redactor: loaded.redactor, loaded, openedAt: Date.now(), lease, endpoints,
      close: async () => undefined,
    };
    const planned = streamedPlan({
      source: bucketSource(source, { mapRow, key, index, of }),
      store: ledgerView(store, { run, index, of, full, resumed, countCarried: () => carried++ }),
      sync: name, runId: run.id, mode: sync.mode, key,
      // The bucket's rows come mapped already (mapping them decides their key).
      mapRow: (row) => row,
      fingerprintRow: endpoints.fieldRules.withoutCreateOnly,
      ledgerEmpty: sync.mode === 'append' || (options.ledgerEmpty && !resumed),
      complete: source.complete ?? true,
      signal: lease.signal,
    });
    plan = planned.counts;
    let lastWrite = 0;
    let lastReport = 0;
    try {
      sendStarted = Date.now();
      progress('sending');
      tally = await deliverRun(opened, {
        items: readAhead(withRemovedRows(planned.items({ batchSize: 200 }), key)),
        limitBase: () => {
          follow();
          return { planned: counts.planned, invalid: plan!.invalid };
        },
        onBatch: (t) => {
          tally = t;
          reading = planned.reading === true;
          follow();
          const now = Date.now();
          if (now - lastWrite >= REPORT_EVERY_MS) {
            lastWrite = now;
            writeCounts();
          }
          if (now - lastReport >= 200) {
            lastReport = now;
            progress('sending');
          }
        },
      });
    } finally {
      await written;
      await planned.close();
    }
    reading = false;
    follow();
    const writeBack = endpoints.writeBackFailure();
    if (writeBack) error = new Error(writeBack);
  } catch (e) {
    // Before the endpoints opened, or a configuration error: the job is tried again (or fails the run for good).
    if (e instanceof ConfigError || endpoints === null) {
      await endpoints?.close().catch(() => undefined);
      await lease.release();
      throw e;
    }
    error = e;
  }
  await endpoints.close().catch(() => undefined);
  await lease.release();
  // Another attempt holds the partition now, or the run ended: that attempt or the run's end says how it went.
  if (lease.lost) throw lease.lost;
  follow();
  const done = report('done');
  await savePartitionReport(store, run.id, index, done);
  progress('done');
  return done;
}

/** Why a partition of a sync reading an incremental stream does not run (readsIncrementalStream). */
function incrementalStreamRefused(loaded: LoadedProject, name: string): ConfigError {
  return new ConfigError([
    {
      file: displayPath(loaded.file),
      path: `syncs.${name}.partitions`,
      message: 'a sync that reads an incremental stream cannot be split into partitions: each would move the stream\'s cursor; remove partitions',
    },
  ]);
}

function zeroCounts(): RunCounts {
  return { planned: 0, added: 0, changed: 0, removed: 0, unchanged: 0, delivered: 0, failed: 0, invalid: 0 };
}

/**
 * The source as one partition reads it: every row mapped, and only those whose key falls in its bucket kept. Rows
 * without a key go to bucket 0 (they are counted invalid once); an append sync without a key splits its rows by their
 * place in the read.
 */
function bucketSource(
  source: Source,
  options: { mapRow: (row: Row) => Row; key: string[]; index: number; of: number },
): Source {
  const { mapRow, key, index, of } = options;
  return {
    describe: () => source.describe(),
    complete: source.complete,
    async *read(readOptions) {
      let n = 0;
      for await (const batch of source.read(readOptions)) {
        const mine: Row[] = [];
        for (const raw of batch) {
          const row = mapRow(raw);
          const k = key.length ? recordKey(row, key) : null;
          const bucket = k !== null ? keyBucket(k, of) : key.length ? 0 : n % of;
          n++;
          if (bucket === index) mine.push(row);
        }
        if (mine.length) yield mine;
      }
    },
  };
}

/**
 * The state store as one partition's plan sees the ledger: its removals are looked for among its bucket's entries
 * only; a `full` run forgets every entry's version (every row is sent again); a resumed attempt counts the entries
 * its run's earlier attempts delivered (they plan as unchanged, and count as delivered).
 */
function ledgerView(
  store: StateStore,
  options: { run: RunRecord; index: number; of: number; full: boolean; resumed: boolean; countCarried: () => void },
): StateStore {
  const { run, index, of } = options;
  const findChangedKeys = async (sync: string, keys: string[], texts: string[]): Promise<Map<number, ChangedKey>> => {
    // A full run plans every key as new: each is sent again.
    if (options.full) return new Map(keys.map((_, i) => [i, { entry: null, fingerprint: fingerprintOfText(texts[i]!) }]));
    if (!options.resumed) return store.findChangedKeys(sync, keys, texts);
    const entries = await store.getLedgerEntries(sync, keys);
    const changed = new Map<number, ChangedKey>();
    keys.forEach((k, i) => {
      const e = entries.get(k);
      if (e && e.runId === run.id && e.fingerprint !== null && e.status === 'delivered') options.countCarried();
      const fingerprint = fingerprintOfText(texts[i]!);
      if (!e) changed.set(i, { entry: null, fingerprint });
      else if (e.fingerprint !== fingerprint) changed.set(i, { entry: e, fingerprint });
    });
    return changed;
  };
  async function* readLedger(sync: string, readOptions?: { batchSize?: number }) {
    for await (const entries of store.readLedger(sync, readOptions)) {
      const mine = entries.filter((e) => keyBucket(e.key, of) === index);
      if (mine.length) yield mine;
    }
  }
  return new Proxy(store, {
    get(target, property) {
      if (property === 'findChangedKeys') return findChangedKeys;
      if (property === 'readLedger') return readLedger;
      const value: unknown = Reflect.get(target, property, target);
      // The store's methods use its private fields: they run on the store itself.
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
