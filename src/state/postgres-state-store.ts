import { hash } from 'node:crypto';
import pg from 'pg';
import Cursor from 'pg-cursor';
import { assertKnownSchema, migrations } from './migrations.js';
import type { SealedSecret, SecretBox } from './secret-box.js';
import { SqlStateStore } from './sql-state-store.js';
import type { KeyExchanges, RecordedExchange } from './debug-store.js';
import { DEBUG_SEARCH_BUDGET_MS, debugPages, exchangesAt, findKeyPlaces, type PageWindowRow } from './debug-pages.js';
import {
  lastPerKey,
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
import type { Lease, LeaseRequest, LeaseResult } from './lease-store.js';
import { FINGERPRINT_HASH, type ChangedKey, type LedgerChanges, type LedgerEntry, type LedgerQuery, type LedgerVersion } from './ledger-store.js';
import { runQuerySql, type RunQuery } from './run-query.js';
import type { RunPatch } from './run-store.js';
import { runTotalsSql, toRunTotals, type RunTotals } from './run-totals-store.js';
import type { NotificationAttempt, RejectedRow, RunRecord, RunStatus, StateStore } from './state-store.js';

/** Options of a PostgreSQL state store. */
export interface PostgresStateStoreOptions {
  /** A `postgres://` or `postgresql://` URL; a `?schema=` parameter names the schema. */
  url: string;
  /** The schema holding the state tables (default: the URL's `?schema=`, else `sluice`). */
  schema?: string;
  /** The secret box, resolved on first use of a secret. */
  secretBox: () => Promise<SecretBox>;
  /** Pool size (default 5). */
  maxConnections?: number;
}

/** Rows per multi-row statement in batch writes (one transaction covers them all). */
const WRITE_CHUNK = 5000;

/**
 * Upserts a sync's rows with one unnest statement per WRITE_CHUNK rows: `sql` takes the sync as $1, then one array
 * per column, each filled by its accessor. ON CONFLICT cannot touch one row twice in a statement: the last row of
 * each key is kept.
 */
async function upsertPerKey<T extends { key: string }>(
  client: pg.PoolClient,
  sql: string,
  sync: string,
  rows: T[],
  columns: ((row: T) => unknown)[],
): Promise<void> {
  const unique = lastPerKey(rows);
  for (let i = 0; i < unique.length; i += WRITE_CHUNK) {
    const chunk = unique.slice(i, i + WRITE_CHUNK);
    await client.query(sql, [sync, ...columns.map((column) => chunk.map(column))]);
  }
}

/** Timestamps come back as the same ISO-8601 text SQLite stores, so both stores return equal records. */
const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ${column}`;

const RUN_COLUMNS = `id, kind, name, status, triggered_by, ${iso('started_at')}, ${iso('finished_at')},
  planned, added, changed, removed, unchanged, delivered, failed, invalid, error, attempts`;
const LEDGER_COLUMNS = `key, fingerprint, remote_id, status, last_error, run_id, ${iso('updated_at')}`;
const REJECTED_COLUMNS = `key, run_id, operation, kind, row_json, error, request, ${iso('rejected_at')}`;
const NOTIFICATION_COLUMNS = `run_id, target, conditions, attempt, status, http_status, error, ${iso('at')}`;
// Lease times are the database server's clock: processes on several machines share one clock.
const LEASE_COLUMNS = `name, owner, host, pid, pid_scope, ${iso('acquired_at')}, ${iso('expires_at')}, expires_at <= clock_timestamp() AS expired`;

/** What a state schema name may be: a plain identifier, so it is safe to quote into SQL. */
export const STATE_SCHEMA_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Splits a state URL into the connection string and the schema (`?schema=` is ours, not the driver's). */
export function parsePostgresStateUrl(url: string): { connectionString: string; schema: string | undefined } {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema') ?? undefined;
  parsed.searchParams.delete('schema');
  return { connectionString: parsed.toString(), schema };
}

/** The state store for servers: tables in one PostgreSQL schema, shared by every process of a deployment. */
export class PostgresStateStore extends SqlStateStore implements StateStore {
  readonly schema: string;
  readonly #pool: pg.Pool;
  readonly #t: (table: string) => string;

  constructor(options: PostgresStateStoreOptions) {
    super(options.secretBox);
    const { connectionString, schema } = parsePostgresStateUrl(options.url);
    this.schema = options.schema ?? schema ?? 'sluice';
    if (!STATE_SCHEMA_PATTERN.test(this.schema)) {
      throw new Error(`state schema "${this.schema}" is not a plain identifier (letters, digits and _)`);
    }
    this.#t = (table) => `"${this.schema}".${table}`;
    this.#pool = new pg.Pool({ connectionString, max: options.maxConnections ?? 5, application_name: 'sluice' });
    // An idle client dropped by the server emits 'error' on the pool; the next query reconnects,
    // so this must not crash the process.
    this.#pool.on('error', () => undefined);
  }

  /** Runs fn in one transaction on one client. */
  async #transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async migrate(): Promise<void> {
    const schema = `"${this.schema}"`;
    await this.#transaction(async (client) => {
      // One migrator per schema at a time, across every process; released at commit.
      await client.query("SELECT pg_advisory_xact_lock(hashtext('sluice.migrate'), hashtext($1))", [this.schema]);
      // DDL only when missing: a deployment may pre-create the schema for a role that cannot create one.
      const { rows: found } = await client.query<{ schema: boolean; table: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS schema, to_regclass($2) IS NOT NULL AS table`,
        [this.schema, `${schema}.schema_migrations`],
      );
      if (!found[0]?.schema) await client.query(`CREATE SCHEMA ${schema}`);
      if (!found[0]?.table) {
        await client.query(
          `CREATE TABLE ${schema}.schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
        );
      }
      const applied = (await client.query<{ version: number }>(`SELECT version FROM ${schema}.schema_migrations`)).rows.map(
        (r) => r.version,
      );
      assertKnownSchema(applied);
      const pending = migrations.filter((m) => !applied.includes(m.version));
      if (pending.length === 0) return;
      await client.query(`SET LOCAL search_path TO ${schema}`);
      for (const m of pending) {
        await client.query(m.postgres);
        await client.query(`INSERT INTO ${schema}.schema_migrations (version, name) VALUES ($1, $2)`, [m.version, m.name]);
      }
    });
  }

  protected async insertRun(record: RunRecord): Promise<void> {
    const columns = newRunColumns(record);
    await this.#pool.query(
      `INSERT INTO ${this.#t('runs')} (${columns.map(([c]) => c).join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
      columns.map(([, v]) => v),
    );
  }

  async resumeRun(id: string): Promise<RunRecord | null> {
    const { rows } = await this.#pool.query<StateRow>(
      `UPDATE ${this.#t('runs')} SET status = 'running', attempts = attempts + 1,
         started_at = CASE WHEN status = 'queued' THEN clock_timestamp() ELSE started_at END
       WHERE id = $1 AND status IN ('queued', 'running') RETURNING ${RUN_COLUMNS}`,
      [id],
    );
    return rows[0] ? toRunRecord(rows[0]) : this.getRun(id);
  }

  async updateRun(id: string, patch: RunPatch, options: { ifStatus?: RunStatus } = {}): Promise<boolean> {
    const columns = toRunColumns(patch);
    const status = options.ifStatus ?? null;
    const n = columns.length;
    const result =
      n > 0
        ? await this.#pool.query(
            `UPDATE ${this.#t('runs')} SET ${columns.map(([c], i) => `${c} = $${i + 1}`).join(', ')}
             WHERE id = $${n + 1} AND ($${n + 2}::text IS NULL OR status = $${n + 2})`,
            [...columns.map(([, v]) => v), id, status],
          )
        : await this.#pool.query(`SELECT 1 FROM ${this.#t('runs')} WHERE id = $1 AND ($2::text IS NULL OR status = $2)`, [id, status]);
    if ((result.rowCount ?? 0) > 0) return true;
    if (status !== null && (await this.getRun(id))) return false;
    throw new Error(`run "${id}" not found`);
  }

  async getRun(id: string): Promise<RunRecord | null> {
    const { rows } = await this.#pool.query<StateRow>(`SELECT ${RUN_COLUMNS} FROM ${this.#t('runs')} WHERE id = $1`, [id]);
    return rows[0] ? toRunRecord(rows[0]) : null;
  }

  async listRuns(name: string, options: { limit?: number; status?: RunStatus } = {}): Promise<RunRecord[]> {
    const { rows } = await this.#pool.query<StateRow>(
      `SELECT ${RUN_COLUMNS} FROM ${this.#t('runs')} WHERE name = $1 AND ($3::text IS NULL OR status = $3)
       ORDER BY runs.started_at DESC, id DESC LIMIT $2`,
      [name, options.limit ?? null, options.status ?? null],
    );
    return rows.map(toRunRecord);
  }

  async findRuns(query: RunQuery): Promise<RunRecord[]> {
    // A cursor carries milliseconds; Postgres keeps microseconds: compared and ordered truncated alike.
    const startedAt = "date_trunc('milliseconds', started_at)";
    const { where, order, params } = runQuerySql(query, { placeholder: (n) => `$${n}`, startedAt, time: (p) => `${p}::timestamptz` });
    const { rows } = await this.#pool.query<StateRow>(`SELECT ${RUN_COLUMNS} FROM ${this.#t('runs')} ${where} ${order}`, params);
    return rows.map(toRunRecord);
  }

  async runTotals(options: { bucketsSeconds: readonly number[]; limit: number }): Promise<RunTotals[]> {
    const { bucketsSeconds: bounds, limit } = options;
    const sql = runTotalsSql(this.#t('runs'), 'EXTRACT(EPOCH FROM finished_at - started_at)', bounds.length, (i) => `$${i}`);
    const { rows } = await this.#pool.query<StateRow>(sql, [...bounds, limit]);
    return toRunTotals(rows, bounds.length);
  }

  async acquireLease(name: string, request: LeaseRequest): Promise<LeaseResult> {
    const { owner, ttlMs, process: p } = request;
    const values = [name, owner, p.host, p.pid, p.scope, ttlMs];
    const leases = this.#t('leases');
    return this.#transaction(async (client) => {
      let current: StateRow | undefined;
      // Each statement sees what committed before it (READ COMMITTED): a lease released between the two is inserted next time.
      while (!current) {
        // A free name: the insert wins, or waits for a racing insert to commit and then does nothing.
        const inserted = await client.query<StateRow>(
          `INSERT INTO ${leases} (name, owner, host, pid, pid_scope, acquired_at, expires_at)
           VALUES ($1, $2, $3, $4, $5, clock_timestamp(), clock_timestamp() + $6 * interval '1 millisecond')
           ON CONFLICT (name) DO NOTHING RETURNING ${LEASE_COLUMNS}`,
          values,
        );
        if (inserted.rows[0]) return { acquired: true, lease: toLease(inserted.rows[0], false), replaced: null };
        // A held name: its row stays locked until commit, so of two takers of an expired lease only the first sees it expired.
        current = (await client.query<StateRow>(`SELECT ${LEASE_COLUMNS} FROM ${leases} WHERE name = $1 FOR UPDATE`, [name])).rows[0];
      }
      const replaced = toLease(current, current.expired === true);
      if (!replaced.expired && replaced.owner !== request.takeOverFrom) return { acquired: false, holder: replaced };
      const updated = await client.query<StateRow>(
        `UPDATE ${leases} SET owner = $2, host = $3, pid = $4, pid_scope = $5, acquired_at = clock_timestamp(),
           expires_at = clock_timestamp() + $6 * interval '1 millisecond'
         WHERE name = $1 RETURNING ${LEASE_COLUMNS}`,
        values,
      );
      return { acquired: true, lease: toLease(updated.rows[0]!, false), replaced };
    });
  }

  async renewLease(name: string, owner: string, ttlMs: number): Promise<boolean> {
    const result = await this.#pool.query(
      `UPDATE ${this.#t('leases')} SET expires_at = clock_timestamp() + $3 * interval '1 millisecond' WHERE name = $1 AND owner = $2`,
      [name, owner, ttlMs],
    );
    return result.rowCount === 1;
  }

  async releaseLease(name: string, owner: string): Promise<void> {
    await this.#pool.query(`DELETE FROM ${this.#t('leases')} WHERE name = $1 AND owner = $2`, [name, owner]);
  }

  async getLease(name: string): Promise<Lease | null> {
    const { rows } = await this.#pool.query<StateRow>(`SELECT ${LEASE_COLUMNS} FROM ${this.#t('leases')} WHERE name = $1`, [name]);
    return rows[0] ? toLease(rows[0], rows[0].expired === true) : null;
  }

  async claimScheduleTick(schedule: string, tickAt: string, owner: string): Promise<boolean> {
    const ticks = this.#t('schedule_ticks');
    return this.#transaction(async (client) => {
      await client.query(`DELETE FROM ${ticks} WHERE schedule = $1 AND tick_at < clock_timestamp() - interval '1 day'`, [schedule]);
      // A racing insert of the same tick waits for the first to commit, then does nothing: one claim wins.
      const inserted = await client.query(
        `INSERT INTO ${ticks} (schedule, tick_at, owner, claimed_at) VALUES ($1, $2, $3, clock_timestamp()) ON CONFLICT DO NOTHING`,
        [schedule, tickAt, owner],
      );
      return inserted.rowCount === 1;
    });
  }

  async *readLedger(sync: string, options: { batchSize?: number } = {}): AsyncGenerator<LedgerEntry[]> {
    const batchSize = options.batchSize ?? 5000;
    const client = await this.#pool.connect();
    let broken: Error | undefined;
    try {
      // A server-side cursor: memory stays at one batch however large the ledger is.
      const cursor = client.query(
        new Cursor<StateRow>(`SELECT ${LEDGER_COLUMNS} FROM ${this.#t('ledger')} WHERE sync = $1 ORDER BY key`, [sync]),
      );
      try {
        for (;;) {
          const rows = await cursor.read(batchSize);
          if (rows.length === 0) return;
          yield rows.map(toLedgerEntry);
          if (rows.length < batchSize) return;
        }
      } finally {
        await cursor.close().catch((error: Error) => {
          broken = error;
        });
      }
    } finally {
      // A client whose cursor failed to close is discarded, not reused mid-protocol.
      client.release(broken);
    }
  }

  async listLedger(sync: string, query: LedgerQuery = {}): Promise<LedgerEntry[]> {
    const params: unknown[] = [sync];
    const where = ['sync = $1'];
    const add = (condition: string, value: unknown) => where.push(condition.replace('?', `$${params.push(value)}`));
    if (query.key !== undefined) add('key = ?', query.key);
    if (query.status !== undefined) add('status = ?', query.status);
    if (query.after !== undefined) add('key > ?', query.after);
    // LIMIT NULL is no limit. Keys compare in the "C" collation: the same byte order as SQLite's.
    const { rows } = await this.#pool.query<StateRow>(
      `SELECT ${LEDGER_COLUMNS} FROM ${this.#t('ledger')} WHERE ${where.join(' AND ')} ORDER BY key LIMIT $${params.push(query.limit ?? null)}`,
      params,
    );
    return rows.map(toLedgerEntry);
  }

  async getLedgerEntries(sync: string, keys: string[]): Promise<Map<string, LedgerEntry>> {
    if (keys.length === 0) return new Map();
    const { rows } = await this.#pool.query<StateRow>(
      `SELECT ${LEDGER_COLUMNS} FROM ${this.#t('ledger')} WHERE sync = $1 AND key = ANY($2::text[])`,
      [sync, keys],
    );
    return new Map(rows.map((r) => [r.key as string, toLedgerEntry(r)]));
  }

  async findChangedKeys(sync: string, keys: string[], texts: string[]): Promise<Map<number, ChangedKey>> {
    const changed = new Map<number, ChangedKey>();
    if (keys.length === 0) return changed;
    const fingerprints = texts.map((t) => hash(FINGERPRINT_HASH, t));
    // Only the keys whose fingerprint differs come back (a no-change run reads nothing out).
    const { rows } = await this.#pool.query<[string, string | null, string | null, LedgerVersion['status'] | null]>({
      text: `SELECT k.i - 1, l.fingerprint, l.remote_id, l.status
        FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS k (key, fingerprint, i)
        LEFT JOIN ${this.#t('ledger')} l ON l.sync = $1 AND l.key = k.key
        WHERE l.fingerprint IS DISTINCT FROM k.fingerprint`,
      values: [sync, keys, fingerprints],
      rowMode: 'array',
    });
    for (const [i, fingerprint, remoteId, status] of rows) {
      changed.set(Number(i), { entry: status === null ? null : { fingerprint, remoteId, status }, fingerprint: fingerprints[Number(i)]! });
    }
    return changed;
  }

  async #putLedger(client: pg.PoolClient, sync: string, entries: LedgerEntry[]): Promise<void> {
    await upsertPerKey(
      client,
      `INSERT INTO ${this.#t('ledger')} (sync, key, fingerprint, remote_id, status, last_error, run_id, updated_at)
       SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[])
       ON CONFLICT (sync, key) DO UPDATE SET fingerprint = excluded.fingerprint, remote_id = excluded.remote_id,
         status = excluded.status, last_error = excluded.last_error, run_id = excluded.run_id, updated_at = excluded.updated_at`,
      sync,
      entries,
      [
        (e) => e.key,
        (e) => e.fingerprint ?? null,
        (e) => e.remoteId ?? null,
        (e) => e.status,
        (e) => e.lastError ?? null,
        (e) => e.runId ?? null,
        (e) => e.updatedAt,
      ],
    );
  }

  async #deleteLedger(client: pg.Pool | pg.PoolClient, sync: string, keys: string[]): Promise<void> {
    await client.query(`DELETE FROM ${this.#t('ledger')} WHERE sync = $1 AND key = ANY($2::text[])`, [sync, keys]);
  }

  protected async writeLedgerChanges(sync: string, changes: LedgerChanges, mark: LedgerChanges['mark']): Promise<string | null> {
    const { put, deleted, rejected, cleared, counts } = changes;
    return this.#transaction(async (client) => {
      let previousMark: string | null = null;
      if (mark) {
        // Locked first: a concurrent writer of the same mark waits, so "previous" is exact.
        const { rows } = await client.query<{ value: string }>(`SELECT value FROM ${this.#t('state_values')} WHERE name = $1 FOR UPDATE`, [mark.name]);
        previousMark = rows[0]?.value ?? null;
        await this.#setValue(client, mark.name, mark.value);
      }
      if (put.length) await this.#putLedger(client, sync, put);
      if (deleted.length) await this.#deleteLedger(client, sync, deleted);
      if (rejected.length) await this.#putRejected(client, sync, rejected);
      if (cleared.length) await this.#deleteRejected(client, sync, cleared);
      if (counts && (counts.delivered !== 0 || counts.failed !== 0 || (counts.invalid ?? 0) !== 0)) {
        await client.query(
          `UPDATE ${this.#t('runs')} SET delivered = delivered + $1, failed = failed + $2, invalid = invalid + $3 WHERE id = $4`,
          [counts.delivered, counts.failed, counts.invalid ?? 0, counts.runId],
        );
      }
      return previousMark;
    });
  }

  async putRejected(sync: string, rows: RejectedRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.#transaction((client) => this.#putRejected(client, sync, rows));
  }

  async #putRejected(client: pg.PoolClient, sync: string, rows: RejectedRow[]): Promise<void> {
    await upsertPerKey(
      client,
      `INSERT INTO ${this.#t('rejected_rows')} (sync, key, run_id, operation, kind, row_json, error, request, rejected_at)
       SELECT $1, k, r, o, c, j::json, e, q, t
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::timestamptz[])
         AS u(k, r, o, c, j, e, q, t)
       ON CONFLICT (sync, key) DO UPDATE SET run_id = excluded.run_id, operation = excluded.operation, kind = excluded.kind,
         row_json = excluded.row_json, error = excluded.error, request = excluded.request, rejected_at = excluded.rejected_at`,
      sync,
      rows,
      [
        (r) => r.key,
        (r) => r.runId,
        (r) => r.operation,
        (r) => rejectedKind(r),
        (r) => JSON.stringify(r.row),
        (r) => r.error,
        (r) => r.request ?? null,
        (r) => r.rejectedAt,
      ],
    );
  }

  async listRejected(sync: string, options: { limit?: number } = {}): Promise<RejectedRow[]> {
    const { rows } = await this.#pool.query<StateRow>(
      `SELECT ${REJECTED_COLUMNS} FROM ${this.#t('rejected_rows')} WHERE sync = $1 ORDER BY rejected_rows.rejected_at, key LIMIT $2`,
      [sync, options.limit ?? null],
    );
    return rows.map(toRejectedRow);
  }

  async deleteRejected(sync: string, keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.#deleteRejected(this.#pool, sync, keys);
  }

  async #deleteRejected(client: pg.Pool | pg.PoolClient, sync: string, keys: string[]): Promise<void> {
    await client.query(`DELETE FROM ${this.#t('rejected_rows')} WHERE sync = $1 AND key = ANY($2::text[])`, [sync, keys]);
  }

  async putExchanges(sync: string, exchanges: RecordedExchange[]): Promise<void> {
    if (exchanges.length === 0) return;
    const pages = debugPages(exchanges);
    const column = (name: keyof (typeof pages)[number]) => pages.map((p) => p[name]);
    await this.#pool.query(
      `INSERT INTO ${this.#t('debug_pages')} (sync, id, last_id, run_id, keys, exchanges)
       SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) ON CONFLICT DO NOTHING`,
      [sync, column('id'), column('lastId'), column('runId'), column('keys'), column('exchanges')],
    );
  }

  async listExchanges(sync: string, key: string, options: { runId?: string; limit?: number; budgetMs?: number } = {}): Promise<KeyExchanges> {
    const pages = this.#t('debug_pages');
    const { places, searchedAll } = await findKeyPlaces(
      {
        window: async (needle, { before, runId, size }) =>
          (
            await this.#pool.query<PageWindowRow>(
              // Only the keys' texts holding the needle come out (the exchanges are not read).
              `SELECT id, CASE WHEN strpos(keys, $2) > 0 THEN keys END AS keys FROM ${pages}
               WHERE sync = $1 AND id < $3 AND ($4::text IS NULL OR run_id = $4) ORDER BY id DESC LIMIT $5`,
              [sync, needle, before, runId, size],
            )
          ).rows,
      },
      key,
      { runId: options.runId ?? null, limit: options.limit ?? 50, budgetMs: options.budgetMs ?? DEBUG_SEARCH_BUDGET_MS },
    );
    const { rows } = await this.#pool.query<{ id: string; run_id: string; exchanges: string }>(
      `SELECT id, run_id, exchanges FROM ${pages} WHERE sync = $1 AND id = ANY($2::text[])`,
      [sync, [...new Set(places.map((p) => p.pageId))]],
    );
    return { exchanges: exchangesAt(places, new Map(rows.map((p) => [p.id, { runId: p.run_id, exchanges: p.exchanges }]))), searchedAll };
  }

  async pruneExchanges(sync: string, options: { before: string; limit: number }): Promise<number> {
    const pages = this.#t('debug_pages');
    // A page goes with its last exchange.
    const { rowCount } = await this.#pool.query(
      `DELETE FROM ${pages} WHERE sync = $1 AND id IN (
         SELECT id FROM ${pages} WHERE sync = $1 AND id < $2 AND last_id < $2 ORDER BY id LIMIT $3)`,
      [sync, options.before, Math.max(0, options.limit)],
    );
    return rowCount ?? 0;
  }

  async recordNotification(n: NotificationAttempt): Promise<void> {
    await this.#pool.query(
      `INSERT INTO ${this.#t('notifications')} (run_id, target, conditions, attempt, status, http_status, error, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [n.runId, n.target, n.conditions, n.attempt, n.status, n.httpStatus, n.error, n.at],
    );
  }

  async listNotifications(runIds: readonly string[], options: { limit?: number } = {}): Promise<NotificationAttempt[]> {
    if (runIds.length === 0) return [];
    const { rows } = await this.#pool.query<StateRow>(
      `SELECT ${NOTIFICATION_COLUMNS} FROM ${this.#t('notifications')} WHERE run_id = ANY($1::text[]) ORDER BY id LIMIT $2`,
      [runIds, options.limit ?? 1000],
    );
    return rows.map(toNotificationAttempt);
  }

  async saveProjectRevision(id: string, bundle: string): Promise<boolean> {
    // xmax = 0 only on a row this statement inserted: an existing revision is just marked used.
    const { rows } = await this.#pool.query<{ inserted: boolean }>(
      `INSERT INTO ${this.#t('project_revisions')} (id, bundle, created_at, used_at) VALUES ($1, $2, now(), now())
       ON CONFLICT (id) DO UPDATE SET used_at = excluded.used_at RETURNING (xmax = 0) AS inserted`,
      [id, bundle],
    );
    return rows[0]?.inserted === true;
  }

  async getProjectRevision(id: string): Promise<string | null> {
    const { rows } = await this.#pool.query<{ bundle: string }>(`SELECT bundle FROM ${this.#t('project_revisions')} WHERE id = $1`, [id]);
    return rows[0]?.bundle ?? null;
  }

  async pruneProjectRevisions(options: { keepLatest: number; keep: readonly string[] }): Promise<number> {
    const table = this.#t('project_revisions');
    const result = await this.#pool.query(
      `DELETE FROM ${table} WHERE id <> ALL($1::text[]) AND id NOT IN (SELECT id FROM ${table} ORDER BY used_at DESC, id LIMIT $2)`,
      [[...options.keep], Math.max(0, options.keepLatest)],
    );
    return result.rowCount ?? 0;
  }

  async getValue(name: string): Promise<string | null> {
    const { rows } = await this.#pool.query<{ value: string }>(
      `SELECT value FROM ${this.#t('state_values')} WHERE name = $1`,
      [name],
    );
    return rows[0]?.value ?? null;
  }

  async setValue(name: string, value: string): Promise<void> {
    await this.#setValue(this.#pool, name, value);
  }

  async deleteValues(names: string[]): Promise<void> {
    if (names.length) await this.#pool.query(`DELETE FROM ${this.#t('state_values')} WHERE name = ANY($1::text[])`, [names]);
  }

  async #setValue(client: pg.Pool | pg.PoolClient, name: string, value: string): Promise<void> {
    await client.query(
      `INSERT INTO ${this.#t('state_values')} (name, value, updated_at) VALUES ($1, $2, now())
       ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      [name, value],
    );
  }

  protected async readSecret(name: string): Promise<SealedSecret | null> {
    const { rows } = await this.#pool.query<StateRow>(`SELECT nonce, ciphertext, tag, key_id FROM ${this.#t('secrets')} WHERE name = $1`, [
      name,
    ]);
    return rows[0] ? toSealedSecret(rows[0]) : null;
  }

  protected async writeSecret(name: string, sealed: SealedSecret): Promise<void> {
    await this.#pool.query(
      `INSERT INTO ${this.#t('secrets')} (name, nonce, ciphertext, tag, key_id, updated_at) VALUES ($1, $2, $3, $4, $5, now())
       ON CONFLICT (name) DO UPDATE SET nonce = excluded.nonce, ciphertext = excluded.ciphertext, tag = excluded.tag,
         key_id = excluded.key_id, updated_at = excluded.updated_at`,
      [name, sealed.nonce, sealed.ciphertext, sealed.tag, sealed.keyId],
    );
  }

  async deleteSecret(name: string): Promise<void> {
    await this.#pool.query(`DELETE FROM ${this.#t('secrets')} WHERE name = $1`, [name]);
  }

  async secretKeyIds(): Promise<string[]> {
    const { rows } = await this.#pool.query<{ key_id: string }>(`SELECT DISTINCT key_id FROM ${this.#t('secrets')} ORDER BY key_id`);
    return rows.map((r) => r.key_id);
  }

  async deleteAllSecrets(): Promise<number> {
    return (await this.#pool.query(`DELETE FROM ${this.#t('secrets')}`)).rowCount ?? 0;
  }

  async close(): Promise<void> {
    if (!this.#pool.ended) await this.#pool.end();
  }
}
