import type { TableTarget } from './table-engine.js';
import type { TableDialect } from './table-schema.js';

/** A target's columns quoted for SQL, in the groups batch statements use. */
export interface TargetColumns {
  /** Every written column, in source order. */
  all: string[];
  /** The key's columns, in key order. */
  keys: string[];
  /** The written columns outside the key (what an update sets). */
  rest: string[];
  /** `t.k = s.k AND ...`: the table `t` joined on the key with the staged rows `s`. */
  on: string;
}

/** The quoted columns of a target, as the dialect quotes them. */
export function targetColumns(dialect: Pick<TableDialect, 'quote'>, target: TableTarget): TargetColumns {
  const keys = target.key.map((b) => dialect.quote(b.target.name));
  return {
    all: target.bindings.map((b) => dialect.quote(b.target.name)),
    keys,
    rest: target.bindings.filter((b) => !b.isKey).map((b) => dialect.quote(b.target.name)),
    on: keys.map((k) => `t.${k} = s.${k}`).join(' AND '),
  };
}
