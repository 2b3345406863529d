import { MAX_FIELD_NAME_CHARS, type FieldRule } from '../config/project-schema.js';
import type { DeliveryItem } from './delivery-item.js';
import type { Row } from './row.js';

/** A sync's field rules, compiled once for the run: what they do to a mapped row, and to a row sent as an update. */
export interface FieldRules {
  /** No rule at all: rows pass through untouched. */
  readonly empty: boolean;
  /** The fields sent only when a record is created (`on: create`). */
  readonly createOnly: readonly string[];
  /** Sets the `value` fields and leaves out the `skip_null` fields whose value is null or missing; returns a new row. */
  apply(row: Row): Row;
  /** The row without its create-only fields: what an update sends, and what the fingerprint is taken of. */
  withoutCreateOnly(row: Row): Row;
  /**
   * Whether this delivery sends the create-only fields: a create does; an update never; a native upsert (which cannot
   * tell them apart) only for a key the ledger has no delivery of (planned change `added`).
   */
  sendsCreateOnly(item: DeliveryItem & { change?: string }): boolean;
}

/** Field names a row cannot hold as its own data: assigning `__proto__` to an object replaces its prototype. */
const FORBIDDEN_NAMES = new Set(['__proto__']);

/**
 * Compiles a sync's `fields:` rules. The schema refuses bad rules with their place in sluice.yaml; this checks again,
 * because a row object is built from these names: a name that is not a plain field, or a constant that is not a
 * scalar, is refused here too.
 */
export function compileFieldRules(rules: Record<string, FieldRule> | undefined): FieldRules {
  const constants = new Map<string, FieldRule['value']>();
  const skipNull = new Set<string>();
  const createOnly: string[] = [];
  for (const [name, rule] of Object.entries(rules ?? {})) {
    if (FORBIDDEN_NAMES.has(name)) throw new Error(`fields: "${name}" cannot be a field name`);
    if (name.length === 0 || name.length > MAX_FIELD_NAME_CHARS) throw new Error(`fields: a field name has 1 to ${MAX_FIELD_NAME_CHARS} characters`);
    if (rule.value !== undefined) {
      const v = rule.value;
      if (v !== null && typeof v !== 'string' && typeof v !== 'boolean' && !(typeof v === 'number' && Number.isFinite(v))) {
        throw new Error(`fields.${name}.value: a constant is a string, a finite number, a boolean or null`);
      }
      if (rule.skip_null !== undefined) throw new Error(`fields.${name}: give value or skip_null, not both`);
      constants.set(name, v);
    }
    if (rule.skip_null === true) skipNull.add(name);
    if (rule.on === 'create') createOnly.push(name);
  }
  const empty = constants.size === 0 && skipNull.size === 0 && createOnly.length === 0;
  const createOnlySet = new Set(createOnly);

  return {
    empty,
    createOnly,
    apply(row) {
      if (empty) return row;
      const out: Row = {};
      for (const k of Object.keys(row)) {
        if (constants.has(k)) setField(out, k, constants.get(k));
        else if (!(skipNull.has(k) && (row[k] === null || row[k] === undefined))) setField(out, k, row[k]);
      }
      // A constant for a column the source lacks is added after the source's columns.
      for (const [k, v] of constants) if (!Object.hasOwn(out, k)) setField(out, k, v);
      return out;
    },
    withoutCreateOnly(row) {
      if (createOnly.length === 0 || !createOnly.some((k) => Object.hasOwn(row, k))) return row;
      const out: Row = {};
      for (const k of Object.keys(row)) if (!createOnlySet.has(k)) setField(out, k, row[k]);
      return out;
    },
    sendsCreateOnly(item) {
      if (item.operation === 'create') return true;
      if (item.operation === 'upsert') return item.change === 'added';
      return false;
    },
  };
}

/** Sets a field as the row's own data, even one named like an Object.prototype member. */
function setField(row: Row, name: string, value: unknown): void {
  if (name === '__proto__') Object.defineProperty(row, name, { value, enumerable: true, writable: true, configurable: true });
  else row[name] = value;
}
