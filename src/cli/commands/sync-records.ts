import type { LedgerEntry } from '../../state/state-store.js';
import { listSyncRecords, type SyncRecord } from '../../sync/list-sync-records.js';
import { findSync } from '../../sync/open-sync-endpoints.js';
import { ExitCode, type CommandContext } from '../command-context.js';
import { openProject } from '../open-project.js';

/** Longest error shown in the table; --json has the whole text. */
const ERROR_WIDTH = 80;

export interface SyncRecordsArgs {
  name: string;
  key?: string;
  status?: LedgerEntry['status'];
  limit: number;
}

/** `sluice sync records NAME`: the records a sync keeps, in key order: key, remote id, status, last delivery, last error. */
export async function runSyncRecords(args: SyncRecordsArgs, ctx: CommandContext): Promise<number> {
  const { loaded, store, close } = await openProject(ctx);
  try {
    const sync = findSync(loaded, args.name);
    // One more than asked: whether there are more to say so.
    const found = await listSyncRecords(store, args.name, { key: args.key, status: args.status, limit: args.limit + 1 });
    const records = loaded.redactor.maskValue(found.slice(0, args.limit));
    if (ctx.json) {
      ctx.stdout.write(JSON.stringify(records) + '\n');
      return ExitCode.ok;
    }
    if (!records.length) {
      const filters = [args.key !== undefined ? `key ${args.key}` : '', args.status ? `status ${args.status}` : ''].filter(Boolean);
      // An append sync sends every row every run and keeps nothing per key.
      const none = sync.mode === 'append' ? `no records of ${args.name}: mode append keeps none` : `no records of ${args.name} yet`;
      ctx.stdout.write(filters.length ? `no records of ${args.name} with ${filters.join(' and ')}\n` : `${none}\n`);
      return ExitCode.ok;
    }
    ctx.stdout.write(formatRecords(records));
    const more = found.length > args.limit ? ' shown; more are kept (raise --limit, or narrow with --key or --status)' : '';
    ctx.stdout.write(`${records.length} record${records.length === 1 ? '' : 's'}${more}\n`);
    return ExitCode.ok;
  } finally {
    await close();
  }
}

/** Aligned columns; an error is cut to one line of ERROR_WIDTH characters. */
function formatRecords(records: SyncRecord[]): string {
  const rows = records.map((r) => [r.key, r.remoteId ?? '-', r.status, r.lastDeliveredAt ?? '-', r.lastError === null ? '' : oneLine(r.lastError)]);
  const head = ['KEY', 'REMOTE ID', 'STATUS', 'LAST DELIVERED', 'LAST ERROR'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(head), ...rows.map(line)].join('\n') + '\n';
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= ERROR_WIDTH ? flat : `${flat.slice(0, ERROR_WIDTH - 1)}…`;
}
