import type { SoqlCondition, SoqlQuery, SoqlValue } from './parse-soql.js';
import type { SalesforceField, SalesforceObject } from './salesforce-objects.js';

/** A query naming a field the object does not have (Salesforce answers 400 INVALID_FIELD). */
export class SoqlFieldError extends Error {}

/** The rows a query selects, in order, with only the selected fields (canonical names, query order). */
export interface SoqlResult {
  rows: Record<string, unknown>[];
  fields: string[];
  totalSize: number;
}

function comparable(field: SalesforceField, v: unknown): string | number | boolean | null {
  if (v === null || v === undefined) return null;
  if (field.type === 'datetime') return typeof v === 'object' && v && 'datetime' in v ? (v as { datetime: number }).datetime : Date.parse(String(v));
  if (field.type === 'double') return Number(v);
  if (field.type === 'boolean') return Boolean(v);
  if (typeof v === 'object' && 'datetime' in (v as object)) return (v as { datetime: number }).datetime;
  // SOQL compares text case-insensitively; 15- and 18-character ids are the same record.
  const s = String(v).toLowerCase();
  return field.type === 'id' || field.type === 'reference' ? s.slice(0, 15) : s;
}

function likeRegex(pattern: string): RegExp {
  const body = pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.');
  return new RegExp(`^${body}$`, 'is');
}

/** Runs a parsed query over an object's records. */
export function runSoql(query: SoqlQuery, object: SalesforceObject, records: Record<string, unknown>[]): SoqlResult {
  const field = (name: string): SalesforceField => {
    const f = object.fields.find((x) => x.name.toLowerCase() === name.toLowerCase());
    if (!f) {
      throw new SoqlFieldError(
        `No such column '${name}' on entity '${object.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
      );
    }
    return f;
  };
  const selected = query.fields.map(field);
  const matches = (c: SoqlCondition, r: Record<string, unknown>): boolean => {
    switch (c.kind) {
      case 'and':
        return matches(c.left, r) && matches(c.right, r);
      case 'or':
        return matches(c.left, r) || matches(c.right, r);
      case 'not':
        return !matches(c.inner, r);
      case 'in': {
        const f = field(c.field);
        const v = comparable(f, r[f.name]);
        const found = c.values.some((x) => comparable(f, x as SoqlValue) === v);
        return c.negated ? !found : found;
      }
      case 'compare': {
        const f = field(c.field);
        const left = comparable(f, r[f.name]);
        const right = comparable(f, c.value);
        if (c.op === 'like') return left !== null && likeRegex(String(c.value)).test(String(r[f.name]));
        if (c.op === '=') return left === right;
        if (c.op === '!=') return left !== right;
        if (left === null || right === null) return false;
        if (c.op === '<') return left < right;
        if (c.op === '<=') return left <= right;
        if (c.op === '>') return left > right;
        return left >= right;
      }
    }
  };
  let rows = query.where ? records.filter((r) => matches(query.where!, r)) : records.slice();
  if (query.orderBy.length > 0) {
    const keys = query.orderBy.map((o) => ({ ...o, f: field(o.field) }));
    rows.sort((a, b) => {
      for (const k of keys) {
        const x = comparable(k.f, a[k.f.name]);
        const y = comparable(k.f, b[k.f.name]);
        if (x === y) continue;
        if (x === null) return k.nullsLast ? 1 : -1;
        if (y === null) return k.nullsLast ? -1 : 1;
        const c = x < y ? -1 : 1;
        return k.descending ? -c : c;
      }
      return 0;
    });
  }
  const totalMatching = rows.length;
  if (query.offset !== undefined) rows = rows.slice(query.offset);
  if (query.limit !== undefined) rows = rows.slice(0, query.limit);
  const names = selected.map((f) => f.name);
  return {
    rows: query.count ? [] : rows.map((r) => Object.fromEntries(names.map((n) => [n, r[n] ?? null]))),
    fields: names,
    totalSize: query.count ? Math.min(totalMatching, query.limit ?? Infinity) : rows.length,
  };
}
