import { WRITE_BACK_COLUMNS } from '../config/check-write-back.js';
import type { Connection, ResultTable } from '../config/project-schema.js';
import type { Destination } from '../destinations/destination.js';
import type { Redactor } from '../log/redactor.js';
import type { DeliveryItem, DeliveryResult } from '../rows/delivery-item.js';
import type { Column, ColumnType, Row } from '../rows/row.js';
import { keyRow } from './plan/key-row.js';
import { runEndMessage } from './run-end-messages.js';
import { cut } from './run-log.js';

/** Characters of an error kept in `last_error`: the API's message, not a whole response page. */
export const MAX_WRITE_BACK_ERROR_CHARS = 2000;

/** What withWriteBack needs: where the results go, and how a record's key columns are read. */
export interface WriteBackOptions {
  sync: string;
  target: ResultTable;
  connection: Connection;
  /** The sync's key columns as it names them (the source's names): the table's key columns. */
  key: string[];
  /** Each key column's name in the rows the destination is sent (after mapping). */
  keyInRow: string[];
  /** The key columns' types as the source describes them (string when it does not). */
  keyTypes: ColumnType[];
  /** The run the rows are delivered in (`run_id`). */
  runId: string;
  projectDir: string;
  redactor: Redactor;
}

/** The write_back row's status of a record a baseline saw: adopted as delivered, or not found by the lookup (left for the next run to create). */
export type BaselineStatus = 'delivered' | 'not_found';

/** A row of a baseline (`sluice sync run NAME --baseline`): the planned item and what the baseline made of it. */
export interface BaselineResult {
  item: DeliveryItem;
  /** The remote id kept or found (null when not found, or when the sync has no lookup). */
  remoteId: string | null;
  status: BaselineStatus;
}

/** A destination whose results are also written back; `failure` says what could not be, once the run has delivered. */
export interface WriteBack {
  destination: Destination;
  /**
   * Upserts a baseline batch's rows (adopted ones as `delivered`, those the `lookup` endpoint did not find as
   * `not_found`), as a run's answered batch is: a failure is remembered for `failure()`, never thrown.
   */
  recordBaseline(results: BaselineResult[], lookup: string | null): Promise<void>;
  /** Why results were not written back (the first failure, and how many rows it left out), or null. */
  failure(): string | null;
  /** Closes the write_back table's connection (the destination closes as its opener says). */
  close(): Promise<void>;
}

/**
 * The sync's destination, with each batch's results upserted into the `write_back:` table once the destination has
 * answered: a row per key (delivered with its remote id, failed with the API's error); a confirmed delete removes the
 * key's row, as it leaves the ledger. Rows of a batch refused as a whole are left out: the engine sends them again in
 * halves, and their own answer is written then. A baseline, which writes nothing, tells its batches through
 * `recordBaseline`. A write-back that fails never fails the delivery (the results still
 * reach the ledger): it is remembered, later batches still try, and the run fails at its end with `failure()`.
 * The table is opened at the first write, so a preview never touches it.
 */
export function withWriteBack(destination: Destination, options: WriteBackOptions): WriteBack {
  const { redactor } = options;
  let table: Promise<Destination> | null = null;
  let firstError: string | null = null;
  let missed = 0;
  // One write at a time: the table destination holds one connection, and the sync's batches may run concurrently.
  let queue: Promise<void> = Promise.resolve();

  const open = (): Promise<Destination> =>
    // Loaded at the first write, as the sync's own table destination is: previews and HTTP syncs need no database driver.
    (table ??= import('../destinations/open-table-destination.js').then(({ openTableDestination }) =>
      openTableDestination({
        connection: options.connection,
        table: options.target.table,
        key: options.key,
        columns: resultColumns(options.key, options.keyTypes),
        projectDir: options.projectDir,
        redactor,
      }),
    ));

  /** A write_back row: the record's key columns, then its result. */
  const resultRow = (item: DeliveryItem, result: { remoteId: string | null; status: string; lastError: string | null }, syncedAt: string): DeliveryItem => ({
    key: item.key,
    operation: 'upsert',
    row: { ...keyOf(item, options), remote_id: result.remoteId, status: result.status, last_error: result.lastError, synced_at: syncedAt, run_id: options.runId },
    remoteId: null,
  });

  const record = async (items: DeliveryItem[], results: DeliveryResult[]) => {
    const syncedAt = new Date().toISOString();
    const upserts: DeliveryItem[] = [];
    const deletes: DeliveryItem[] = [];
    results.forEach((result, i) => {
      const item = items[i]!;
      if (result.batchRefused) return;
      if (item.operation === 'delete' && result.ok) {
        deletes.push({ key: item.key, operation: 'delete', row: keyOf(item, options), remoteId: null });
        return;
      }
      upserts.push(
        resultRow(item, {
          remoteId: (result.ok ? result.remoteId : undefined) ?? item.remoteId ?? null,
          status: result.ok ? 'delivered' : 'failed',
          lastError: result.ok ? null : cut(redactor.mask(result.error ?? 'failed'), MAX_WRITE_BACK_ERROR_CHARS),
        }, syncedAt),
      );
    });
    await put(upserts, deletes);
  };

  const put = async (upserts: DeliveryItem[], deletes: DeliveryItem[]) => {
    const count = upserts.length + deletes.length;
    if (count === 0) return;
    const answers: DeliveryResult[] = [];
    try {
      const written = await open();
      // A sync's batch (a PostgreSQL table's 20,000 rows) may be larger than the write-back engine takes at once (MySQL's 1,000).
      for (const items of [upserts, deletes]) {
        const size = written.batchSize(items[0]?.operation ?? 'upsert');
        for (let i = 0; i < items.length; i += size) answers.push(...(await written.write(items.slice(i, i + size))));
      }
      const refused = answers.filter((a) => !a.ok);
      if (refused.length > 0) {
        missed += refused.length;
        firstError ??= `${refused.length} row${refused.length === 1 ? '' : 's'} refused: ${refused[0]!.error ?? 'refused'}`;
      }
    } catch (e) {
      missed += count - answers.length;
      firstError ??= e instanceof Error ? e.message : String(e);
    }
  };

  /** Queued behind the batches before it, as a run's are; a failure is remembered, not thrown. */
  const enqueue = (write: () => Promise<void>, count: number): Promise<void> => {
    const done = queue.then(write).catch((e: unknown) => {
      missed += count;
      firstError ??= e instanceof Error ? e.message : String(e);
    });
    queue = done;
    return done;
  };

  const wrapped: Destination = {
    supports: (op) => destination.supports(op),
    batchSize: (op) => destination.batchSize(op),
    get concurrency() {
      return destination.concurrency;
    },
    lookup: destination.lookup && ((items, o) => destination.lookup!(items, o)),
    async write(items, o) {
      const results = await destination.write(items, o);
      // Whatever happens to the write-back, the results go back to the engine, which records them in the ledger.
      await enqueue(() => record(items, results), results.length);
      return results;
    },
    preview: (items, o) => destination.preview(items, o),
    close: () => destination.close(),
  };
  return {
    destination: wrapped,
    recordBaseline(results, lookup) {
      const syncedAt = new Date().toISOString();
      // Not an API's error: why the key has no record yet, read beside its `not_found` status.
      const notFound = `not found by the lookup${lookup === null ? '' : ` ${lookup}`}: the next run creates it`;
      const rows = results.map((r) =>
        resultRow(r.item, { remoteId: r.remoteId, status: r.status, lastError: r.status === 'not_found' ? notFound : null }, syncedAt),
      );
      return enqueue(() => put(rows, []), rows.length);
    },
    async close() {
      if (table) await (await table.catch(() => null))?.close();
    },
    failure: () =>
      firstError === null
        ? null
        : redactor.mask(
            runEndMessage('write_back_failed', {
              sync: options.sync, table: options.target.table, connection: options.target.connection, count: missed, detail: cut(firstError, MAX_WRITE_BACK_ERROR_CHARS),
            }),
          ),
  };
}

/** The write_back table's columns: the key as the source types it, then the result. */
function resultColumns(key: string[], types: ColumnType[]): Column[] {
  const result: Record<(typeof WRITE_BACK_COLUMNS)[number], ColumnType> = {
    remote_id: 'string',
    status: 'string',
    last_error: 'string',
    synced_at: 'timestamp',
    run_id: 'string',
  };
  return [
    ...key.map((name, i) => ({ name, type: types[i] ?? 'string', nativeType: '' })),
    ...WRITE_BACK_COLUMNS.map((name) => ({ name, type: result[name], nativeType: '' })),
  ];
}

/**
 * The key columns of a record under the sync's names: from the row sent when it has them, else (a removed record,
 * whose row is the key alone) from the key string, read back to a number where the column is numeric.
 */
function keyOf(item: DeliveryItem, options: WriteBackOptions): Row {
  const parsed = keyRow(item.key, options.key);
  const row: Row = {};
  options.key.forEach((name, i) => {
    const sent = item.operation === 'delete' ? undefined : item.row[options.keyInRow[i]!];
    row[name] = sent === undefined || sent === null ? fromKeyText(parsed[name], options.keyTypes[i]) : sent;
  });
  return row;
}

/** A key part as the key string holds it, as the column's type reads it (numbers stay exact past 2^53 as text). */
function fromKeyText(value: unknown, type: ColumnType | undefined): unknown {
  if (typeof value !== 'string') return value;
  if ((type === 'integer' || type === 'number') && /^-?\d+(\.\d+)?$/.test(value) && Number.isSafeInteger(Math.trunc(Number(value)))) return Number(value);
  if (type === 'boolean' && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}
