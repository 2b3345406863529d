import type { BatchWrite, TableTarget } from './table-engine.js';
import type { TargetColumns } from './target-columns.js';

/** Where an engine's staged rows are read from, as it spells it. */
export interface StagedRows {
  /** The staged rows as a relation, aliased `s` where joined with the table `t`. */
  relation: string;
  /** What INSERT ... SELECT reads from (the relation, aliased when the engine needs it). */
  selectFrom: string;
  /** How the engine spells the row an upsert proposes (`EXCLUDED`). */
  excluded: string;
}

/** The row-number column of a staging table: which row of the batch a staged row is (updates report missing ones). */
export const STAGED_ROW = '_sluice_row_';

/**
 * The statements that move a batch's staged rows into the table, for the engines that stage rows first and then run
 * one statement (PostgreSQL, DuckDB): `missing` lists the staged rows an update finds no row for, `apply` writes.
 */
export function stagedStatements(
  target: TableTarget,
  columns: TargetColumns,
  batch: Omit<BatchWrite, 'rows'>,
  staged: StagedRows,
): { missing: string | null; apply: string | null } {
  const q = target.qualified;
  const { all: cols, keys, rest, on } = columns;
  const { relation, selectFrom } = staged;
  const set = (prefix: string) => rest.map((c) => `${c} = ${prefix}.${c}`).join(', ');
  const insert = `INSERT INTO ${q} (${cols.join(', ')}) SELECT ${cols.join(', ')} FROM ${selectFrom}`;
  switch (batch.kind) {
    case 'insert':
      return { missing: null, apply: insert };
    case 'upsert':
      return {
        missing: null,
        apply: batch.merge
          ? `MERGE INTO ${q} AS t USING ${relation} AS s ON ${on}` +
            (rest.length ? ` WHEN MATCHED THEN UPDATE SET ${set('s')}` : '') +
            ` WHEN NOT MATCHED THEN INSERT (${cols.join(', ')}) VALUES (${cols.map((c) => `s.${c}`).join(', ')})`
          : `${insert} ON CONFLICT (${keys.join(', ')}) ` + (rest.length ? `DO UPDATE SET ${set(staged.excluded)}` : 'DO NOTHING'),
      };
    case 'update':
      return {
        missing: `SELECT s.${STAGED_ROW} AS n FROM ${relation} AS s WHERE NOT EXISTS (SELECT 1 FROM ${q} AS t WHERE ${on})`,
        apply: !rest.length
          ? null
          : batch.merge
            ? `MERGE INTO ${q} AS t USING ${relation} AS s ON ${on} WHEN MATCHED THEN UPDATE SET ${set('s')}`
            : `UPDATE ${q} AS t SET ${set('s')} FROM ${relation} AS s WHERE ${on}`,
      };
    case 'delete':
      return { missing: null, apply: `DELETE FROM ${q} AS t USING ${relation} AS s WHERE ${on}` };
  }
}
