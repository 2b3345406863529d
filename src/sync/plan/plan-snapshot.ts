import type { DuckDBConnection } from '@duckdb/node-api';
import { randomUUID } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { chmod, readdir, rm, stat, utimes } from 'node:fs/promises';
import { once } from 'node:events';
import { basename, dirname, join } from 'node:path';
import { ConfigError } from '../../config/config-error.js';
import { makePrivateDir, PRIVATE_FILE_MODE, tightenTree } from '../../state/private-state-dir.js';
import { planCacheFolder } from '../../state/state-location.js';
import type { LedgerEntry, LedgerFollower, StateStore } from '../../state/state-store.js';
import { sqlString } from './duckdb-row-json-sql.js';

// Snapshot files held by this process: a second run of the same sync here plans from the ledger instead.
const held = new Set<string>();

/** Staged lines are written to the file in chunks of about this many characters. */
const STAGE_CHUNK = 256 * 1024;

/**
 * A per-sync DuckDB file mirroring the ledger's (key, fingerprint, remote id, failed), attached to a plan workspace:
 * a cache of the ledger the state store keeps marked. It is trusted only while the store's plan mark holds the token
 * written into it. While open it follows the sync's ledger through the store: every change replaces the mark with
 * this snapshot's own dirty marker in the same transaction and is told to it once committed; the changes are applied
 * (with a fresh token) at the end only if no one else marked it since, so a crash or another process makes the next
 * plan rebuild it from the ledger.
 */
export class PlanSnapshot implements LedgerFollower {
  /** The table the planner diffs against (qualified). */
  readonly table = 'sluice_snap.main.ledger';
  /** The plan mark the store sets with every ledger change while this snapshot follows it: its own dirty marker. */
  readonly marker = `dirty:${randomUUID()}`;
  private unfollow: (() => void) | null = null;
  private expected: string | null = null;
  /** The snapshot was stale and has been rebuilt from the ledger for this plan. */
  rebuilt = false;
  /** A workspace table of (k, h): keys found unchanged by fingerprint whose value hash the snapshot should keep. */
  refresh: string | null = null;
  private abandoned = false;
  private pending = false;
  private staged = 0;
  /** The confirmed changes of the run, as CSV lines (seq, key, fingerprint, remote id, failed, deleted) read at close. */
  private stage: WriteStream | null = null;
  private drained: Promise<void> | null = null;
  /** Staged lines not yet handed to the file. */
  private unwritten = '';
  private readonly stageFile: string;

  private constructor(
    private readonly db: DuckDBConnection,
    private readonly store: StateStore,
    private readonly sync: string,
    private readonly file: string,
    private readonly signature: string | null,
    private readonly maxCacheBytes: number,
  ) {
    this.stageFile = join(dirname(file), `.${basename(file)}.${randomUUID()}.stage.csv`);
  }

  /** Attaches the sync's snapshot to the workspace, rebuilding it from the ledger when its token does not match; null when the file is busy. */
  static async open(options: {
    db: DuckDBConnection;
    store: StateStore;
    sync: string;
    dir: string;
    /** What this plan's value hashes depend on; kept hashes made under another signature are dropped. Null: hashes unused. */
    hashSignature: string | null;
    /** Where SLUICE_PLAN_CACHE_MB is read (default process.env). */
    env?: NodeJS.ProcessEnv;
  }): Promise<PlanSnapshot | null> {
    const { db, store, sync, dir } = options;
    const maxCacheBytes = planCacheBytes(options.env);
    const file = join(dir, `${encodeURIComponent(sync)}.duckdb`);
    if (held.has(file)) return null;
    await makePrivateDir(dir);
    try {
      await db.run(`ATTACH ${sqlString(file)} AS sluice_snap`);
    } catch {
      // Another process holds it: plan from the ledger, and never publish.
      return null;
    }
    // DuckDB makes its files with the default mode (an empty file made 0600 beforehand is not a database to it).
    await chmod(file, PRIVATE_FILE_MODE);
    // Its time is when it was last used: the cache bound drops the least recently used snapshots first.
    const now = new Date();
    await utimes(file, now, now);
    held.add(file);
    const snap = new PlanSnapshot(db, store, sync, file, options.hashSignature, maxCacheBytes);
    try {
      await snap.load();
      snap.unfollow = store.followLedger(sync, snap);
    } catch (e) {
      await snap.release();
      throw e;
    }
    return snap;
  }

  // `h` is a hash of the source values of the delivered version (when known): a row with the same hash is unchanged
  // without computing its fingerprint. It is kept only for a version whose fingerprint the ledger holds.
  private async load(): Promise<void> {
    await this.db.run('CREATE TABLE IF NOT EXISTS sluice_snap.main.meta (token VARCHAR, sig VARCHAR)');
    await this.db.run(`CREATE TABLE IF NOT EXISTS sluice_snap.main.ledger (${LEDGER_COLUMNS})`);
    const value = await this.store.getPlanMark(this.sync);
    // A file of another layout is simply stale: it is rebuilt.
    const meta = await this.db
      .runAndReadAll('SELECT token, sig, (SELECT count(*) FROM duckdb_columns() WHERE database_name = \'sluice_snap\' AND table_name = \'ledger\') AS n FROM sluice_snap.main.meta')
      .then((r) => r.getRows().filter((row) => Number(row[2]) === 5))
      .catch(async () => {
        await this.db.run('DROP TABLE sluice_snap.main.meta');
        await this.db.run('CREATE TABLE sluice_snap.main.meta (token VARCHAR, sig VARCHAR)');
        return [];
      });
    const token = meta.length === 1 ? (meta[0]![0] as string | null) : null;
    if (value !== null && token !== null && value === token && !value.startsWith('dirty:')) {
      this.expected = value;
      const sig = meta[0]![1] as string | null;
      if (this.signature !== null && sig !== this.signature) {
        // The query, its types or the engine changed: the kept hashes mean nothing now.
        await this.db.run('BEGIN');
        await this.db.run('UPDATE sluice_snap.main.ledger SET h = NULL WHERE h IS NOT NULL');
        await this.db.run(`UPDATE sluice_snap.main.meta SET sig = ${sqlString(this.signature)}`);
        await this.db.run('COMMIT');
      }
      return;
    }
    // Stale or missing: mark it ours before reading, so a change made meanwhile by anyone else is noticed at publish.
    await this.store.setPlanMark(this.sync, this.marker);
    this.expected = this.marker;
    this.pending = true;
    this.rebuilt = true;
    await this.db.run('BEGIN');
    await this.db.run('DELETE FROM sluice_snap.main.meta');
    await this.db.run('DROP TABLE sluice_snap.main.ledger');
    await this.db.run(`CREATE TABLE sluice_snap.main.ledger (${LEDGER_COLUMNS})`);
    await this.db.run('COMMIT');
    const appender = await this.db.createAppender('ledger', 'main', 'sluice_snap');
    for await (const entries of this.store.readLedger(this.sync, { batchSize: 5000 })) appendEntries(appender, entries);
    appender.flushSync();
    appender.closeSync();
  }

  /** Called after each confirmed ledger write: keeps what was put and deleted, to apply to the snapshot at the end. */
  async written(put: LedgerEntry[], deleted: string[], previousMark: string | null): Promise<void> {
    // Someone else wrote the ledger since this plan read it: the snapshot cannot be published.
    if (previousMark !== this.marker && previousMark !== this.expected) this.abandoned = true;
    this.pending = true;
    if (this.abandoned) return;
    // A line per entry in a file DuckDB reads at close: far cheaper per row than a DuckDB appender on this thread.
    let lines = this.unwritten;
    for (const e of put) lines += `${this.staged++},${csvText(e.key)},${csvText(e.fingerprint)},${csvText(e.remoteId)},${e.status === 'failed'},false\n`;
    for (const k of deleted) lines += `${this.staged++},${csvText(k)},,,false,true\n`;
    this.unwritten = lines;
    // Written a quarter megabyte at a time: each write costs the event loop a file request, whatever its size.
    if (lines.length >= STAGE_CHUNK) await this.flushStage();
  }

  /** Hands the staged lines not yet written to the file. */
  private async flushStage(): Promise<void> {
    const lines = this.unwritten;
    if (lines === '') return;
    this.unwritten = '';
    const stage = (this.stage ??= createWriteStream(this.stageFile, { highWaterMark: 1 << 20, mode: PRIVATE_FILE_MODE }));
    // Batches are confirmed concurrently: they wait for one shared drain, not a listener each.
    if (!stage.write(lines)) await (this.drained ??= once(stage, 'drain').then(() => void (this.drained = null)));
  }

  private async claim(): Promise<void> {
    const value = await this.store.getPlanMark(this.sync);
    if (value !== this.marker && value !== this.expected) this.abandoned = true;
    if (value !== this.marker) await this.store.setPlanMark(this.sync, this.marker);
    this.pending = true;
  }

  /** Applies the confirmed changes in one transaction and publishes a fresh token, unless someone else changed the ledger; then detaches. */
  async close(): Promise<void> {
    let written = false;
    try {
      // Hashes learnt for unchanged rows are worth a publish of their own.
      if (!this.pending && this.refresh && !this.abandoned) await this.claim();
      if (!this.pending || this.abandoned) return;
      if ((await this.store.getPlanMark(this.sync)) !== this.marker) return;
      await this.endStage();
      const token = `t:${randomUUID()}`;
      await this.db.run('BEGIN');
      try {
        if (this.staged > 0) {
          // The last write of each key wins, as in the ledger; its hash is kept when it delivered the planned version.
          await this.db.run(`CREATE TEMP TABLE sluice_stage AS SELECT * FROM read_csv(${sqlString(this.stageFile)}, header = false,
            auto_detect = false, delim = ',', quote = '"', escape = '"', allow_quoted_nulls = false,
            columns = {'seq': 'BIGINT', 'k': 'VARCHAR', 'fp': 'VARCHAR', 'rid': 'VARCHAR', 'failed': 'BOOLEAN', 'del': 'BOOLEAN'})`);
          await this.db.run(`CREATE TEMP TABLE sluice_last AS SELECT s.* FROM sluice_stage s
            JOIN (SELECT k, max(seq) AS seq FROM sluice_stage GROUP BY k) m ON m.k = s.k AND m.seq = s.seq`);
          await this.db.run('DELETE FROM sluice_snap.main.ledger WHERE k IN (SELECT k FROM sluice_last)');
          await this.db.run(`INSERT INTO sluice_snap.main.ledger SELECT l.k, l.fp, l.rid, l.failed, CASE WHEN p.fp = l.fp THEN p.h END
            FROM sluice_last l LEFT JOIN memory.main.sluice_plan p ON p.k = l.k WHERE NOT l.del`);
        }
        // (This run wrote none of these keys: they were not planned.)
        if (this.refresh) await this.db.run(`UPDATE sluice_snap.main.ledger SET h = r.h FROM ${this.refresh} r WHERE sluice_snap.main.ledger.k = r.k`);
        await this.db.run('DELETE FROM sluice_snap.main.meta');
        await this.db.run(`INSERT INTO sluice_snap.main.meta VALUES (${sqlString(token)}, ${this.signature === null ? 'NULL' : sqlString(this.signature)})`);
        await this.db.run('COMMIT');
      } catch (e) {
        await this.db.run('ROLLBACK').catch(() => undefined);
        throw e;
      }
      // The file holds the token first: a crash before this line leaves the value dirty, so the next plan rebuilds.
      await this.store.setPlanMark(this.sync, token);
      written = true;
    } finally {
      await this.release();
    }
    // A snapshot is only a cache: one dropped here is rebuilt from the ledger by its sync's next plan.
    if (written) await trimPlanCache(planCacheFolder(dirname(this.file)), this.maxCacheBytes, new Set([this.file])).catch(() => undefined);
  }

  private async endStage(): Promise<void> {
    await this.flushStage();
    const stage = this.stage;
    this.stage = null;
    if (stage) await new Promise<void>((resolve, reject) => stage.end((e?: Error | null) => (e ? reject(e) : resolve())));
  }

  private async release(): Promise<void> {
    this.unfollow?.();
    try {
      await this.endStage().catch(() => undefined);
      await rm(this.stageFile, { force: true });
      await this.db.run('DETACH sluice_snap').catch(() => undefined);
      // A WAL the engine made 0644 and left behind is tightened too.
      await tightenTree(dirname(this.file));
    } finally {
      held.delete(this.file);
    }
  }
}

/** The default bound of the plan snapshots kept on a machine (per state folder, or for PostgreSQL states together). */
export const DEFAULT_PLAN_CACHE_MB = 2048;
const MAX_PLAN_CACHE_MB = 1024 * 1024;

/** The plan snapshots' size bound in bytes: SLUICE_PLAN_CACHE_MB megabytes, default DEFAULT_PLAN_CACHE_MB. */
export function planCacheBytes(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.SLUICE_PLAN_CACHE_MB;
  if (text === undefined || text === '') return DEFAULT_PLAN_CACHE_MB * 1024 * 1024;
  const mb = /^\d{1,7}$/.test(text) ? Number(text) : NaN;
  if (!(mb >= 1 && mb <= MAX_PLAN_CACHE_MB)) {
    const shown = text.length > 20 ? `${text.slice(0, 20)}...` : text;
    throw new ConfigError([{ file: 'environment', path: 'SLUICE_PLAN_CACHE_MB', message: `${JSON.stringify(shown)}: give a whole number of megabytes from 1 to ${MAX_PLAN_CACHE_MB}` }]);
  }
  return mb * 1024 * 1024;
}

/**
 * Deletes the least recently used plan snapshots under `folder` (its `*.duckdb` files, and those one folder down)
 * until the rest fit in `maxBytes`; snapshots this process has open and those in `keep` stay. Returns the deleted files.
 */
export async function trimPlanCache(folder: string, maxBytes: number, keep: ReadonlySet<string> = new Set()): Promise<string[]> {
  const found: { file: string; bytes: number; usedAt: number }[] = [];
  const size = (path: string) => stat(path).then((s) => (s.isFile() ? s.size : 0), () => 0);
  const scan = async (dir: string, depth: number) => {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const path = join(dir, entry.name);
      if (entry.isDirectory() && depth === 0) await scan(path, 1);
      if (!entry.isFile() || !entry.name.endsWith('.duckdb')) continue;
      const info = await stat(path).catch(() => null);
      if (info) found.push({ file: path, bytes: info.size + (await size(`${path}.wal`)), usedAt: info.mtimeMs });
    }
  };
  await scan(folder, 0);
  let total = found.reduce((sum, f) => sum + f.bytes, 0);
  const deleted: string[] = [];
  for (const f of found.sort((a, b) => a.usedAt - b.usedAt)) {
    if (total <= maxBytes) break;
    if (held.has(f.file) || keep.has(f.file)) continue;
    await rm(`${f.file}.wal`, { force: true });
    await rm(f.file, { force: true });
    total -= f.bytes;
    deleted.push(f.file);
  }
  return deleted;
}

/** A CSV field: null is empty, text is always quoted (so an empty string stays one, and commas and newlines are safe). */
const csvText = (value: string | null) => (value === null ? '' : `"${value.replaceAll('"', '""')}"`);

type Appender = Awaited<ReturnType<DuckDBConnection['createAppender']>>;

function appendNullable(appender: Appender, value: string | null): void {
  if (value === null) appender.appendNull();
  else appender.appendVarchar(value);
}

const LEDGER_COLUMNS = 'k VARCHAR, fp VARCHAR, rid VARCHAR, failed BOOLEAN, h UBIGINT';

/** Appends ledger entries as (key, fingerprint, remote id, failed, no value hash) rows. */
export function appendEntries(appender: Appender, entries: LedgerEntry[]): void {
  for (const e of entries) {
    appender.appendVarchar(e.key);
    appendNullable(appender, e.fingerprint);
    appendNullable(appender, e.remoteId);
    appender.appendBoolean(e.status === 'failed');
    appender.appendNull();
    appender.endRow();
  }
}
