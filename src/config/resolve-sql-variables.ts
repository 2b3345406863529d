import { ConfigError, type ConfigIssue } from './config-error.js';
import { findSqlVariables, replaceSqlVariables } from './find-sql-variables.js';
import { formatStrftime } from './format-strftime.js';
import type { Variable } from './project-schema.js';
import { quoteIdentifier, type SqlEngine } from './quote-identifier.js';
import { shiftedWallClock, toWallClock, type WallClock } from './wall-clock.js';

/** Options of one resolution. */
export interface ResolveSqlOptions {
  /** Values given at run time (`--var name=value`), checked against each variable's type. */
  overrides?: Record<string, string>;
  runId: string;
  /** The run's clock (default: now). */
  now?: Date;
  /** Where the SQL comes from, for messages (default: `sql`). */
  where?: { file: string; path: string };
  /** The database the SQL runs on: identifiers are quoted for it (default: "double quotes"). */
  engine?: SqlEngine;
}

/** The built-in variables, always known unless a declared variable of the same name replaces them. */
export const BUILTIN_SQL_VARIABLES = ['today', 'yesterday', 'now', 'run_id'] as const;

type Declared = Exclude<Variable, string | number | boolean>;
type VariableType = NonNullable<Declared['type']>;

/** A variable's value and the type that decides how it goes into SQL. */
interface TypedValue {
  type: VariableType;
  text: string;
}

/**
 * Replaces TROCCO-style `$name$` variables in SQL text. Built-ins: `$today$` and `$yesterday$` (YYYY-MM-DD, UTC),
 * `$now$` (ISO-8601), `$run_id$`; declared variables are typed (`date`, `string`, `number`, `identifier`) or plain
 * values (a string default). No value can change the SQL around it: an identifier is `name` or `schema.name` and
 * goes in quoted for the engine; a negative number goes in parentheses (`-$n$` stays minus minus n, never `--`); a
 * string or a formatted date goes in as it is (the author writes `'$name$'`), and is refused when it holds a quote
 * character, a backslash, `--`, `/*` or a line break. An unknown `$x$` is a ConfigError. Overrides of names this
 * SQL does not declare are ignored here (checkRunVariables refuses them before a run starts).
 */
export function resolveSqlVariables(sql: string, declared: Record<string, Variable>, options: ResolveSqlOptions): string {
  const { values, failed, issues, known } = computeValues(declared, options, true);
  const unknown = [...new Set(findSqlVariables(sql))].filter((n) => !known.includes(n));
  for (const name of unknown) {
    issues.push({
      file: options.where?.file ?? 'sql',
      path: options.where?.path ?? '',
      message: `unknown variable $${name}$ (known: ${known.join(', ')}; declare it under from.variables)`,
    });
  }
  for (const name of new Set(findSqlVariables(sql))) {
    if (known.includes(name) && !values.has(name) && !failed.has(name)) {
      issues.push({
        file: options.where?.file ?? 'sql',
        path: options.where?.path ? `${options.where.path}.variables.${name}` : name,
        message: `variable $${name}$ has no value (give it a default, or --var ${name}=...)`,
      });
    }
  }
  if (issues.length) throw new ConfigError(issues);
  return replaceSqlVariables(sql, (name) => values.get(name)!);
}

/**
 * Why the variables' values (run-time overrides, defaults, built-ins) are refused, without running anything: as SQL
 * for `engine` when the sync reads with SQL, else as template values only. Empty when every value is fine.
 */
export function variableValueIssues(declared: Record<string, Variable>, options: ResolveSqlOptions & { sql: boolean }): ConfigIssue[] {
  return computeValues(declared, options, options.sql).issues;
}

/** Every known variable's value (built-ins and declared; as SQL text when `asSql`), the names refused, and why. */
function computeValues(declared: Record<string, Variable>, options: ResolveSqlOptions, asSql: boolean) {
  const now = options.now ?? new Date();
  const overrides = options.overrides ?? {};
  const issues: ConfigIssue[] = [];
  const values = new Map<string, string>();
  const failed = new Set<string>();
  const known = [...new Set([...BUILTIN_SQL_VARIABLES, ...Object.keys(declared)])];
  for (const name of known) {
    try {
      const value = valueOf(name, declared[name], overrides[name], now, options.runId);
      if (value !== undefined) values.set(name, asSql ? sqlText(value, options.engine) : value.text);
    } catch (e) {
      failed.add(name);
      issues.push(valueIssue(name, declared[name] !== undefined, overrides[name], (e as Error).message, options.where));
    }
  }
  return { values, failed, issues, known };
}

/** Where a refused value is reported: the `--var` that gave it, at its declaration in the sync when known. */
function valueIssue(name: string, isDeclared: boolean, override: string | undefined, reason: string, where: ResolveSqlOptions['where']): ConfigIssue {
  if (override === undefined) {
    return { file: where?.file ?? 'sql', path: where?.path ? `${where.path}.variables.${name}` : name, message: reason };
  }
  if (!where) return { file: '--var', path: name, message: reason };
  // A built-in has no key of its own: the sync's `from` is the place.
  return { file: where.file, path: isDeclared ? `${where.path}.variables.${name}` : where.path, message: `--var ${name}: ${reason}` };
}

/**
 * The value as it goes into SQL. Identifiers are quoted part by part for the engine; a negative number is
 * parenthesized; a non-negative one stays bare, as MySQL's and BigQuery's LIMIT take no expression. Strings and
 * dates are checked, not quoted: the query author places them, usually inside '...'.
 */
function sqlText(value: TypedValue, engine: SqlEngine | undefined): string {
  switch (value.type) {
    case 'identifier':
      return value.text
        .split('.')
        .map((part) => quoteIdentifier(part, engine))
        .join('.');
    case 'number':
      return value.text.startsWith('-') ? `(${value.text})` : value.text.replace(/^\+/, '');
    default:
      return checkSqlString(value.text, value.type);
  }
}

// Quote characters of every engine (' and " end literals on MySQL and BigQuery, " and ` end quoted names), the
// backslash (an escape on MySQL and BigQuery, and in E'' strings), comment openers, and line breaks (which end a
// -- comment the value sits in). Values are refused on every engine alike, wherever the author placed them.
const UNSAFE_IN_SQL = /['"`\\]|--|\/\*|\*\/|[\r\n\0]/;

function checkSqlString(text: string, type: VariableType): string {
  const m = UNSAFE_IN_SQL.exec(text);
  if (!m) return text;
  const what = m[0] === '\n' || m[0] === '\r' ? 'a line break' : m[0] === '\0' ? 'a NUL character' : m[0];
  const subject = type === 'date' ? 'a date, as formatted,' : 'a string';
  throw new Error(`${subject} must not contain ${what} (quotes, backslashes, --, /* and line breaks could change the SQL), got ${JSON.stringify(text)}`);
}

/**
 * The values templates see as `vars`: the same typed resolution as `$name$` in SQL (dates with their offset, format
 * and time zone; run-time overrides checked), built-ins included. A refused value is a ConfigError.
 */
export function resolveVariableValues(declared: Record<string, Variable>, options: ResolveSqlOptions): Record<string, string> {
  const { values, issues } = computeValues(declared, options, false);
  if (issues.length) throw new ConfigError(issues);
  return Object.fromEntries(values);
}

/** The value of one variable, or undefined when it has none; throws with the reason a value is refused. */
function valueOf(name: string, variable: Variable | undefined, override: string | undefined, now: Date, runId: string): TypedValue | undefined {
  if (variable === undefined) {
    switch (name) {
      case 'today':
      case 'yesterday':
        return { type: 'date', text: dateValue({ type: 'date', offset: name === 'yesterday' ? '-1d' : undefined }, override, now) };
      case 'now':
        return { type: 'date', text: override !== undefined ? instantOf(override, 'now').toISOString() : now.toISOString() };
      case 'run_id':
        if (override !== undefined) throw new Error('run_id is set by sluice and cannot be given with --var');
        return { type: 'string', text: runId };
      default:
        return undefined;
    }
  }
  const v: Declared = typeof variable === 'object' ? variable : { type: 'string', default: String(variable) };
  const type = v.type ?? 'string';
  if (type === 'date') return { type, text: dateValue(v, override, now) };
  const given = override ?? (v.default === undefined ? undefined : String(v.default));
  if (given === undefined) return undefined;
  if (type === 'number') return { type, text: checkNumber(given) };
  if (type === 'identifier') return { type, text: checkIdentifier(given) };
  return { type, text: given };
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
// One name or schema.name; each part is quoted for the engine, so its case is kept as given.
const IDENTIFIER = /^[A-Za-z_]\w*(\.[A-Za-z_]\w*)?$/;

function checkNumber(value: string): string {
  const text = value.trim();
  if (!NUMBER.test(text) || !Number.isFinite(Number(text))) throw new Error(`expected a number, got ${JSON.stringify(value)}`);
  return text;
}

function checkIdentifier(value: string): string {
  if (!IDENTIFIER.test(value)) {
    throw new Error(`expected an identifier (name or schema.name: letters, digits and _, not starting with a digit), got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * A date variable: now shifted by `offset`, on the clock of `timezone` (default UTC), formatted by `format`
 * (default %Y-%m-%d). A `default` or a run-time value (YYYY-MM-DD or ISO-8601) replaces "now + offset" as given.
 */
function dateValue(v: Declared, override: string | undefined, now: Date): string {
  const timeZone = v.timezone ?? 'UTC';
  const format = v.format ?? '%Y-%m-%d';
  const fixed = override ?? (v.default === undefined ? undefined : String(v.default));
  let wall: WallClock;
  try {
    wall = fixed !== undefined ? dateOf(fixed, timeZone) : shiftedWallClock(now, v.offset, timeZone);
  } catch (e) {
    if (e instanceof RangeError) throw new Error(`unknown time zone "${timeZone}" (an IANA name such as Asia/Tokyo or UTC)`);
    throw e;
  }
  return formatStrftime(wall, format);
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** A date or date-time text as a wall clock of `timeZone`: with a zone it is an instant, without one a wall time. */
function dateOf(text: string, timeZone: string): WallClock {
  const m = DATE_TIME.exec(text.trim());
  if (!m) throw new Error(`expected a date as YYYY-MM-DD or ISO-8601, got ${JSON.stringify(text)}`);
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [number, number, number, number, number, number];
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
    throw new Error(`expected a real date as YYYY-MM-DD or ISO-8601, got ${JSON.stringify(text)}`);
  }
  if (m[8]) return toWallClock(instantOf(text, 'date'), timeZone);
  const millisecond = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  const asUtc = new Date(Date.UTC(year, month - 1, day, hour, minute, second, millisecond));
  // The zone's offset at about that wall time, for %z.
  const offsetMinutes = toWallClock(asUtc, timeZone).offsetMinutes;
  return { year, month, day, hour, minute, second, millisecond, offsetMinutes, timeZone };
}

function instantOf(text: string, what: string): Date {
  const t = Date.parse(text.trim());
  if (!DATE_TIME.test(text.trim()) || Number.isNaN(t)) throw new Error(`expected ${what} as ISO-8601 (2024-05-01T09:00:00Z), got ${JSON.stringify(text)}`);
  return new Date(t);
}
