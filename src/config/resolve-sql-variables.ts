import { ConfigError, type ConfigIssue } from './config-error.js';
import { findSqlVariables, replaceSqlVariables } from './find-sql-variables.js';
import { formatStrftime } from './format-strftime.js';
import type { Variable } from './project-schema.js';
import { shiftedWallClock, toWallClock, type WallClock } from './wall-clock.js';

// Callers read a sync's SQL and resolve its variables together.
export { readSyncQuery } from './read-sync-query.js';

/** Options of one resolution. */
export interface ResolveSqlOptions {
  /** Values given at run time (`--var name=value`), checked against each variable's type. */
  overrides?: Record<string, string>;
  runId: string;
  /** The run's clock (default: now). */
  now?: Date;
  /** Where the SQL comes from, for messages (default: `sql`). */
  where?: { file: string; path: string };
}

/** The built-in variables, always known unless a declared variable of the same name replaces them. */
export const BUILTIN_SQL_VARIABLES = ['today', 'yesterday', 'now', 'run_id'] as const;

type Declared = Exclude<Variable, string | number | boolean>;

/**
 * Replaces TROCCO-style `$name$` variables in SQL text. Built-ins: `$today$` and `$yesterday$` (YYYY-MM-DD, UTC),
 * `$now$` (ISO-8601), `$run_id$`; declared variables are typed (`date`, `string`, `number`, `identifier`) or plain
 * values (a string default). Values are inserted as they are, without quotes: the query author writes
 * `'$name$'` for a string. A run-time string containing `'` or `\` is refused, so it cannot end the quoted literal
 * and inject SQL; numbers, identifiers and dates are checked against their form. An unknown `$x$` is a ConfigError.
 * Overrides of names this SQL does not declare are ignored (a pipeline passes the same `--var`s to every step).
 */
export function resolveSqlVariables(sql: string, declared: Record<string, Variable>, options: ResolveSqlOptions): string {
  const { values, failed, issues, known } = computeValues(declared, options);
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

/** Every known variable's value (built-ins and declared), the names whose value was refused, and why. */
function computeValues(declared: Record<string, Variable>, options: ResolveSqlOptions) {
  const now = options.now ?? new Date();
  const overrides = options.overrides ?? {};
  const issues: ConfigIssue[] = [];
  const values = new Map<string, string>();
  const failed = new Set<string>();
  const known = [...new Set([...BUILTIN_SQL_VARIABLES, ...Object.keys(declared)])];
  for (const name of known) {
    try {
      const value = valueOf(name, declared[name], overrides[name], now, options.runId);
      if (value !== undefined) values.set(name, value);
    } catch (e) {
      failed.add(name);
      const fromOverride = overrides[name] !== undefined;
      issues.push({
        file: fromOverride ? '--var' : (options.where?.file ?? 'sql'),
        path: fromOverride ? name : options.where?.path ? `${options.where.path}.variables.${name}` : name,
        message: (e as Error).message,
      });
    }
  }
  return { values, failed, issues, known };
}

/**
 * The values templates see as `vars`: the same typed resolution as `$name$` in SQL (dates with their offset, format
 * and time zone; run-time overrides checked), built-ins included. A refused value is a ConfigError.
 */
export function resolveVariableValues(declared: Record<string, Variable>, options: ResolveSqlOptions): Record<string, string> {
  const { values, issues } = computeValues(declared, options);
  if (issues.length) throw new ConfigError(issues);
  return Object.fromEntries(values);
}

/** The value of one variable, or undefined when it has none; throws with the reason a value is refused. */
function valueOf(name: string, variable: Variable | undefined, override: string | undefined, now: Date, runId: string): string | undefined {
  if (variable === undefined) {
    switch (name) {
      case 'today':
      case 'yesterday':
        return dateValue({ type: 'date', offset: name === 'yesterday' ? '-1d' : undefined }, override, now);
      case 'now':
        return override !== undefined ? instantOf(override, 'now').toISOString() : now.toISOString();
      case 'run_id':
        if (override !== undefined) throw new Error('run_id is set by sluice and cannot be given with --var');
        return runId;
      default:
        return undefined;
    }
  }
  const v: Declared = typeof variable === 'object' ? variable : { type: 'string', default: String(variable) };
  switch (v.type ?? 'string') {
    case 'date':
      return dateValue(v, override, now);
    case 'number':
      return checkNumber(override ?? (v.default === undefined ? undefined : String(v.default)), override !== undefined);
    case 'identifier':
      return checkIdentifier(override ?? (v.default === undefined ? undefined : String(v.default)), override !== undefined);
    default:
      if (override !== undefined) {
        if (/['\\]/.test(override)) {
          throw new Error(`a string given with --var must not contain ' or \\ (they could end the quoted literal in the SQL), got ${JSON.stringify(override)}`);
        }
        return override;
      }
      return v.default === undefined ? undefined : String(v.default);
  }
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

function checkNumber(value: string | undefined, given: boolean): string | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (!NUMBER.test(text) || !Number.isFinite(Number(text))) {
    throw new Error(`expected a number${given ? ' with --var' : ''}, got ${JSON.stringify(value)}`);
  }
  return text;
}

function checkIdentifier(value: string | undefined, given: boolean): string | undefined {
  if (value === undefined) return undefined;
  if (!IDENTIFIER.test(value)) {
    throw new Error(`expected an identifier${given ? ' with --var' : ''} (letters, digits, _ . -, not starting with a digit), got ${JSON.stringify(value)}`);
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
