import type { z } from 'zod';
import { didYouMean } from './closest-match.js';
import type { ConfigIssue } from './config-error.js';
import type { KeyPath, YamlFile } from './load-yaml.js';

type Issue = z.core.$ZodIssue;

/** The parts of a zod schema's definition this walker reads (zod 4 keeps them on `_zod.def`). */
interface SchemaDef {
  type: string;
  shape?: Record<string, z.core.$ZodType>;
  valueType?: z.core.$ZodType;
  element?: z.core.$ZodType;
  innerType?: z.core.$ZodType;
  in?: z.core.$ZodType;
  options?: z.core.$ZodType[];
  discriminator?: string;
  values?: unknown[];
  getter?: () => z.core.$ZodType;
}

const defOf = (schema: z.core.$ZodType): SchemaDef => schema._zod.def as unknown as SchemaDef;

/** Validates `data` (from `yaml`) against a schema; on failure, every zod issue worded plainly with its place. */
export function validateSchema<S extends z.ZodType>(
  schema: S,
  yaml: YamlFile,
  data: unknown = yaml.data,
): { value?: z.infer<S>; issues: ConfigIssue[] } {
  const result = schema.safeParse(data);
  if (result.success) return { value: result.data, issues: [] };
  const flat = result.error.issues.flatMap((issue) => flatten(issue, [], schema, data));
  // A refinement over an object with a misspelt key ("give exactly one of ...") only repeats the typo.
  const unknownKeyAt = new Set(flat.filter((f) => f.issue.code === 'unrecognized_keys').map((f) => key(f.path)));
  const kept = flat.filter((f) => !(f.issue.code === 'custom' && unknownKeyAt.has(key(f.path))));
  const issues = kept.flatMap((f) => word(f, yaml, data));
  const seen = new Set<string>();
  return {
    issues: issues.filter((i) => {
      const k = `${i.line}:${i.column}:${i.path}:${i.message}`;
      return seen.has(k) ? false : (seen.add(k), true);
    }),
  };
}

/** An issue with its absolute path and the schema found at that path (for the valid keys of an object). */
interface FlatIssue {
  issue: Issue;
  path: KeyPath;
  schema: z.core.$ZodType | undefined;
}

const key = (path: KeyPath) => path.map(String).join('\u0000');

/** Unfolds union issues into the branch the user most likely meant. */
function flatten(issue: Issue, base: KeyPath, baseSchema: z.core.$ZodType | undefined, data: unknown): FlatIssue[] {
  const path = [...base, ...(issue.path as (string | number)[])];
  // For a union issue, the union itself (its options); otherwise the branch the value selects.
  const pickLast = issue.code !== 'invalid_union';
  const schema = baseSchema && schemaAt(baseSchema, issue.path as (string | number)[], valueAt(data, base), pickLast);
  if (issue.code !== 'invalid_union' || issue.discriminator !== undefined || issue.errors.length === 0) {
    return [{ issue, path, schema }];
  }
  const union = schema && unwrap(schema);
  const options = union && defOf(union).type === 'union' ? defOf(union).options : undefined;
  // A branch whose very type differs from the value is not the one meant.
  const candidates = issue.errors
    .map((errors, index) => ({ errors, index }))
    .filter(({ errors }) => !errors.some((e) => (e.code === 'invalid_type' || e.code === 'invalid_value') && e.path.length === 0));
  if (candidates.length === 0) return [{ issue, path, schema }];
  const best = candidates.reduce((a, b) => (b.errors.length < a.errors.length ? b : a));
  return best.errors.flatMap((e) => flatten(e, path, options?.[best.index], data));
}

/** The schema at `path` below `schema`, following the value for discriminated unions. */
function schemaAt(
  schema: z.core.$ZodType,
  path: readonly (string | number)[],
  value: unknown,
  pickLast = true,
): z.core.$ZodType | undefined {
  let current: z.core.$ZodType | undefined = schema;
  let v = value;
  for (const segment of path) {
    current = current && pickBranch(unwrap(current), v);
    if (!current) return undefined;
    const def = defOf(current);
    if (def.type === 'object') current = def.shape?.[String(segment)];
    else if (def.type === 'record') current = def.valueType;
    else if (def.type === 'array') current = def.element;
    else return undefined;
    v = v && typeof v === 'object' ? (v as Record<string, unknown>)[String(segment)] : undefined;
  }
  if (!current) return undefined;
  return pickLast ? pickBranch(unwrap(current), v) : unwrap(current);
}

/** Strips optional/default/nullable/pipe wrappers. */
function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  let s = schema;
  for (let i = 0; i < 20; i++) {
    const def = defOf(s);
    if (def.innerType) s = def.innerType;
    else if (def.type === 'pipe' && def.in) s = def.in;
    else if (def.type === 'lazy' && def.getter) s = def.getter();
    else break;
  }
  return s;
}

/** For a union: the option the value selects (by discriminator, else by shape); other schemas pass through. */
function pickBranch(schema: z.core.$ZodType, value: unknown): z.core.$ZodType | undefined {
  const def = defOf(schema);
  if (def.type !== 'union' || !def.options) return schema;
  const options = def.options.map(unwrap);
  if (def.discriminator && value && typeof value === 'object') {
    const wanted = (value as Record<string, unknown>)[def.discriminator];
    const hit = options.find((o) => {
      const d = defOf(o).shape?.[def.discriminator!];
      return d !== undefined && (defOf(unwrap(d)).values ?? []).includes(wanted);
    });
    if (hit) return hit;
  }
  const kind = Array.isArray(value) ? 'array' : value && typeof value === 'object' ? 'object' : undefined;
  const sameKind = options.filter((o) => defOf(o).type === kind || (kind === 'object' && defOf(o).type === 'record'));
  if (sameKind.length === 1) return pickBranch(sameKind[0]!, value);
  // Among several object shapes, the one sharing the most keys with the value.
  if (kind === 'object' && sameKind.length > 1) {
    const keys = Object.keys(value as object);
    const score = (o: z.core.$ZodType) => keys.filter((k) => k in (defOf(o).shape ?? {})).length;
    return sameKind.reduce((a, b) => (score(b) > score(a) ? b : a));
  }
  return undefined;
}

function valueAt(data: unknown, path: KeyPath): unknown {
  let v = data;
  for (const segment of path) {
    if (!v || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[String(segment)];
  }
  return v;
}

/** The plain-language issue(s) for one zod issue. */
function word(flat: FlatIssue, yaml: YamlFile, data: unknown): ConfigIssue[] {
  const { issue, path, schema } = flat;
  const value = valueAt(data, path);
  const noun = nounOf(path);
  const parentPath = path.slice(0, -1);
  const parent = valueAt(data, parentPath);
  const missing = value === undefined && path.length > 0 && !!parent && typeof parent === 'object' && !Array.isArray(parent);
  if (missing && (issue.code === 'invalid_type' || issue.code === 'invalid_value' || (issue.code === 'invalid_union' && issue.discriminator === undefined))) {
    // A required key that is absent: point at the mapping that should hold it.
    const atParent = yaml.issue(parentPath, '', 'key');
    const name = String(path.at(-1));
    return [{ ...atParent, path: atParent.path ? `${atParent.path}.${name}` : name, message: `missing required key "${name}"` }];
  }
  switch (issue.code) {
    case 'unrecognized_keys': {
      const shape = schema ? defOf(unwrap(schema)).shape : undefined;
      const valid = shape ? Object.keys(shape) : [];
      return issue.keys.map((k) => {
        const hint = didYouMean(k, valid) || (valid.length ? ` (valid keys: ${valid.join(', ')})` : '');
        return yaml.issue([...path, k], `unknown key "${k}"${hint}`, 'key');
      });
    }
    case 'invalid_type':
      return [yaml.issue(path, `expected ${expectedName(issue.expected)}, got ${describe(value)}`)];
    case 'invalid_union': {
      if (issue.discriminator !== undefined) {
        const options = ('options' in issue ? (issue.options ?? []) : []).map(String);
        if (value === undefined) {
          return [{ ...yaml.issue(parentPath, '', 'key'), path: path.join('.'), message: `missing required key "${issue.discriminator}" (one of ${options.join(', ')})` }];
        }
        const owner = nounOf(path.slice(0, -1));
        return [yaml.issue(path, `unknown ${owner ? `${owner} ` : ''}${issue.discriminator} ${quote(value)} (expected one of ${options.join(', ')})`)];
      }
      const expected = [...new Set(issue.errors.flatMap((errs) => errs.filter((e) => e.path.length === 0 && e.code === 'invalid_type').map((e) => expectedName((e as z.core.$ZodIssueInvalidType).expected))))];
      return [yaml.issue(path, expected.length ? `expected ${orList(expected)}, got ${describe(value)}` : `invalid value ${quote(value)}`)];
    }
    case 'invalid_value': {
      const values = issue.values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
      if (values.length === 1) return [yaml.issue(path, `expected ${quote(issue.values[0])}, got ${quote(value)}`)];
      const hint = typeof value === 'string' ? didYouMean(value, values) : '';
      return [yaml.issue(path, `unknown ${noun || 'value'} ${quote(value)}${hint || ` (expected one of ${values.join(', ')})`}`)];
    }
    case 'invalid_format': {
      const custom = !/^invalid/i.test(issue.message);
      return [yaml.issue(path, `invalid ${noun || 'value'} ${quote(value)}${custom ? `: ${issue.message}` : ` (expected ${issue.format})`}`)];
    }
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      const inclusive = issue.inclusive !== false;
      if (issue.origin === 'array') {
        return [yaml.issue(path, `expected ${issue.code === 'too_small' ? 'at least' : 'at most'} ${String(bound)} item${Number(bound) === 1 ? '' : 's'}`)];
      }
      if (issue.origin === 'string') {
        return [yaml.issue(path, issue.code === 'too_small' && Number(bound) === 1 ? 'must not be empty' : `expected ${issue.code === 'too_small' ? 'at least' : 'at most'} ${String(bound)} characters`)];
      }
      const op = issue.code === 'too_small' ? (inclusive ? '>=' : '>') : inclusive ? '<=' : '<';
      return [yaml.issue(path, `expected a number ${op} ${String(bound)}, got ${quote(value)}`)];
    }
    case 'not_multiple_of':
      return [yaml.issue(path, `expected a multiple of ${issue.divisor}, got ${quote(value)}`)];
    case 'invalid_key':
      return [yaml.issue(path, `invalid key: ${issue.issues.map((i) => lowerFirst(i.message)).join('; ')}`, 'key')];
    case 'custom':
      return [yaml.issue(path, issue.message, 'key')];
    default:
      return [yaml.issue(path, lowerFirst(issue.message))];
  }
}

/** What a key path names, for messages: `connections.crm.type` -> "connection", `mode` -> "mode". */
function nounOf(path: KeyPath): string {
  for (let i = path.length - 1; i >= 0; i--) {
    const segment = path[i];
    if (typeof segment === 'number' || /^\d+$/.test(String(segment))) continue;
    // A name under a collection (connections.crm) speaks for the collection.
    const parent = path[i - 1];
    if (typeof parent === 'string' && COLLECTIONS[parent]) return COLLECTIONS[parent];
    return NOUNS[String(segment)] ?? String(segment);
  }
  return '';
}

const COLLECTIONS: Record<string, string> = {
  connections: 'connection',
  syncs: 'sync',
  pipelines: 'pipeline',
  endpoints: 'endpoint',
  streams: 'stream',
  variables: 'variable',
};

const NOUNS: Record<string, string> = { paginate: 'pagination' };

function expectedName(expected: string): string {
  const names: Record<string, string> = {
    string: 'a string',
    number: 'a number',
    int: 'a whole number',
    boolean: 'true or false',
    array: 'a list',
    tuple: 'a list',
    object: 'a mapping',
    record: 'a mapping',
    null: 'an empty value',
  };
  return names[expected] ?? expected;
}

function describe(value: unknown): string {
  if (value === null) return 'an empty value';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'boolean') return `${value}`;
  if (typeof value === 'number') return 'a number';
  return `a ${typeof value}`;
}

function quote(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : value === undefined ? 'nothing' : JSON.stringify(value);
}

function orList(names: string[]): string {
  // "true or false" reads well alone, not inside a list of alternatives.
  const items = names.length > 1 ? names.map((n) => (n === 'true or false' ? 'a boolean' : n)) : names;
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}
