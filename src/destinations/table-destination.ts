import type { Column, Row } from '../rows/row.js';
import type { Redactor } from '../log/redactor.js';
import { decimalFits } from './decimal-fits.js';
import { type Destination, type PreviewRequest } from './destination.js';
import { FatalDeliveryError, type DeliveryItem, type DeliveryOperation, type DeliveryResult } from '../rows/delivery-item.js';
import type { BatchWrite, TableEngine, TableTarget, WriteKind } from '../databases/table-engine.js';
import { formatTableName, type TableName } from '../databases/table-name.js';
import { columnsOfTable, planTableSchema, qualifiedName, type ColumnBinding, type TableSchemaPlan } from '../databases/table-schema.js';

/**
 * How writes land in the table:
 * - `upsert` (default): create/upsert insert or update by key; update changes existing rows only.
 * - `insert`: create is a plain INSERT (a duplicate key fails that row).
 * - `update`: create/upsert/update only change existing rows (a missing key fails that row).
 * - `merge`: like upsert, through MERGE where the engine has it (PostgreSQL 15+, DuckDB); no unique index needed.
 * - `replace`: full refresh: the first write of this destination (even `write([])`) empties the table in its transaction.
 */
export type LoadMode = 'insert' | 'upsert' | 'update' | 'merge' | 'replace';

/** Options of a table destination over one engine connection. */
export interface TableDestinationOptions {
  engine: TableEngine;
  table: TableName;
  /** Key columns (source names, after mapping); empty: append-only, no primary key. */
  key: string[];
  /**
   * The source's columns; the table is created or extended from them. Empty when the read returned no records (an
   * HTTP stream learns its columns from them): the existing table's columns are used, and without a table nothing is
   * written.
   */
  columns: Column[];
  loadMode?: LoadMode;
  redactor?: Redactor;
}

/** The statement an operation runs under a load mode. */
export function writeKind(operation: DeliveryOperation, loadMode: LoadMode, hasKey: boolean): WriteKind {
  if (operation === 'delete') return 'delete';
  if (!hasKey) return 'insert';
  if (loadMode === 'update') return 'update';
  if (loadMode === 'replace') return 'upsert';
  if (operation === 'update') return 'update';
  if (operation === 'create' && loadMode === 'insert') return 'insert';
  return 'upsert';
}

/** A Destination writing rows into one database table through an engine: schema first, then one statement a batch. */
export function createTableDestination(options: TableDestinationOptions): Destination {
  return new TableDestination(options);
}

class TableDestination implements Destination {
  readonly concurrency = 1;
  private readonly engine: TableEngine;
  private readonly loadMode: LoadMode;
  /** Settled once; resolves to null when there is nothing to write into (no columns and no table). */
  private target: Promise<Settled | null> | null = null;
  private truncated = false;
  private readonly checked = new WeakMap<TableTarget, ColumnBinding[]>();

  constructor(private readonly options: TableDestinationOptions) {
    this.engine = options.engine;
    this.loadMode = options.loadMode ?? 'upsert';
    // Without columns (a read that returned no records) the key is checked against the table's, once it is described.
    if (options.columns.length > 0) this.checkKey(options.columns, 'the source');
  }

  supports(operation: DeliveryOperation | 'lookup'): boolean {
    if (operation === 'lookup') return false;
    return operation === 'create' || this.options.key.length > 0;
  }

  batchSize(_operation: DeliveryOperation): number {
    return this.engine.batchSize;
  }

  async write(items: DeliveryItem[], options: { signal?: AbortSignal } = {}): Promise<DeliveryResult[]> {
    const settled = await this.ready();
    if (settled === null) return this.nothingToWrite(items);
    const { target, keyIsUnique } = settled;
    if (items.length === 0) {
      if (this.loadMode === 'replace' && !this.truncated) {
        await this.run(target, { kind: 'insert', merge: false, truncate: true, rows: [] });
        this.truncated = true;
      }
      return [];
    }
    const results: DeliveryResult[] = new Array(items.length);
    for (const [operation, group] of groupByOperation(items)) {
      if (!this.supports(operation)) {
        throw new FatalDeliveryError(`table ${formatTableName(this.options.table)}: ${operation} needs a key, and the sync has none`);
      }
      const kind = writeKind(operation, this.loadMode, target.key.length > 0);
      const merge = this.useMerge(kind);
      if (kind === 'upsert' && !merge && !keyIsUnique) {
        throw new FatalDeliveryError(
          `table ${formatTableName(this.options.table)} has no primary key or unique index on (${target.key.map((k) => k.target.name).join(', ')}); ` +
            `${operation} needs one: add it, or use loadMode ${this.engine.supportsMerge ? 'merge or ' : ''}insert`,
        );
      }
      const pending: number[] = [];
      for (const i of group) {
        const problem = this.rowProblem(target, items[i]!.row);
        if (problem) results[i] = this.failed(items[i]!, problem, target, kind, merge);
        else pending.push(i);
      }
      await this.deliver(target, kind, merge, items, pending, results, options.signal);
    }
    return results;
  }

  async preview(items: DeliveryItem[]): Promise<PreviewRequest[]> {
    const plan = await this.plan();
    if (plan === null) {
      if (items.length === 0) return [];
      return [{ operation: items[0]!.operation, keys: items.map((i) => i.key), text: `-- ${this.absent()}: nothing to write` }];
    }
    const ddl = plan.statements.map((s) => `${s};`);
    if (items.length === 0) return ddl.length ? [{ operation: 'create', keys: [], text: ddl.join('\n') }] : [];
    const target = this.targetOf(plan.bindings);
    const requests: PreviewRequest[] = [];
    for (const [operation, group] of groupByOperation(items)) {
      const kind = writeKind(operation, this.loadMode, target.key.length > 0);
      const batch = { kind, merge: this.useMerge(kind), truncate: this.loadMode === 'replace' && !this.truncated };
      const ok = group.filter((i) => this.rowProblem(target, items[i]!.row) === null);
      const sql = `${this.engine.describeWrite(target, batch)}\n-- ${ok.length} row${ok.length === 1 ? '' : 's'}`;
      requests.push({
        operation,
        keys: ok.map((i) => items[i]!.key),
        text: this.mask([...ddl, sql].join('\n')),
        ...(plan.conflicts.length > 0 ? { error: this.mask(plan.conflicts.join('\n')) } : {}),
      });
      for (const i of group) {
        const problem = this.rowProblem(target, items[i]!.row);
        if (problem) requests.push({ operation, keys: [items[i]!.key], text: '', error: this.mask(problem) });
      }
    }
    return requests;
  }

  async close(): Promise<void> {
    await this.engine.close();
  }

  private useMerge(kind: WriteKind): boolean {
    return this.loadMode === 'merge' && this.engine.supportsMerge && (kind === 'upsert' || kind === 'update');
  }

  /** The schema is settled once: CREATE / ALTER run before the first batch; a type conflict stops everything. */
  private ready(): Promise<Settled | null> {
    this.target ??= this.settle().catch((e: unknown) => {
      this.target = null;
      throw e;
    });
    return this.target;
  }

  private async settle(): Promise<Settled | null> {
    let plan = await this.plan();
    if (plan === null) return null;
    if (plan.conflicts.length > 0) throw new FatalDeliveryError(this.mask(plan.conflicts.join('\n')));
    if (plan.statements.length > 0) {
      try {
        await this.engine.execute(plan.statements);
      } catch (e) {
        throw new FatalDeliveryError(this.mask(`table ${formatTableName(this.options.table)}: ${this.engine.messageOf(e)}`));
      }
      // Read the table back so staging and checks use the types the engine actually gave the columns.
      plan = (await this.plan())!;
      if (plan.conflicts.length > 0) throw new FatalDeliveryError(this.mask(plan.conflicts.join('\n')));
    }
    return { target: this.targetOf(plan.bindings), keyIsUnique: plan.keyIsUnique };
  }

  /** What the table needs before writing; null when the source has no columns and the table does not exist. */
  private async plan(): Promise<TableSchemaPlan | null> {
    const { table, key } = this.options;
    let shape;
    try {
      shape = await this.engine.describe(table);
    } catch (e) {
      throw new FatalDeliveryError(this.mask(`table ${formatTableName(table)}: ${this.engine.messageOf(e)}`));
    }
    let columns = this.options.columns;
    if (columns.length === 0) {
      // An empty read (nothing changed since the kept cursor) is normal: the table's own columns stand in, so that
      // removed keys can still be deleted; without a table there is nothing to write, and no table is created.
      if (shape === null) return null;
      columns = columnsOfTable(shape, key);
      this.checkKey(columns, 'the table (the read returned no records)');
    }
    return planTableSchema({ dialect: this.engine, table, shape, columns, key });
  }

  private checkKey(columns: Column[], of: string): void {
    const names = columns.map((c) => c.name);
    const unknown = this.options.key.filter((k) => !names.includes(k));
    if (unknown.length > 0) {
      throw new FatalDeliveryError(
        `table ${formatTableName(this.options.table)}: key column ${unknown.join(', ')} is not a column of ${of} (columns: ${names.join(', ')})`,
      );
    }
  }

  /**
   * Items for a table that does not exist, from a read that returned no columns: only removed keys can come (their
   * rows are gone with the table); anything else means rows arrived without columns.
   */
  private nothingToWrite(items: DeliveryItem[]): DeliveryResult[] {
    const other = items.find((i) => i.operation !== 'delete');
    if (other) throw new FatalDeliveryError(`${this.absent()}: cannot ${other.operation} a row without columns`);
    return items.map((i) => ({ key: i.key, ok: true, remoteId: null }));
  }

  private absent(): string {
    return `table ${formatTableName(this.options.table)} does not exist and the source returned no records`;
  }

  private targetOf(bindings: ColumnBinding[]): TableTarget {
    const key = this.options.key.map((k) => bindings.find((b) => b.source.name === k)!);
    return { table: this.options.table, qualified: qualifiedName(this.engine, this.options.table), bindings, key };
  }

  /**
   * Writes the items at `part` (indexes into `items`) in one statement. A row error fails a lone row; for several it
   * refuses them as a whole (`batchRefused`), and the engine writes them again in halves until each bad row stands
   * alone: one bad row never fails its neighbours.
   */
  private async deliver(
    target: TableTarget,
    kind: WriteKind,
    merge: boolean,
    items: DeliveryItem[],
    part: number[],
    results: DeliveryResult[],
    signal: AbortSignal | undefined,
  ): Promise<void> {
    if (part.length === 0) return;
    signal?.throwIfAborted();
    const truncate = this.loadMode === 'replace' && !this.truncated;
    const rows = new Array<Row>(part.length);
    for (let j = 0; j < part.length; j++) rows[j] = items[part[j]!]!.row;
    let missing: number[];
    try {
      missing = await this.run(target, { kind, merge, truncate, rows });
    } catch (e) {
      if (e instanceof FatalDeliveryError) throw e;
      if (part.length === 1) {
        results[part[0]!] = this.failed(items[part[0]!]!, this.engine.messageOf(e), target, kind, merge);
        return;
      }
      const error = this.mask(this.engine.messageOf(e));
      for (const i of part) results[i] = { key: items[i]!.key, ok: false, error, batchRefused: true };
      return;
    }
    if (truncate) this.truncated = true;
    const notFound = missing.length > 0 ? new Set(missing) : undefined;
    const remoteId = remoteIdReader(target);
    for (let j = 0; j < part.length; j++) {
      const item = items[part[j]!]!;
      results[part[j]!] = notFound?.has(j)
        ? this.failed(item, `no row in ${formatTableName(this.options.table)} has ${keyDescription(target, item.row)}`, target, kind, merge)
        : { key: item.key, ok: true, remoteId: remoteId(item.row) };
    }
  }

  /** Runs one batch; an error that is not about the rows (connection lost, table dropped) stops the run. */
  private async run(target: TableTarget, batch: BatchWrite): Promise<number[]> {
    try {
      return await this.engine.writeBatch(target, batch);
    } catch (e) {
      if (this.engine.isRowError(e)) throw e;
      throw new FatalDeliveryError(this.mask(`table ${formatTableName(this.options.table)}: ${this.engine.messageOf(e)}`));
    }
  }

  /** Why a row cannot be written exactly, before sending it: a null key, a decimal the column would round, a NaN the engine cannot store. */
  private rowProblem(target: TableTarget, row: Row): string | null {
    for (const b of target.key) {
      const v = row[b.source.name];
      if (v === null || v === undefined) return `key column ${b.source.name} is null`;
    }
    for (const b of this.checkedBindings(target)) {
      const v = row[b.source.name];
      if (v === null || v === undefined) continue;
      const { target: col, source } = b;
      if (typeof v === 'number' && !Number.isFinite(v) && !this.engine.storesNonFinite && col.family !== 'text') {
        return `column ${source.name}: ${v} cannot be stored in a ${this.engine.label} ${col.nativeType} column`;
      }
      if (
        fixedDecimal(b) &&
        (typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint') &&
        !decimalFits(String(v), col.precision!, col.scale!)
      ) {
        return `column ${source.name}: ${String(v)} does not fit ${col.nativeType} exactly (it would be rounded or overflow)`;
      }
    }
    return null;
  }

  /** The columns whose values `rowProblem` checks (chosen once a target: a load checks every row). */
  private checkedBindings(target: TableTarget): ColumnBinding[] {
    let checked = this.checked.get(target);
    if (!checked) {
      const nonFinite = !this.engine.storesNonFinite;
      checked = target.bindings.filter((b) => (nonFinite && b.target.family !== 'text') || fixedDecimal(b));
      this.checked.set(target, checked);
    }
    return checked;
  }

  private failed(item: DeliveryItem, error: string, target: TableTarget, kind: WriteKind, merge: boolean): DeliveryResult {
    const request = this.engine.describeWrite(target, { kind, merge, truncate: false });
    return { key: item.key, ok: false, error: this.mask(error), request: this.mask(request) };
  }

  private mask(text: string): string {
    return this.options.redactor ? this.options.redactor.mask(text) : text;
  }
}

/** A table whose schema is settled: where rows go, and whether upserts can rely on a unique key. */
interface Settled {
  target: TableTarget;
  keyIsUnique: boolean;
}

/** A decimal column of fixed precision and scale fed decimals or integers: a value may not fit it exactly. */
function fixedDecimal({ source, target }: ColumnBinding): boolean {
  return (
    target.family === 'decimal' &&
    target.precision !== undefined &&
    target.scale !== undefined &&
    (source.type === 'decimal' || source.type === 'integer')
  );
}

/** The indexes of the items of each operation, in order. */
function groupByOperation(items: DeliveryItem[]): Map<DeliveryOperation, number[]> {
  const groups = new Map<DeliveryOperation, number[]>();
  for (let i = 0; i < items.length; i++) {
    const operation = items[i]!.operation;
    const group = groups.get(operation);
    if (group) group.push(i);
    else groups.set(operation, [i]);
  }
  return groups;
}

/**
 * Reads a row's key value as text, as the sync's record keys spell it: the value itself for one key column, a JSON
 * array of texts for a composite key; null without a key.
 */
function remoteIdReader(target: TableTarget): (row: Row) => string | null {
  if (target.key.length === 0) return () => null;
  if (target.key.length === 1) {
    const name = target.key[0]!.source.name;
    return (row) => textOf(row[name]);
  }
  return (row) => JSON.stringify(target.key.map((b) => textOf(row[b.source.name])));
}

function keyDescription(target: TableTarget, row: Row): string {
  return target.key.map((b) => `${b.target.name} = ${textOf(row[b.source.name])}`).join(' and ');
}

function textOf(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v !== null && typeof v === 'object') return JSON.stringify(v);
  return String(v);
}
