import { DuckDBInstance, type DuckDBConnection, type DuckDBMaterializedResult } from '@duckdb/node-api';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { PlanCounts } from '../../api/runs.js';
import type { SyncMode } from '../../config/project-schema.js';
import type { DeliveryOperation, RowJson } from '../../rows/delivery-item.js';
import type { Row } from '../../rows/row.js';
import type { Source } from '../../sources/source.js';
import { makePrivateDir } from '../../state/private-state-dir.js';
import type { StateStore } from '../../state/state-store.js';
import { plannedOperation, type PlanChange } from './choose-operation.js';
import { duckdbRowJsonSql, ROW_JSON_MACROS, sqlString } from './duckdb-row-json-sql.js';
import { fingerprintSql } from './fingerprint.js';
import { appendEntries, PlanSnapshot } from './plan-snapshot.js';
import { recordKey } from './record-key.js';
import { stringifyRow } from './stringify-row.js';
import { PlanError } from './plan-error.js';

/** One record the plan says to send, with the fingerprint it will have once delivered (it is a DeliveryItem too). */
export interface PlannedItem {
  key: string;
  change: PlanChange;
  /** The operation the mode calls for; delivery sets it to the one the destination performs (upsert → update...). */
  operation: DeliveryOperation;
  row: Row;
  remoteId: string | null;
  /** Fingerprint of the row as it will be delivered; the ledger keeps it once the destination confirms. */
  fingerprint: string | null;
  /** The key was rejected before (the rejected-row entry is cleared once it is delivered). */
  wasFailed: boolean;
  /** The row's JSON text, when the plan wrote it for the fingerprint (see DeliveryItem). */
  rowJson?: RowJson;
}

/** How planned items are streamed. */
export interface ItemsOptions {
  /** Items per batch (default 1,000). */
  batchSize?: number;
  /** Items per key range sorted at once (default 262,144; at most 16 ranges): sending starts after the first. */
  rangeRows?: number;
}

// Plan counts are an API shape too (a run's summary, a preview): src/api declares them.
export type { PlanCounts };

/** A row the planner refused (a NULL key), with why. */
export interface InvalidRow {
  key: string;
  row: Row;
  error: string;
}

/** The outcome of planning: counts, refused rows, and the items to send, streamed from the plan workspace. */
export interface SyncPlan {
  counts: PlanCounts;
  invalid: InvalidRow[];
  /** The items to send, in batches; removed keys (mirror deletes) come last. */
  items(options?: ItemsOptions): AsyncIterable<PlannedItem[]>;
  /** How the source rows were keyed and fingerprinted: in SQL inside the workspace, or row by row through the Source. */
  readVia: 'sql' | 'source';
  /** Source rows whose JSON text and fingerprint were computed (the rest matched their delivered version by value hash). */
  fingerprinted: number;
  /** Where the ledger came from: the current plan snapshot, the ledger (rebuilding the snapshot), or the ledger alone. */
  ledgerVia: 'snapshot' | 'rebuilt' | 'ledger';
  /** True while the items are still being read from the source (an append plan streams them): the counts grow until then. */
  readonly reading?: boolean;
  /** Drops the plan workspace (bringing the plan snapshot up to date first). */
  close(): Promise<void>;
}

export interface PlanSyncOptions {
  source: Source;
  store: StateStore;
  sync: string;
  mode: SyncMode;
  /** Key columns, after mapping. Empty only in append mode. */
  key: string[];
  /** Applied to each source row before keying and fingerprinting. */
  mapRow: (row: Row) => Row;
  /** The part of a mapped row its fingerprint is taken of (without the sync's create-only fields); default: all of it. */
  fingerprintRow?: (row: Row) => Row;
  /** Where the plan workspace may spill to disk (a folder in the state directory). */
  spillDir?: string;
  /** The folder of the sync's plan snapshot (a DuckDB mirror of its ledger); without it the ledger is read in full. */
  snapshotDir?: string;
  /**
   * Whether this read returned every record (the source's `complete`; default true). Only a complete read plans
   * removals: a key an incremental read did not return has not changed, it is not gone.
   */
  complete?: boolean;
  /** Plan as if nothing had been delivered (`--full`): every row is added; removals still come from the ledger. */
  forget?: boolean;
  signal?: AbortSignal;
}

export { PlanError };

const INVALID_KEEP = 1000;

/** How the planned items' rows are found again: from the kept row text, or by re-running the source query. */
interface SourceRows {
  /** SELECT k, row, fp, rid, change, failed for the plan's items of the given changes. */
  itemsSql(changes: string): string;
  /** When the source rows were only hashed: SELECT k, h, fp, lfp, rid, failed fingerprinting the rows of sluice_d. */
  fingerprintSql?: string;
  /** What the value hashes depend on (query columns, their rendering, the engine version). */
  hashSignature?: string;
}

/**
 * Sorts the source's rows into added, changed, removed and unchanged against the ledger.
 * The diff runs in an embedded DuckDB workspace (spilling to disk), not in a JS map, so large models plan in bounded memory;
 * a DuckDB source is keyed and fingerprinted there in SQL, and the ledger comes from the plan snapshot when it is current.
 */
export async function planSync(options: PlanSyncOptions): Promise<SyncPlan> {
  const { store, sync, mode, key } = options;
  const settings: Record<string, string> = { threads: '2', memory_limit: '1GB', preserve_insertion_order: 'false' };
  const spill = options.spillDir ?? (options.snapshotDir ? join(options.snapshotDir, 'tmp') : undefined);
  if (spill) {
    await makePrivateDir(spill);
    settings.temp_directory = spill;
  }
  const instance = await DuckDBInstance.create(':memory:', settings);
  const db = await instance.connect();
  // A long statement in the workspace (the source query run in SQL) stops at once when the run is cancelled.
  const onAbort = () => db.interrupt();
  options.signal?.addEventListener('abort', onAbort);
  let snapshot: PlanSnapshot | null = null;
  const close = async () => {
    options.signal?.removeEventListener('abort', onAbort);
    try {
      await snapshot?.close();
    } finally {
      db.closeSync();
      instance.closeSync();
    }
  };
  try {
    const counts: PlanCounts = { read: 0, added: 0, changed: 0, removed: 0, unchanged: 0, planned: 0, invalid: 0 };
    const invalid: InvalidRow[] = [];
    // A source the workspace can read itself is keyed and fingerprinted there in SQL, when its column types allow.
    const fast = options.source.planInWorkspace && mode !== 'append' && !options.fingerprintRow ? await readInSql(db, options, counts, invalid) : null;
    options.signal?.throwIfAborted();
    const rowsOf = fast ?? (await readInJs(db, options, counts, invalid));

    if (mode === 'append') {
      counts.added = counts.read - counts.invalid;
      counts.planned = counts.added;
      return {
        counts,
        invalid,
        items: (o) => streamItems(db, [{
          items: `SELECT k, row, NULL AS fp, NULL AS rid, 'added' AS change, false AS failed FROM memory.main.sluice_src`,
          keys: 'SELECT k FROM memory.main.sluice_src',
        }], mode, o),
        readVia: 'source',
        fingerprinted: counts.read - counts.invalid,
        ledgerVia: 'ledger',
        close,
      };
    }

    // Grouping by a hash of the key is several times cheaper than by the key; only a shared hash needs the exact check.
    const [clash] = await rows(db, 'SELECT count(*)::INTEGER AS n FROM (SELECT hash(k) FROM memory.main.sluice_src GROUP BY 1 HAVING count(*) > 1)');
    const dups = clash!.n === 0 ? [] : await rows(db, 'SELECT k, count(*)::INTEGER AS n FROM memory.main.sluice_src GROUP BY k HAVING count(*) > 1 ORDER BY k LIMIT 5');
    if (dups.length) {
      const total = await rows(db, 'SELECT count(*)::INTEGER AS n FROM (SELECT k FROM memory.main.sluice_src GROUP BY k HAVING count(*) > 1)');
      const list = dups.map((d) => `"${d.k}" (${d.n} rows)`).join(', ');
      throw new PlanError(
        `${total[0]!.n} key value(s) appear more than once in the source of sync "${sync}" (key ${key.join(', ')}): ${list}. ` +
          `Each record must have one row: fix the query or choose a key that is unique.`,
      );
    }

    if (options.snapshotDir) {
      snapshot = await PlanSnapshot.open({ db, store, sync, dir: options.snapshotDir, hashSignature: rowsOf.hashSignature ?? null });
    }
    let led = snapshot?.table;
    if (!led) {
      led = 'memory.main.sluice_led';
      await db.run(`CREATE TABLE ${led} (k VARCHAR, fp VARCHAR, rid VARCHAR, failed BOOLEAN, h UBIGINT)`);
      const appender = await db.createAppender('sluice_led', 'main', 'memory');
      for await (const entries of store.readLedger(sync, { batchSize: 5000 })) appendEntries(appender, entries);
      appender.flushSync();
      appender.closeSync();
    }

    // A key counts as delivered only with a fingerprint; a failed first attempt is still "added". Unchanged keys are
    // not kept: every source row is added, changed or unchanged, so they are counted by difference. A source row
    // whose value hash matches the one the snapshot kept for its delivered version is unchanged without a fingerprint.
    // A delivered key missing from the read is removed only when the read was complete. Forgetting (--full) plans
    // every source row as added without its remote id, and keeps the ledger only to find the removed keys.
    const complete = options.complete ?? true;
    const forget = options.forget ?? false;
    await db.run(`CREATE TABLE memory.main.sluice_d AS
      SELECT coalesce(s.k, l.k) AS k, s.h, s.fp, ${forget ? 'NULL::VARCHAR' : 'l.fp'} AS lfp,
        ${forget ? 'CASE WHEN s.k IS NULL THEN l.rid END' : 'l.rid'} AS rid, l.failed, s.k IS NULL AS gone
      FROM memory.main.sluice_src s ${complete ? 'FULL' : 'LEFT'} JOIN ${led} l ON l.k = s.k
      WHERE (s.k IS NULL AND l.fp IS NOT NULL) OR (s.k IS NOT NULL AND (${forget ? 'true' : `l.fp IS NULL
        OR (s.fp IS NULL AND (l.h IS NULL OR l.h <> s.h)) OR (s.fp IS NOT NULL AND s.fp <> l.fp)`}))`);
    await db.run(`CREATE TABLE memory.main.sluice_cand AS ${rowsOf.fingerprintSql ?? `SELECT k, h, fp, lfp, rid, failed FROM memory.main.sluice_d WHERE NOT gone`}`);
    await db.run(`CREATE TABLE memory.main.sluice_plan AS
      SELECT k, fp, rid, coalesce(failed, false) AS failed, CASE WHEN lfp IS NULL THEN 'added' ELSE 'changed' END AS change, h
      FROM memory.main.sluice_cand WHERE lfp IS NULL OR lfp <> fp
      UNION ALL
      SELECT k, NULL, rid, failed, 'removed', NULL FROM memory.main.sluice_d WHERE gone`);
    if (snapshot && rowsOf.fingerprintSql) {
      // Rows found unchanged by their fingerprint: the snapshot learns their value hash at the end of the run.
      await db.run(`CREATE TABLE memory.main.sluice_refresh AS SELECT k, h FROM memory.main.sluice_cand WHERE lfp = fp`);
      snapshot.refresh = 'memory.main.sluice_refresh';
    }
    for (const r of await rows(db, 'SELECT change, count(*)::INTEGER AS n FROM memory.main.sluice_plan GROUP BY change')) {
      counts[r.change as PlanChange] = r.n as number;
    }
    counts.unchanged = counts.read - counts.invalid - counts.added - counts.changed;
    const sent = (['added', 'changed', 'removed'] as const).filter((c) => plannedOperation(mode, c) !== null);
    counts.planned = sent.reduce((n, c) => n + counts[c], 0);
    const upserts = sent.filter((c) => c !== 'removed').map((c) => `'${c}'`);
    const queries: ItemQuery[] = [];
    if (upserts.length) {
      const changes = upserts.join(', ');
      queries.push({
        items: rowsOf.itemsSql(changes),
        keys: `SELECT k FROM memory.main.sluice_plan WHERE change IN (${changes})`,
        count: sent.reduce((n, c) => (c === 'removed' ? n : n + counts[c]), 0),
      });
    }
    // Removed keys (mirror deletes) come last.
    if (sent.includes('removed')) {
      queries.push({
        items: `SELECT k, NULL AS row, NULL AS fp, rid, change, failed FROM memory.main.sluice_plan WHERE change = 'removed'`,
        keys: `SELECT k FROM memory.main.sluice_plan WHERE change = 'removed'`,
        count: counts.removed,
      });
    }
    const fingerprinted = rowsOf.fingerprintSql
      ? Number((await rows(db, 'SELECT count(*) AS n FROM memory.main.sluice_cand'))[0]!.n)
      : counts.read - counts.invalid;
    // The diff's working tables are done with: their memory goes back before the items are read and sorted.
    await db.run('DROP TABLE memory.main.sluice_cand');
    await db.run('DROP TABLE memory.main.sluice_d');
    if (fast) await db.run('DROP TABLE memory.main.sluice_src');
    return {
      counts,
      invalid,
      items: (o) => streamItems(db, queries, mode, o),
      readVia: fast ? 'sql' : 'source',
      fingerprinted,
      ledgerVia: snapshot ? (snapshot.rebuilt ? 'rebuilt' : 'snapshot') : 'ledger',
      close,
    };
  } catch (e) {
    await close();
    // An interrupted statement fails with DuckDB's "Interrupted!": report the abort reason instead.
    options.signal?.throwIfAborted();
    throw e;
  }
}

/** The JS path: every source row read, mapped, keyed and turned into JSON text here, then appended to the workspace. */
async function readInJs(db: DuckDBConnection, options: PlanSyncOptions, counts: PlanCounts, invalid: InvalidRow[]): Promise<SourceRows> {
  const { source, mode, key, mapRow, fingerprintRow, signal } = options;
  // fpr: the text fingerprinted when it is not the row's own (create-only fields left out).
  await db.run('CREATE TABLE memory.main.sluice_rows (k VARCHAR, row VARCHAR, fpr VARCHAR)');
  const appender = await db.createAppender('sluice_rows', 'main', 'memory');
  for await (const batch of source.read({ batchSize: 2000, signal })) {
    for (const raw of batch) {
      counts.read++;
      const row = mapRow(raw);
      const k = key.length ? recordKey(row, key) : null;
      if (k === null && mode !== 'append') {
        counts.invalid++;
        if (invalid.length < INVALID_KEEP) invalid.push({ key: `(row ${counts.read})`, row, error: nullKeyError(key) });
        continue;
      }
      // Append rows need no key: a row number tells their results apart.
      appender.appendVarchar(k ?? `#${counts.read}`);
      appender.appendVarchar(stringifyRow(row));
      const fpr = fingerprintRow?.(row);
      if (fpr === undefined || fpr === row) appender.appendNull();
      else appender.appendVarchar(stringifyRow(fpr));
      appender.endRow();
    }
    appender.flushSync();
  }
  appender.closeSync();
  await db.run(`CREATE VIEW memory.main.sluice_src AS SELECT k, NULL::UBIGINT AS h, ${fingerprintSql('coalesce(fpr, row)')} AS fp, row FROM memory.main.sluice_rows`);
  return {
    itemsSql: (changes) => `SELECT p.k, s.row, p.fp, p.rid, p.change, p.failed
      FROM memory.main.sluice_plan p JOIN memory.main.sluice_rows s ON s.k = p.k WHERE p.change IN (${changes})`,
  };
}

const nullKeyError = (key: string[]) => `the key ${key.map((c) => `"${c}"`).join(', ')} is NULL or missing`;

/**
 * The SQL path: the source query runs in the workspace and each row's key and JSON text are computed there; only the
 * planned items' rows come back to JS. Null when the query's column types (or the mapping) cannot be rendered exactly
 * as the JS path renders them, or when the query cannot run here: the caller then reads through the Source.
 */
async function readInSql(db: DuckDBConnection, options: PlanSyncOptions, counts: PlanCounts, invalid: InvalidRow[]): Promise<SourceRows | null> {
  for (const m of ROW_JSON_MACROS) await db.run(m);
  const source = await options.source.planInWorkspace!(db);
  if (!source) return null;
  const { sql, columns } = source;
  const undo = async () => {
    await db.run('DROP TABLE IF EXISTS memory.main.sluice_src');
    await source.release();
  };
  try {
    const expr = duckdbRowJsonSql(columns, options.key, options.mapRow);
    if (!expr || columns.length === 0) {
      await undo();
      return null;
    }
    const from = `(\n${sql}\n) AS sluice_q(${columns.map((_, i) => `"c${i}"`).join(', ')})`;
    // A source that reads the same on every scan is only hashed here (cheap), and fingerprinted (JSON text and its
    // hash) in a second scan only where the hash differs from the delivered version's; others are fingerprinted at once.
    const hashed = source.stable;
    const values = columns.map((_, i) => `"c${i}"`).join(', ');
    await db.run(`CREATE TABLE memory.main.sluice_src AS SELECT ${expr.key} AS k, ${hashed ? `hash(${values})` : 'NULL::UBIGINT'} AS h,
      ${hashed ? 'NULL::VARCHAR' : fingerprintSql(expr.row)} AS fp, ${expr.ok} AS ok FROM ${from}`);
    const [stats] = await rows(db, `SELECT count(*)::BIGINT AS n, count(*) FILTER (WHERE k IS NULL)::BIGINT AS bad, coalesce(bool_and(ok), true) AS ok FROM memory.main.sluice_src`);
    if (!stats!.ok) {
      await undo();
      return null;
    }
    counts.read = Number(stats!.n);
    counts.invalid = Number(stats!.bad);
    if (counts.invalid > 0) {
      // Numbered in the query's order, as the Source would have read them.
      await db.run('SET preserve_insertion_order = true');
      const bad = await rows(db, `SELECT n, row FROM (SELECT row_number() OVER () AS n, ${expr.key} AS k, ${expr.row} AS row FROM ${from}) WHERE k IS NULL ORDER BY n LIMIT ${INVALID_KEEP}`);
      await db.run('SET preserve_insertion_order = false');
      for (const b of bad) invalid.push({ key: `(row ${Number(b.n)})`, row: JSON.parse(b.row as string) as Row, error: nullKeyError(options.key) });
      await db.run('DELETE FROM memory.main.sluice_src WHERE k IS NULL');
    }
    const [version] = await rows(db, 'SELECT version() AS v');
    return {
      fingerprintSql: hashed
        ? `SELECT d.k, d.h, ${fingerprintSql(expr.row)} AS fp, d.lfp, d.rid, d.failed FROM ${from} JOIN memory.main.sluice_d d ON d.k = ${expr.key}`
        : undefined,
      hashSignature: hashed
        ? createHash('sha256').update(JSON.stringify([String(version!.v), columns.map((c) => c.type.toString()), expr.key, expr.row])).digest('hex')
        : undefined,
      // The query runs again for the planned keys only: the JSON text is computed after the join, for those rows.
      itemsSql: (changes) => `SELECT p.k, ${expr.row} AS row, p.fp, p.rid, p.change, p.failed
        FROM ${from} JOIN memory.main.sluice_plan p ON p.k = ${expr.key} WHERE p.change IN (${changes})`,
    };
  } catch {
    await undo().catch(() => undefined);
    return null;
  }
}

async function rows(db: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  const reader = await db.runAndReadAll(sql);
  return reader.getRowObjectsJS() as Record<string, unknown>[];
}

/** Planned items of one kind: the query giving them (k, row, fp, rid, change, failed), and one giving only their keys. */
interface ItemQuery {
  items: string;
  keys: string;
  /** How many keys `keys` gives, when the plan's counts already say (else it is counted). */
  count?: number;
}

/** Rows per key range of the items streamed: the first batch waits for one range's sort, not the whole plan's. */
const RANGE_ROWS = 262_144;
const MAX_RANGES = 16;

/**
 * Where `n` keys are cut into ranges, as fractions of the keys (quantiles); none when one range holds them all.
 * The first ranges are small and grow fourfold up to `rangeRows` (sending starts after a small sort, and each range
 * is sorted while the one before it is sent); the rest are even, at most `maxRanges` in all.
 */
export function rangeBounds(n: number, rangeRows: number, maxRanges: number): number[] {
  if (n <= rangeRows) return [];
  const sizes: number[] = [];
  let left = n;
  for (let size = Math.ceil(rangeRows / 16); size < rangeRows && left > size && sizes.length < maxRanges - 1; size *= 4) {
    sizes.push(size);
    left -= size;
  }
  const even = Math.min(maxRanges - sizes.length, Math.ceil(left / rangeRows));
  for (let i = 0; i < even; i++) sizes.push(left / even);
  const cuts: number[] = [];
  let at = 0;
  for (const size of sizes.slice(0, -1)) cuts.push((at += size) / n);
  return cuts;
}

async function* streamItems(db: DuckDBConnection, queries: ItemQuery[], mode: SyncMode, options: ItemsOptions = {}): AsyncIterable<PlannedItem[]> {
  const { batchSize = 1000, rangeRows = RANGE_ROWS } = options;
  const ranges: string[] = [];
  for (const query of queries) {
    // In key order: the ledger is a B-tree by key, and confirmed batches written in key order touch its pages one
    // after another. Random keys (emails, UUIDs) written as they came dirtied a page per row: 25-60 µs a row, not 3.
    // A key range at a time: sending starts after the first range is read and sorted, the workspace holds two ranges'
    // rows at most (the one sent and the next), not the whole plan's, and each range's query reads only its keys' rows.
    const n = query.count ?? Number(((await rows(db, `SELECT count(*)::BIGINT AS n FROM (${query.keys})`)) as [{ n: bigint }])[0].n);
    const q = rangeBounds(n, rangeRows, MAX_RANGES);
    const bounds: (string | null)[] = [null];
    if (q.length > 0) {
      const [{ b }] = (await rows(db, `SELECT quantile_disc(k, [${q.join(', ')}]) AS b FROM (${query.keys})`)) as [{ b: string[] }];
      bounds.push(...new Set(b));
    }
    for (let r = 0; r < bounds.length; r++) {
      const lo = bounds[r];
      const hi = bounds[r + 1];
      const where = [lo == null ? null : `k > ${sqlString(lo)}`, hi == null ? null : `k <= ${sqlString(hi)}`].filter(Boolean);
      // Each item becomes one JSON text, and each batch one text made of them: a value read out of DuckDB costs a
      // native copy (several per row); one text per batch costs one, and JSON.parse builds the objects as it reads.
      ranges.push(`SELECT string_agg(item, ',' ORDER BY k) AS items FROM (
        SELECT k, (row_number() OVER (ORDER BY k) - 1) // ${batchSize} AS b, '[' || to_json(k)::VARCHAR || ',' || coalesce(row, 'null')
          || ',' || coalesce(to_json(fp)::VARCHAR, 'null') || ',' || coalesce(to_json(rid)::VARCHAR, 'null') || ',' || to_json(change)::VARCHAR
          || ',' || coalesce(failed, false)::VARCHAR || ']' AS item
        FROM (${query.items})${where.length ? ` WHERE ${where.join(' AND ')}` : ''}
      ) GROUP BY b ORDER BY b`);
    }
  }
  // The next range is read and sorted (on DuckDB's threads) while this one is sent: without it, delivery stood still
  // at every range boundary for the length of a range's sort. A range's result stays in DuckDB's memory, outside the
  // JS heap, and becomes JS strings a chunk (2,048 batches) at a time.
  let next: Promise<DuckDBMaterializedResult> | null = ranges.length ? db.run(ranges[0]!) : null;
  try {
    for (let r = 0; r < ranges.length; r++) {
      const result = await next!;
      next = r + 1 < ranges.length ? db.run(ranges[r + 1]!) : null;
      // Until it is awaited, a failed read must not count as unhandled: the loop will see it, or the consumer left.
      next?.catch(() => {});
      for (;;) {
        const chunk = await result.fetchChunk();
        if (!chunk || chunk.rowCount === 0) break;
        for (const [text] of chunk.getRows()) {
          const items = JSON.parse(`[${text as string}]`) as [string, Row | null, string | null, string | null, PlanChange, boolean][];
          yield items.map(([key, row, fp, rid, change, failed]) => ({
            key,
            change,
            operation: plannedOperation(mode, change)!,
            row: row ?? {},
            remoteId: rid,
            fingerprint: fp,
            wasFailed: failed,
          }));
        }
      }
    }
  } finally {
    // The consumer stopped early: the read in progress must end before the workspace can be closed.
    if (next) {
      db.interrupt();
      await next.catch(() => undefined);
    }
  }
}
