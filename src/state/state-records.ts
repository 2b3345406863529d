import type { SealedSecret } from './secret-box.js';
import type { Lease, LedgerEntry, NotificationAttempt, RejectedRow, RunCounts, RunPatch, RunRecord } from './state-store.js';

/** A row of a state table as a driver returns it (timestamps already ISO strings). */
export type StateRow = Record<string, unknown>;

const COUNT_COLUMNS = ['planned', 'added', 'changed', 'removed', 'unchanged', 'delivered', 'failed', 'invalid'] as const;

/** Zero counts, as a new run starts with. */
export function zeroCounts(): RunCounts {
  return { planned: 0, added: 0, changed: 0, removed: 0, unchanged: 0, delivered: 0, failed: 0, invalid: 0 };
}

/**
 * The `runs` columns a new run's row sets, as [column, value] pairs. The attempts column's default (1) is a running
 * run's: only a queued one sets it, so a running run is still written the same way into a state that predates it.
 */
export function newRunColumns(record: RunRecord): [string, unknown][] {
  const columns: [string, unknown][] = [
    ['id', record.id],
    ['kind', record.kind],
    ['name', record.name],
    ['status', record.status],
    ['triggered_by', record.trigger],
    ['started_at', record.startedAt],
  ];
  if (record.status === 'queued') columns.push(['attempts', record.attempt]);
  return columns;
}

/** The `runs` columns a patch sets, as [column, value] pairs (counts are one column each). */
export function toRunColumns(patch: RunPatch): [string, unknown][] {
  const columns: [string, unknown][] = [];
  if (patch.status !== undefined) columns.push(['status', patch.status]);
  if (patch.error !== undefined) columns.push(['error', patch.error]);
  if (patch.finishedAt !== undefined) columns.push(['finished_at', patch.finishedAt]);
  if (patch.counts !== undefined) for (const c of COUNT_COLUMNS) if (patch.counts[c] !== undefined) columns.push([c, patch.counts[c]]);
  return columns;
}

/** A `runs` row as a RunRecord. */
export function toRunRecord(r: StateRow): RunRecord {
  const counts = Object.fromEntries(COUNT_COLUMNS.map((c) => [c, Number(r[c])])) as unknown as RunCounts;
  return {
    id: r.id as string,
    kind: r.kind as RunRecord['kind'],
    name: r.name as string,
    status: r.status as RunRecord['status'],
    trigger: r.triggered_by as string,
    startedAt: r.started_at as string,
    finishedAt: (r.finished_at as string | null) ?? null,
    counts,
    error: (r.error as string | null) ?? null,
    attempt: Number(r.attempts ?? 1),
  };
}

/** A `ledger` row as a LedgerEntry. */
export function toLedgerEntry(r: StateRow): LedgerEntry {
  return {
    key: r.key as string,
    fingerprint: (r.fingerprint as string | null) ?? null,
    remoteId: (r.remote_id as string | null) ?? null,
    status: r.status as LedgerEntry['status'],
    lastError: (r.last_error as string | null) ?? null,
    runId: (r.run_id as string | null) ?? null,
    updatedAt: r.updated_at as string,
  };
}

/** A rejected row's kind as stored: rows rejected at planning (no key) are invalid ones whoever wrote them. */
export function rejectedKind(r: RejectedRow): 'invalid' | 'rejected' {
  return r.kind ?? (r.operation === 'plan' ? 'invalid' : 'rejected');
}

/** A `rejected_rows` row as a RejectedRow (`row_json` is text in SQLite, already parsed in PostgreSQL). */
export function toRejectedRow(r: StateRow): RejectedRow {
  const row = typeof r.row_json === 'string' ? (JSON.parse(r.row_json) as unknown) : r.row_json;
  return {
    key: r.key as string,
    runId: r.run_id as string,
    operation: r.operation as string,
    kind: r.kind === 'invalid' ? 'invalid' : 'rejected',
    row: row as Record<string, unknown>,
    error: r.error as string,
    request: (r.request as string | null) ?? null,
    rejectedAt: r.rejected_at as string,
  };
}

/** The last of each key wins, as if the entries were written one after another. */
export function lastPerKey<T extends { key: string }>(items: T[]): T[] {
  const byKey = new Map<string, T>();
  for (const item of items) {
    byKey.delete(item.key);
    byKey.set(item.key, item);
  }
  return [...byKey.values()];
}

/** A `leases` row as a Lease; `expired` is computed by the caller's query (or clock). */
export function toLease(r: StateRow, expired: boolean): Lease {
  return {
    name: r.name as string,
    owner: r.owner as string,
    process: { host: r.host as string, pid: Number(r.pid), scope: (r.pid_scope as string | null) ?? null },
    acquiredAt: r.acquired_at as string,
    expiresAt: r.expires_at as string,
    expired,
  };
}

/** A `secrets` row as the sealed secret it stores. */
export function toSealedSecret(r: StateRow): SealedSecret {
  return { nonce: r.nonce as Buffer, ciphertext: r.ciphertext as Buffer, tag: r.tag as Buffer, keyId: r.key_id as string };
}

/** A `notifications` row as the attempt it records. */
export function toNotificationAttempt(r: StateRow): NotificationAttempt {
  return {
    runId: r.run_id as string,
    target: r.target as string,
    conditions: r.conditions as string,
    attempt: Number(r.attempt),
    status: r.status as NotificationAttempt['status'],
    httpStatus: r.http_status === null || r.http_status === undefined ? null : Number(r.http_status),
    error: (r.error as string | null) ?? null,
    at: r.at as string,
  };
}

