import type { SyncEnd } from '../../src/api/syncs.js';

/** One side of a sync in a few words: `warehouse · sql`, `crm · table leads`, `backlog · add_issue`. */
export function describeSyncEnd(end: SyncEnd | string | undefined): string {
  if (!end) return '';
  if (typeof end === 'string') return end;
  const what =
    end.endpoint ??
    (end.endpoints ? Object.values(end.endpoints).join(' / ') : undefined) ??
    (end.table !== undefined ? `table ${end.table}` : undefined) ??
    (end.stream !== undefined ? `stream ${end.stream}` : undefined) ??
    (end.sql !== undefined ? (end.sql.length > 40 || end.sql.includes('\n') ? 'SQL' : end.sql) : undefined);
  return what ? `${end.connection} · ${what}` : end.connection;
}
