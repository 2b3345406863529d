import type { RunSummary } from '../api/runs.js';
import type { LoadedProject } from '../config/load-project.js';
import type { Column, ColumnType, Row } from '../rows/row.js';

/** Characters of a run's error kept in the run log. */
export const MAX_RUN_LOG_ERROR_CHARS = 2000;

const COUNTS = ['planned', 'added', 'changed', 'removed', 'unchanged', 'delivered', 'failed'] as const;

/** The run log's columns, in table order. */
const COLUMNS: [string, ColumnType][] = [
  ['run_id', 'string'],
  ['sync', 'string'],
  ['kind', 'string'],
  ['status', 'string'],
  ['trigger', 'string'],
  ['started_at', 'timestamp'],
  ['finished_at', 'timestamp'],
  ['duration_ms', 'integer'],
  ...COUNTS.map((c): [string, ColumnType] => [c, 'integer']),
  ['error', 'string'],
];

/** What appendRunLog needs: the project (the sync's `run_log:`), the run as it ended, where a failure is reported. */
export interface AppendRunLogOptions {
  loaded: LoadedProject;
  summary: RunSummary;
  /** Where a run log that could not be written is reported, masked; default standard error. */
  log?: (line: string) => void;
}

/**
 * Appends the run's row to its sync's `run_log:` table (created when missing), keyed by run id so a run is one row
 * however often it is told. A pipeline has no run log (its syncs' runs have theirs). Never throws: the run is recorded
 * in the state store already, so a run log that cannot be written is reported and the run stays as it ended.
 * Returns whether a row was written.
 */
export async function appendRunLog(options: AppendRunLogOptions): Promise<boolean> {
  const { loaded, summary } = options;
  const { run } = summary;
  const target = run.kind === 'pipeline' ? undefined : loaded.project.syncs[run.name]?.run_log;
  if (!target) return false;
  const { redactor } = loaded;
  const connection = loaded.project.connections[target.connection];
  const log = options.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const row: Row = {
    run_id: run.id,
    sync: run.name,
    kind: run.kind,
    status: run.status,
    trigger: run.trigger,
    started_at: run.startedAt,
    finished_at: run.finishedAt,
    duration_ms: Math.round(summary.durationMs),
    ...Object.fromEntries(COUNTS.map((c) => [c, run.counts[c]])),
    error: run.error === null ? null : cut(redactor.mask(run.error), MAX_RUN_LOG_ERROR_CHARS),
  };
  try {
    if (!connection) throw new Error(`unknown connection "${target.connection}"`);
    const columns: Column[] = COLUMNS.map(([name, type]) => ({ name, type, nativeType: '' }));
    // Loaded when a run has a log to write: the database drivers stay out of the commands that need none.
    const { openTableDestination } = await import('../destinations/open-table-destination.js');
    const table = await openTableDestination({ connection, table: target.table, key: ['run_id'], columns, projectDir: loaded.dir, redactor });
    try {
      const [result] = await table.write([{ key: run.id, operation: 'upsert', row, remoteId: null }]);
      if (!result?.ok) throw new Error(result?.error ?? 'the row was refused');
    } finally {
      await table.close();
    }
    return true;
  } catch (e) {
    log(redactor.mask(`sluice: run_log of sync ${run.name} (table ${target.table}, connection ${target.connection}): run ${run.id} could not be written: ${e instanceof Error ? e.message : String(e)}`));
    return false;
  }
}

/** The text cut to at most `max` characters, an ellipsis marking the cut (a column's cap is a hard one). */
export function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
