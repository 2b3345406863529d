import Database from 'better-sqlite3';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { assertKnownSchema, migrations } from './migrations.js';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from './private-state-dir.js';
import type { SealedSecret, SecretBox } from './secret-box.js';
import { SqlStateStore } from './sql-state-store.js';
import type { KeyExchanges, RecordedExchange } from './debug-store.js';
import { DEBUG_SEARCH_BUDGET_MS, debugPages, exchangesAt, findKeyPlaces, type PageWindowRow } from './debug-pages.js';
import {
  newRunColumns,
  rejectedKind,
  toLease,
  toLedgerEntry,
  toNotificationAttempt,
  toRejectedRow,
  toRunColumns,
  toRunRecord,
  toSealedSecret,
  type StateRow,
} from './state-records.js';
import { runTotalsSql, toRunTotals, type RunTotals } from './run-totals-store.js';
import { SqliteWriteThread, type WriteStep } from './sqlite-write-thread.js';
import type { Lease, LeaseRequest, LeaseResult } from './lease-store.js';
import { FINGERPRINT_HASH, type ChangedKey, type LedgerChanges, type LedgerEntry, type LedgerQuery, type LedgerVersion } from './ledger-store.js';
import { runQuerySql, type RunQuery } from './run-query.js';
import type { RunPatch } from './run-store.js';
import type { NotificationAttempt, RejectedRow, RunRecord, RunStatus, StateStore } from './state-store.js';

// A batch's entries as one JSON parameter: one statement per batch, not one call and eight bindings per row. What
// a batch's entries share (status, error, run, time) is bound once, not read out of the JSON for every row: each
// field read from JSON costs SQLite about half a microsecond a row.
// (json_each yields the array in order, so a key written twice keeps its last entry, as row by row.)
const PUT_LEDGER = `INSERT INTO ledger (sync, key, fingerprint, remote_id, status, last_error, run_id, updated_at)
  SELECT ?, e.value->>0, e.value->>1, e.value->>2, ?, ?, ?, ? FROM json_each(?) e WHERE true
  ON CONFLICT (sync, key) DO UPDATE SET fingerprint = excluded.fingerprint, remote_id = excluded.remote_id,
    status = excluded.status, last_error = excluded.last_error, run_id = excluded.run_id, updated_at = excluded.updated_at`;
// Only the keys whose fingerprint differs come back (a no-change run reads nothing out); j.key is the position in the batch.
const FIND_CHANGED_KEYS = `SELECT j.key, l.fingerprint, l.remote_id, l.status, j.value ->> 1 FROM json_each(?) j
  LEFT JOIN ledger l ON l.sync = ? AND l.key = j.value ->> 0 WHERE l.fingerprint IS NOT j.value ->> 1`;
const DELETE_LEDGER = 'DELETE FROM ledger WHERE sync = ? AND key IN (SELECT value FROM json_each(?))';
const PUT_REJECTED = `INSERT INTO rejected_rows (sync, key, run_id, operation, kind, row_json, error, request, rejected_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (sync, key) DO UPDATE SET run_id = excluded.run_id, operation = excluded.operation, kind = excluded.kind,
    row_json = excluded.row_json, error = excluded.error, request = excluded.request, rejected_at = excluded.rejected_at`;
const DELETE_REJECTED = 'DELETE FROM rejected_rows WHERE sync = ? AND key IN (SELECT value FROM json_each(?))';
const ADD_RUN_COUNTS = 'UPDATE runs SET delivered = delivered + ?, failed = failed + ?, invalid = invalid + ? WHERE id = ?';
const GET_VALUE = 'SELECT value FROM state_values WHERE name = ?';
const PUT_DEBUG_PAGE = 'INSERT INTO debug_pages (sync, id, last_id, run_id, keys, exchanges) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING';
// A window of pages, newest first: only the keys' texts holding the needle come out (the exchanges are not read).
const DEBUG_PAGE_WINDOW = `SELECT id, iif(instr(keys, @needle) > 0, keys, NULL) AS keys FROM debug_pages
  WHERE sync = @sync AND id < @before AND (@run IS NULL OR run_id = @run) ORDER BY id DESC LIMIT @size`;
const DEBUG_PAGES_BY_ID = 'SELECT id, run_id, exchanges FROM debug_pages WHERE sync = ? AND id IN (SELECT value FROM json_each(?))';
const PRUNE_DEBUG_PAGES = [
  'SELECT count(*) AS n FROM (SELECT id FROM debug_pages WHERE sync = ? AND id < ? AND last_id < ? ORDER BY id LIMIT ?)',
  'DELETE FROM debug_pages WHERE sync = ? AND id IN (SELECT id FROM debug_pages WHERE sync = ? AND id < ? AND last_id < ? ORDER BY id LIMIT ?)',
] as const;
const SET_VALUE = `INSERT INTO state_values (name, value, updated_at) VALUES (?, ?, ?)
  ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`;

/** PUT_LEDGER's parameter rows: one per run of consecutive entries sharing status, error, run and time (in order). */
function ledgerParams(sync: string, entries: LedgerEntry[]): unknown[][] {
  const params: unknown[][] = [];
  let group: [string | null, string | null, string | null][] = [];
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    group.push([e.key, e.fingerprint ?? null, e.remoteId ?? null]);
    const next = entries[i + 1];
    const same =
      next !== undefined && next.status === e.status && (next.lastError ?? null) === (e.lastError ?? null) &&
      (next.runId ?? null) === (e.runId ?? null) && next.updatedAt === e.updatedAt;
    if (same) continue;
    params.push([sync, e.status, e.lastError ?? null, e.runId ?? null, e.updatedAt, JSON.stringify(group)]);
    group = [];
  }
  return params;
}
const rejectedParams = (sync: string, r: RejectedRow) =>
  [sync, r.key, r.runId, r.operation, rejectedKind(r), JSON.stringify(r.row), r.error, r.request ?? null, r.rejectedAt];

/** Options of a SQLite state store. */
export interface SqliteStateStoreOptions {
  /** The state folder; the database is `<dir>/state.db`. */
  dir: string;
  /** The secret box, resolved on first use of a secret (so a project without secrets needs no key). */
  secretBox: () => Promise<SecretBox>;
  /** How long a write waits for another process's lock (default 10 s). */
  busyTimeoutMs?: number;
}

/**
 * The embedded state store: one SQLite file in WAL mode, for a project whose `state:` is a folder.
 * Call migrate() before anything else (openStateStore does): it also switches the file to WAL.
 */
export class SqliteStateStore extends SqlStateStore implements StateStore {
  readonly file: string;
  readonly #db: Database.Database;
  readonly #statements = new Map<string, Database.Statement>();
  readonly #busyTimeoutMs: number;
  #writeThread: SqliteWriteThread | null = null;

  constructor(options: SqliteStateStoreOptions) {
    super(options.secretBox);
    mkdirSync(options.dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    this.file = path.join(options.dir, 'state.db');
    // Made 0600 before SQLite opens it: its -wal and -shm files take the database file's mode.
    closeSync(openSync(this.file, 'a', PRIVATE_FILE_MODE));
    this.#busyTimeoutMs = options.busyTimeoutMs ?? 10_000;
    this.#db = new Database(this.file, { timeout: this.#busyTimeoutMs });
    this.#db.pragma('synchronous = NORMAL');
  }

  /** Switches the file to WAL (persistent); retried, because this pragma fails at once instead of waiting for a lock. */
  async #useWal(): Promise<void> {
    const deadline = Date.now() + this.#busyTimeoutMs;
    for (;;) {
      try {
        this.#db.pragma('journal_mode = WAL');
        return;
      } catch (error) {
        if ((error as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > deadline) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** A prepared statement, compiled once per store. */
  #sql(sql: string): Database.Statement {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  async migrate(): Promise<void> {
    await this.#useWal();
    // BEGIN IMMEDIATE takes the write lock first: a second process waits, then finds the steps applied.
    this.#db
      .transaction(() => {
        this.#db.exec(
          'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
        );
        const applied = (this.#db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map(
          (r) => r.version,
        );
        assertKnownSchema(applied);
        const record = this.#db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
        for (const m of migrations) {
          if (applied.includes(m.version)) continue;
          this.#db.exec(m.sqlite);
          record.run(m.version, m.name, new Date().toISOString());
        }
      })
      .immediate();
  }

  protected async insertRun(record: RunRecord): Promise<void> {
    const columns = newRunColumns(record);
    this.#sql(`INSERT INTO runs (${columns.map(([c]) => c).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`).run(
      ...columns.map(([, v]) => v),
    );
  }

  async resumeRun(id: string): Promise<RunRecord | null> {
    this.#sql(
      `UPDATE runs SET status = 'running', attempts = attempts + 1,
         started_at = CASE WHEN status = 'queued' THEN ? ELSE started_at END
       WHERE id = ? AND status IN ('queued', 'running')`,
    ).run(new Date().toISOString(), id);
    return this.getRun(id);
  }

  async updateRun(id: string, patch: RunPatch, options: { ifStatus?: RunStatus } = {}): Promise<boolean> {
    const columns = toRunColumns(patch);
    const status = options.ifStatus ?? null;
    const changes =
      columns.length > 0
        ? this.#sql(`UPDATE runs SET ${columns.map(([c]) => `${c} = ?`).join(', ')} WHERE id = ? AND (? IS NULL OR status = ?)`).run(
            ...columns.map(([, v]) => v),
            id,
            status,
            status,
          ).changes
        : this.#sql('SELECT 1 FROM runs WHERE id = ? AND (? IS NULL OR status = ?)').all(id, status, status).length;
    if (changes > 0) return true;
    if (status !== null && (await this.getRun(id))) return false;
    throw new Error(`run "${id}" not found`);
  }

  async getRun(id: string): Promise<RunRecord | null> {
    const row = this.#sql('SELECT * FROM runs WHERE id = ?').get(id) as StateRow | undefined;
    return row ? toRunRecord(row) : null;
  }

  async listRuns(name: string, options: { limit?: number; status?: RunStatus } = {}): Promise<RunRecord[]> {
    const rows = this.#sql(
      'SELECT * FROM runs WHERE name = ? AND (? IS NULL OR status = ?) ORDER BY started_at DESC, id DESC LIMIT ?',
    ).all(name, options.status ?? null, options.status ?? null, options.limit ?? -1) as StateRow[];
    return rows.map(toRunRecord);
  }

  async findRuns(query: RunQuery): Promise<RunRecord[]> {
    const { where, order, params } = runQuerySql(query, { placeholder: () => '?', startedAt: 'started_at', time: (p) => p });
    return (this.#sql(`SELECT * FROM runs ${where} ${order}`).all(...params) as StateRow[]).map(toRunRecord);
  }

  async runTotals(options: { bucketsSeconds: readonly number[]; limit: number }): Promise<RunTotals[]> {
    const { bucketsSeconds: bounds, limit } = options;
    // ISO-8601 texts: julianday reads them in days, a double good to a few microseconds; rounded to whole milliseconds.
    const sql = runTotalsSql('runs', '(ROUND((julianday(finished_at) - julianday(started_at)) * 86400000.0) / 1000.0)', bounds.length, () => '?');
    return toRunTotals(this.#sql(sql).all(...bounds, limit) as StateRow[], bounds.length);
  }

  async acquireLease(name: string, request: LeaseRequest): Promise<LeaseResult> {
    // IMMEDIATE: the write lock is taken before the read, so two processes cannot both see the lease free.
    return this.#db
      .transaction((): LeaseResult => {
        const now = new Date();
        const current = this.#readLease(name, now);
        if (current && !current.expired && current.owner !== request.takeOverFrom) return { acquired: false, holder: current };
        const lease: Lease = {
          name,
          owner: request.owner,
          process: request.process,
          acquiredAt: now.toISOString(),
          expiresAt: new Date(now.getTime() + request.ttlMs).toISOString(),
          expired: false,
        };
        this.#sql(
          `INSERT INTO leases (name, owner, host, pid, pid_scope, acquired_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, host = excluded.host, pid = excluded.pid,
             pid_scope = excluded.pid_scope, acquired_at = excluded.acquired_at, expires_at = excluded.expires_at`,
        ).run(name, lease.owner, lease.process.host, lease.process.pid, lease.process.scope, lease.acquiredAt, lease.expiresAt);
        return { acquired: true, lease, replaced: current };
      })
      .immediate();
  }

  async renewLease(name: string, owner: string, ttlMs: number): Promise<boolean> {
    const expiresAt = new Date(Date.now() + ttlMs).toISOString();
    return this.#sql('UPDATE leases SET expires_at = ? WHERE name = ? AND owner = ?').run(expiresAt, name, owner).changes === 1;
  }

  async releaseLease(name: string, owner: string): Promise<void> {
    this.#sql('DELETE FROM leases WHERE name = ? AND owner = ?').run(name, owner);
  }

  async getLease(name: string): Promise<Lease | null> {
    return this.#readLease(name, new Date());
  }

  #readLease(name: string, now: Date): Lease | null {
    const row = this.#sql('SELECT * FROM leases WHERE name = ?').get(name) as StateRow | undefined;
    // ISO-8601 UTC texts of one length compare as the instants they name.
    return row ? toLease(row, (row.expires_at as string) <= now.toISOString()) : null;
  }

  async claimScheduleTick(schedule: string, tickAt: string, owner: string): Promise<boolean> {
    // Normalised to the ISO text every store returns, so one instant is one key however it was written.
    const at = new Date(tickAt).toISOString();
    const now = new Date();
    return this.#db
      .transaction((): boolean => {
        this.#sql('DELETE FROM schedule_ticks WHERE schedule = ? AND tick_at < ?').run(schedule, new Date(now.getTime() - 86_400_000).toISOString());
        return (
          this.#sql('INSERT INTO schedule_ticks (schedule, tick_at, owner, claimed_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING').run(
            schedule, at, owner, now.toISOString(),
          ).changes === 1
        );
      })
      .immediate();
  }

  async *readLedger(sync: string, options: { batchSize?: number } = {}): AsyncGenerator<LedgerEntry[]> {
    const batchSize = options.batchSize ?? 5000;
    // Keyset pages, not one open iterator: the connection stays free for writes between batches.
    const first = this.#sql('SELECT * FROM ledger WHERE sync = ? ORDER BY key LIMIT ?');
    const next = this.#sql('SELECT * FROM ledger WHERE sync = ? AND key > ? ORDER BY key LIMIT ?');
    let rows = first.all(sync, batchSize) as StateRow[];
    while (rows.length > 0) {
      const last = rows[rows.length - 1]!.key as string;
      yield rows.map(toLedgerEntry);
      if (rows.length < batchSize) return;
      rows = next.all(sync, last, batchSize) as StateRow[];
    }
  }

  async listLedger(sync: string, query: LedgerQuery = {}): Promise<LedgerEntry[]> {
    const where = ['sync = ?'];
    const params: unknown[] = [sync];
    const add = (condition: string, value: unknown) => {
      where.push(condition);
      params.push(value);
    };
    if (query.key !== undefined) add('key = ?', query.key);
    if (query.status !== undefined) add('status = ?', query.status);
    if (query.after !== undefined) add('key > ?', query.after);
    const rows = this.#sql(`SELECT * FROM ledger WHERE ${where.join(' AND ')} ORDER BY key LIMIT ?`).all(...params, query.limit ?? -1) as StateRow[];
    return rows.map(toLedgerEntry);
  }

  async getLedgerEntries(sync: string, keys: string[]): Promise<Map<string, LedgerEntry>> {
    const rows = this.#sql(
      'SELECT * FROM ledger WHERE sync = ? AND key IN (SELECT value FROM json_each(?))',
    ).all(sync, JSON.stringify(keys)) as StateRow[];
    return new Map(rows.map((r) => [r.key as string, toLedgerEntry(r)]));
  }

  async findChangedKeys(sync: string, keys: string[], texts: string[]): Promise<Map<number, ChangedKey>> {
    const changed = new Map<number, ChangedKey>();
    if (keys.length === 0) return changed;
    // On the write thread, the fingerprints too: the lookup runs on the other core while the event loop reads the next batch.
    const rows = (await this.#thread().read({
      sql: FIND_CHANGED_KEYS,
      params: [null, sync],
      hashedPairs: { at: 0, keys, texts, hash: FINGERPRINT_HASH },
    })) as [number, string | null, string | null, LedgerVersion['status'] | null, string][];
    for (const [i, fingerprint, remoteId, status, now] of rows) {
      changed.set(i, { entry: status === null ? null : { fingerprint, remoteId, status }, fingerprint: now });
    }
    return changed;
  }

  /** The write thread, started on first use (most commands never write a ledger nor plan a run). */
  #thread(): SqliteWriteThread {
    return (this.#writeThread ??= new SqliteWriteThread(this.file, this.#busyTimeoutMs));
  }

  protected async writeLedgerChanges(sync: string, changes: LedgerChanges, mark: LedgerChanges['mark']): Promise<string | null> {
    const { put, deleted, rejected, cleared, counts } = changes;
    const steps: WriteStep[] = [];
    if (mark) steps.push({ sql: GET_VALUE, get: [mark.name] }, { sql: SET_VALUE, rows: [[mark.name, mark.value, new Date().toISOString()]] });
    if (put.length) steps.push({ sql: PUT_LEDGER, rows: ledgerParams(sync, put) });
    if (deleted.length) steps.push({ sql: DELETE_LEDGER, rows: [[sync, JSON.stringify(deleted)]] });
    if (rejected.length) steps.push({ sql: PUT_REJECTED, rows: rejected.map((r) => rejectedParams(sync, r)) });
    if (cleared.length) steps.push({ sql: DELETE_REJECTED, rows: [[sync, JSON.stringify(cleared)]] });
    if (counts && (counts.delivered !== 0 || counts.failed !== 0 || (counts.invalid ?? 0) !== 0)) {
      steps.push({ sql: ADD_RUN_COUNTS, rows: [[counts.delivered, counts.failed, counts.invalid ?? 0, counts.runId]] });
    }
    if (steps.length === 0) return null;
    const [previous] = await this.#writeSteps(steps);
    return mark ? ((previous as { value: string } | null)?.value ?? null) : null;
  }

  async putRejected(sync: string, rows: RejectedRow[]): Promise<void> {
    const put = this.#sql(PUT_REJECTED);
    this.#db.transaction(() => {
      for (const r of rows) put.run(...rejectedParams(sync, r));
    })();
  }

  async listRejected(sync: string, options: { limit?: number } = {}): Promise<RejectedRow[]> {
    const rows = this.#sql('SELECT * FROM rejected_rows WHERE sync = ? ORDER BY rejected_at, key LIMIT ?').all(
      sync,
      options.limit ?? -1,
    ) as StateRow[];
    return rows.map(toRejectedRow);
  }

  async deleteRejected(sync: string, keys: string[]): Promise<void> {
    this.#sql(DELETE_REJECTED).run(sync, JSON.stringify(keys));
  }

  async putExchanges(sync: string, exchanges: RecordedExchange[]): Promise<void> {
    if (exchanges.length === 0) return;
    const pages = debugPages(exchanges).map((p) => [sync, p.id, p.lastId, p.runId, p.keys, p.exchanges]);
    // On the write thread, in the background: the run's event loop only hands the texts over, and a ledger write or a
    // plan's read never waits behind more than one of these.
    await this.#writeSteps([{ sql: PUT_DEBUG_PAGE, rows: pages }], { background: true });
  }

  async listExchanges(sync: string, key: string, options: { runId?: string; limit?: number; budgetMs?: number } = {}): Promise<KeyExchanges> {
    const window = this.#sql(DEBUG_PAGE_WINDOW);
    const { places, searchedAll } = await findKeyPlaces(
      {
        window: async (needle, { before, runId, size }) => {
          const rows = window.all({ sync, needle, before, run: runId, size }) as PageWindowRow[];
          // A long search leaves the event loop between windows.
          await new Promise((resolve) => setImmediate(resolve));
          return rows;
        },
      },
      key,
      { runId: options.runId ?? null, limit: options.limit ?? 50, budgetMs: options.budgetMs ?? DEBUG_SEARCH_BUDGET_MS },
    );
    const pages = this.#sql(DEBUG_PAGES_BY_ID).all(sync, JSON.stringify([...new Set(places.map((p) => p.pageId))])) as { id: string; run_id: string; exchanges: string }[];
    return { exchanges: exchangesAt(places, new Map(pages.map((p) => [p.id, { runId: p.run_id, exchanges: p.exchanges }]))), searchedAll };
  }

  async pruneExchanges(sync: string, options: { before: string; limit: number }): Promise<number> {
    const params = [sync, options.before, options.before, Math.max(0, options.limit)];
    const [count] = await this.#writeSteps([
      { sql: PRUNE_DEBUG_PAGES[0], get: params },
      { sql: PRUNE_DEBUG_PAGES[1], rows: [[sync, ...params]] },
    ]);
    return Number((count as { n: number } | null)?.n ?? 0);
  }

  /** One transaction on the write thread (`background`: see SqliteWriteThread.transaction). */
  #writeSteps(steps: WriteStep[], options?: { background?: boolean }): Promise<unknown[]> {
    return this.#thread().transaction(steps, options);
  }

  async recordNotification(n: NotificationAttempt): Promise<void> {
    this.#sql(
      'INSERT INTO notifications (run_id, target, conditions, attempt, status, http_status, error, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ).run(n.runId, n.target, n.conditions, n.attempt, n.status, n.httpStatus, n.error, n.at);
  }

  async listNotifications(runIds: readonly string[], options: { limit?: number } = {}): Promise<NotificationAttempt[]> {
    if (runIds.length === 0) return [];
    const rows = this.#sql('SELECT * FROM notifications WHERE run_id IN (SELECT value FROM json_each(?)) ORDER BY id LIMIT ?').all(
      JSON.stringify(runIds),
      options.limit ?? 1000,
    ) as StateRow[];
    return rows.map(toNotificationAttempt);
  }

  async saveProjectRevision(id: string, bundle: string): Promise<boolean> {
    const now = new Date().toISOString();
    const inserted = this.#sql('INSERT INTO project_revisions (id, bundle, created_at, used_at) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING').run(id, bundle, now, now);
    if (inserted.changes === 0) this.#sql('UPDATE project_revisions SET used_at = ? WHERE id = ?').run(now, id);
    return inserted.changes > 0;
  }

  async getProjectRevision(id: string): Promise<string | null> {
    const row = this.#sql('SELECT bundle FROM project_revisions WHERE id = ?').get(id) as { bundle: string } | undefined;
    return row ? row.bundle : null;
  }

  async pruneProjectRevisions(options: { keepLatest: number; keep: readonly string[] }): Promise<number> {
    return this.#sql(
      `DELETE FROM project_revisions WHERE id NOT IN (SELECT value FROM json_each(?))
         AND id NOT IN (SELECT id FROM project_revisions ORDER BY used_at DESC, id LIMIT ?)`,
    ).run(JSON.stringify(options.keep), Math.max(0, options.keepLatest)).changes;
  }

  async getValue(name: string): Promise<string | null> {
    const row = this.#sql(GET_VALUE).get(name) as { value: string } | undefined;
    return row ? row.value : null;
  }

  async setValue(name: string, value: string): Promise<void> {
    this.#sql(SET_VALUE).run(name, value, new Date().toISOString());
  }

  async deleteValues(names: string[]): Promise<void> {
    if (names.length) this.#sql('DELETE FROM state_values WHERE name IN (SELECT value FROM json_each(?))').run(JSON.stringify(names));
  }

  protected async readSecret(name: string): Promise<SealedSecret | null> {
    const row = this.#sql('SELECT nonce, ciphertext, tag, key_id FROM secrets WHERE name = ?').get(name) as StateRow | undefined;
    return row ? toSealedSecret(row) : null;
  }

  protected async writeSecret(name: string, sealed: SealedSecret): Promise<void> {
    this.#sql(
      `INSERT INTO secrets (name, nonce, ciphertext, tag, key_id, updated_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET nonce = excluded.nonce, ciphertext = excluded.ciphertext, tag = excluded.tag,
         key_id = excluded.key_id, updated_at = excluded.updated_at`,
    ).run(name, sealed.nonce, sealed.ciphertext, sealed.tag, sealed.keyId, new Date().toISOString());
  }

  async deleteSecret(name: string): Promise<void> {
    this.#sql('DELETE FROM secrets WHERE name = ?').run(name);
  }

  async secretKeyIds(): Promise<string[]> {
    return (this.#sql('SELECT DISTINCT key_id FROM secrets ORDER BY key_id').all() as { key_id: string }[]).map((r) => r.key_id);
  }

  async deleteAllSecrets(): Promise<number> {
    return this.#sql('DELETE FROM secrets').run().changes;
  }

  async close(): Promise<void> {
    await this.#writeThread?.close();
    if (this.#db.open) this.#db.close();
  }
}
