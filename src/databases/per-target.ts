import type { TableTarget } from './table-engine.js';

/**
 * What an engine compiles once per target and reuses for every batch (value writers, COPY line builders, statement
 * names): `compile` runs at the first call for a target, and its result lives as long as the target.
 */
export function perTarget<T>(compile: (target: TableTarget) => T): (target: TableTarget) => T {
  const compiled = new WeakMap<TableTarget, T>();
  return (target) => {
    let value = compiled.get(target);
    if (value === undefined) compiled.set(target, (value = compile(target)));
    return value;
  };
}
