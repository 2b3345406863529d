import { ConfigError } from '../config/config-error.js';
import { didYouMean } from '../config/closest-match.js';
import { displayPath } from '../config/display-path.js';
import type { LoadedProject } from '../config/load-project.js';
import type { Sync } from '../config/project-schema.js';
import { readSyncQuery } from '../config/read-sync-query.js';
import { resolveSqlVariables, resolveVariableValues } from '../config/resolve-sql-variables.js';
import type { Destination } from '../destinations/destination.js';
import { compileFieldRules, type FieldRules } from '../rows/field-rules.js';
import type { Column, ColumnType, Row } from '../rows/row.js';
import type { Source } from '../sources/source.js';
import type { StateStore } from '../state/state-store.js';
import { createRowMapper, mappedName } from './apply-mapping.js';
import { keyColumns } from './plan/record-key.js';
import { withSyncSqlErrors } from './sync-sql-error.js';
import { withSyncRules } from './sync-rules-destination.js';
import { withWriteBack, type WriteBack, type WriteBackOptions } from './write-back-destination.js';
import { syncTemplatePlacer } from './sync-template-placer.js';

/** The run a template sees as `run`. */
export interface RunInfo {
  id: string;
  started_at: string;
}

/** A sync's source and destination, opened for one run, with its key and row mapping. */
export interface SyncEndpoints {
  sync: Sync;
  source: Source;
  destination: Destination;
  /** Key columns after mapping. */
  key: string[];
  /** A source row as the sync sends it: `mapping`, then the `fields:` rules. */
  mapRow: (row: Row) => Row;
  /** The sync's `fields:` rules (mapRow applies them; the destination leaves create-only fields out of updates). */
  fieldRules: FieldRules;
  /** Template variables (`vars`): the sync's declared variables and run-time values. */
  vars: Record<string, string>;
  /** Why results were not written to the sync's `write_back:` table (null when they all were, or it has none). */
  writeBackFailure(): string | null;
  /** Writes a baseline batch's rows to the sync's `write_back:` table (nothing without one): a baseline sends no write to be seen. */
  recordBaseline: WriteBack['recordBaseline'];
  close(): Promise<void>;
}

/** Looks a sync up by name, with a clear error listing the known ones. */
export function findSync(loaded: LoadedProject, name: string): Sync {
  const sync = loaded.project.syncs[name];
  if (!sync) {
    const known = Object.keys(loaded.project.syncs);
    throw new ConfigError([
      { file: displayPath(loaded.file), path: 'syncs', message: `unknown sync "${name}"${didYouMean(name, known)} (known: ${known.length ? known.join(', ') : 'none'})` },
    ]);
  }
  return sync;
}

/** Opens what one run of a sync reads from and writes to. */
export async function openSyncEndpoints(
  loaded: LoadedProject,
  name: string,
  options: {
    store: StateStore;
    run: RunInfo;
    vars?: Record<string, string>;
    /** Read incremental streams in full. */
    full?: boolean;
    /** Keep the run's HTTP exchanges for the debugger, as the sync's `debug:` says (a run does; a preview sends nothing to keep). */
    debug?: boolean;
  },
): Promise<SyncEndpoints> {
  const sync = findSync(loaded, name);
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  };
  try {
    // Templates see the same values as `$name$` in SQL (runs refuse a --var the sync does not declare before they start).
    const declared = resolveVariableValues(sync.from.variables, { overrides: options.vars, runId: options.run.id, now: new Date(options.run.started_at) });
    const vars = { ...options.vars, ...declared };
    const fieldRules = compileFieldRules(sync.fields);
    const opened = await openSource(loaded, name, sync, options, closers);
    // The planner's SQL path renders rows as mapping alone leaves them: rows with field rules are planned in JS.
    const source = fieldRules.empty ? opened : readThroughSource(opened);
    const mapRow = composeRowMapper(createRowMapper(sync.mapping), fieldRules);
    const key = keyColumns(sync.key).map((c) => mappedName(sync.mapping, c));
    const written = await openDestination(loaded, sync, { ...options, name, vars, key, source }, closers);
    const clearedFields = sync.on_delete === 'clear' ? await destinationFields(source, mapRow, key) : [];
    const ruled = withSyncRules(written, { fields: fieldRules, onDelete: sync.on_delete, clearedFields });
    // Outside the rules: the write-back sees the plan's operations (a mirror removal is a delete, whatever on_delete sends).
    const writeBack = sync.write_back ? withWriteBack(ruled, await writeBackOptions(loaded, name, sync, { source, key, runId: options.run.id })) : null;
    if (writeBack) closers.push(() => writeBack.close());
    const destination = writeBack?.destination ?? ruled;
    const writeBackFailure = () => writeBack?.failure() ?? null;
    const recordBaseline: WriteBack['recordBaseline'] = async (results, lookup) => writeBack?.recordBaseline(results, lookup);
    return { sync, source, destination, key, mapRow, fieldRules, vars, writeBackFailure, recordBaseline, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/**
 * What the write-back of a sync reads: its table's connection, and the key as the sync names it, typed as the source
 * describes it. Described here, before the read, as a table destination's columns are: a source describes itself
 * by reading (an HTTP stream's first page), which must not happen in the middle of its read.
 */
async function writeBackOptions(loaded: LoadedProject, name: string, sync: Sync, at: { source: Source; key: string[]; runId: string }): Promise<WriteBackOptions> {
  const target = sync.write_back!;
  const names = keyColumns(sync.key);
  const columns = await at.source.describe();
  const types = names.map((n) => columns.find((c) => c.name === n)?.type ?? 'string');
  return {
    sync: name,
    target,
    connection: loaded.project.connections[target.connection]!,
    key: names,
    keyInRow: at.key,
    keyTypes: types,
    runId: at.runId,
    projectDir: loaded.dir,
    redactor: loaded.redactor,
  };
}

function composeRowMapper(mapRow: (row: Row) => Row, rules: FieldRules): (row: Row) => Row {
  return rules.empty ? mapRow : (row) => rules.apply(mapRow(row));
}

/** The source without its capability to be planned inside the DuckDB workspace (see Source.planInWorkspace). */
function readThroughSource(source: Source): Source {
  const commit = (source as { commit?: () => Promise<void> }).commit;
  return {
    describe: () => source.describe(),
    read: (options) => source.read(options),
    get complete() {
      return source.complete;
    },
    // An HTTP stream keeps its incremental cursor once the run has delivered what it read.
    ...(commit ? { commit: () => commit.call(source) } : {}),
  };
}

/**
 * The fields of the sync's rows but the key, as the source describes its columns and mapRow (mapping and `value`
 * rules) turns them into destination fields: what `on_delete: clear` sets to null. The ledger keeps fingerprints, not
 * the fields a record was sent with, so the sync's current fields stand in.
 */
async function destinationFields(source: Source, mapRow: (row: Row) => Row, key: string[]): Promise<string[]> {
  const sample: Row = {};
  for (const c of await source.describe()) sample[c.name] = '';
  return Object.keys(mapRow(sample)).filter((f) => !key.includes(f));
}

async function openSource(
  loaded: LoadedProject,
  name: string,
  sync: Sync,
  options: { store: StateStore; run: RunInfo; vars?: Record<string, string>; full?: boolean },
  closers: (() => Promise<void>)[],
): Promise<Source> {
  const connection = loaded.project.connections[sync.from.connection]!;
  if (connection.type === 'http') {
    const { openHttpStreamSource } = await import('../sources/http-stream-source.js');
    const stream = await openHttpStreamSource({
      loaded,
      connectionName: sync.from.connection,
      stream: sync.from.stream!,
      store: options.store,
      scope: `sync:${name}`,
      run: options.run,
      vars: options.vars ?? {},
      full: options.full,
      fullRefresh: sync.full_refresh,
      // full_refresh is read in the sync's zone, as its schedule is.
      ...(sync.timezone ? { timezone: sync.timezone } : {}),
    });
    closers.push(() => stream.close());
    return stream;
  }
  const { openSqlDatabase } = await import('../databases/open-sql-database.js');
  const sql = resolveSqlVariables(await readSyncQuery(loaded, name), sync.from.variables, {
    overrides: options.vars,
    runId: options.run.id,
    now: new Date(options.run.started_at),
    engine: connection.type,
  });
  const db = await openSqlDatabase(connection, { projectDir: loaded.dir, redactor: loaded.redactor });
  closers.push(() => db.close());
  return withSyncSqlErrors(db.query(sql), name, sync.from);
}

async function openDestination(
  loaded: LoadedProject,
  sync: Sync,
  options: { store: StateStore; run: RunInfo; name: string; vars: Record<string, string>; key: string[]; source: Source; debug?: boolean },
  closers: (() => Promise<void>)[],
): Promise<Destination> {
  const connection = loaded.project.connections[sync.to.connection]!;
  if (connection.type === 'http') {
    const [{ openHttpConnection }, { createHttpDestination }] = await Promise.all([
      import('../connectors/open-http-connection.js'),
      import('../destinations/http-destination.js'),
    ]);
    const connector = loaded.connectors[sync.to.connection]!;
    const spec = connector.spec;
    const endpoints = syncEndpoints(sync, spec.endpoints);
    const http = await openHttpConnection({
      name: sync.to.connection,
      connection,
      spec,
      store: options.store,
      redactor: loaded.redactor,
      vars: options.vars,
      run: options.run,
      networkPolicy: loaded.networkPolicy,
      quotas: loaded.requestQuotas,
      placeTemplates: syncTemplatePlacer(connector, { sync: options.name, endpoints: Object.values(endpoints).filter((e) => e !== undefined) }),
    });
    closers.push(() => http.close());
    const debug = options.debug
      ? await (await import('./debug-recorder.js')).openDebugRecorder({ store: options.store, sync: options.name, runId: options.run.id, retentionDays: sync.debug.retention_days, connection: http })
      : null;
    const destination = createHttpDestination({ connection: http, endpoints, onExchange: debug?.capture });
    closers.push(() => destination.close());
    // Closed first: the run's last exchanges are kept before its end is recorded.
    if (debug) closers.push(() => debug.close());
    return destination;
  }
  const { openTableDestination } = await import('../destinations/open-table-destination.js');
  const columns: Column[] = (await options.source.describe()).map((c) => ({ ...c, name: mappedName(sync.mapping, c.name) }));
  // A `value` rule sets a column of its own when the source has none by that name.
  for (const [field, rule] of Object.entries(sync.fields ?? {})) {
    if (rule.value === undefined) continue;
    const column = { name: field, type: constantType(rule.value), nativeType: '' };
    const at = columns.findIndex((c) => c.name === field);
    if (at < 0) columns.push(column);
    else columns[at] = column;
  }
  const destination = await openTableDestination({
    connection,
    table: sync.to.table!,
    key: options.key,
    columns,
    projectDir: loaded.dir,
    redactor: loaded.redactor,
  });
  closers.push(() => destination.close());
  return destination;
}

function constantType(value: string | number | boolean | null): ColumnType {
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return 'string';
}

type EndpointNames = { create?: string; update?: string; upsert?: string; delete?: string; lookup?: string };

/**
 * The endpoint to use per operation: the sync's `endpoints`, or its one `endpoint` under that endpoint's operation.
 * A lookup runs only when the sync names it or the connector marks one `default: true` (upsert and mirror): a lookup
 * reads columns of its own (an issue key, an email), which a sync that never asked for it need not have.
 */
export function syncEndpoints(sync: Sync, endpoints: Record<string, { operation: string; default?: boolean }>): EndpointNames {
  const names: EndpointNames = { ...(sync.to.endpoints ?? {}) };
  if (sync.to.endpoint) {
    const op = endpoints[sync.to.endpoint]?.operation as keyof EndpointNames | undefined;
    if (op) names[op] = sync.to.endpoint;
  }
  if (!names.lookup && (sync.mode === 'upsert' || sync.mode === 'mirror')) {
    const marked = Object.entries(endpoints).find(([, e]) => e.operation === 'lookup' && e.default === true);
    if (marked) names.lookup = marked[0];
  }
  return names;
}
