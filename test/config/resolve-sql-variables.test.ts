import { describe, expect, it } from 'vitest';
import { ConfigError, formatConfigIssue } from '../../src/config/config-error.js';
import { findSqlVariables } from '../../src/config/find-sql-variables.js';
import { formatStrftime } from '../../src/config/format-strftime.js';
import type { Variable } from '../../src/config/project-schema.js';
import type { SqlEngine } from '../../src/config/quote-identifier.js';
import { resolveSqlVariables, resolveVariableValues } from '../../src/config/resolve-sql-variables.js';
import { toWallClock } from '../../src/config/wall-clock.js';

// Sunday 2024-03-10 15:30:45.123 UTC (Monday 00:30 in Tokyo).
const now = new Date('2024-03-10T15:30:45.123Z');
const resolve = (sql: string, declared: Record<string, Variable> = {}, overrides?: Record<string, string>, at = now) =>
  resolveSqlVariables(sql, declared, { runId: 'run-42', now: at, overrides });

/** The issues of the ConfigError `fn` throws, as users read them. */
function issuesOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e.issues.map(formatConfigIssue);
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('built-in variables', () => {
  it('replaces $today$, $yesterday$ (UTC dates), $now$ (ISO-8601) and $run_id$', () => {
    expect(resolve("SELECT '$today$', '$yesterday$', '$now$', '$run_id$'")).toBe(
      "SELECT '2024-03-10', '2024-03-09', '2024-03-10T15:30:45.123Z', 'run-42'",
    );
  });

  it('lets a declared variable replace a built-in of the same name', () => {
    const declared: Record<string, Variable> = { yesterday: { type: 'date', offset: '-1d', timezone: 'Asia/Tokyo' } };
    expect(resolve("WHERE day = '$yesterday$'", declared)).toBe("WHERE day = '2024-03-10'");
  });

  it('accepts a date for $today$ at run time and refuses one for $run_id$', () => {
    expect(resolve("'$today$'", {}, { today: '2023-12-31' })).toBe("'2023-12-31'");
    expect(issuesOf(() => resolve("'$run_id$'", {}, { run_id: 'mine' }))).toEqual([
      '--var: run_id: run_id is set by sluice and cannot be given with --var',
    ]);
  });
});

describe('date variables', () => {
  const date = (v: Omit<Exclude<Variable, string | number | boolean>, 'type'>, at = now, override?: string) =>
    resolve('$d$', { d: { ...v, type: 'date' } }, override === undefined ? undefined : { d: override }, at);

  it('reads the date on the clock of its time zone, then shifts calendar days', () => {
    expect(date({})).toBe('2024-03-10');
    expect(date({ timezone: 'Asia/Tokyo' })).toBe('2024-03-11');
    expect(date({ timezone: 'Asia/Tokyo', offset: '-1d' })).toBe('2024-03-10');
    expect(date({ timezone: 'America/Los_Angeles', offset: '+1d' })).toBe('2024-03-11');
  });

  it('shifts hours and minutes on the instant, weeks, months and years on the calendar', () => {
    const fmt = '%Y-%m-%d %H:%M';
    expect(date({ offset: '+2h', format: fmt })).toBe('2024-03-10 17:30');
    expect(date({ offset: '-30m', format: fmt })).toBe('2024-03-10 15:00');
    expect(date({ offset: '90s', format: '%T' })).toBe('15:32:15');
    expect(date({ offset: '1w' })).toBe('2024-03-17');
    expect(date({ offset: '-1M' }, new Date('2024-03-31T12:00:00Z'))).toBe('2024-02-29');
    expect(date({ offset: '1y' }, new Date('2024-02-29T12:00:00Z'))).toBe('2025-02-28');
    expect(date({ offset: '-1M' }, new Date('2024-01-15T00:00:00Z'))).toBe('2023-12-15');
  });

  it('keeps "-1d" a calendar day across a daylight-saving change', () => {
    // New York moved to EDT on 2024-03-10 at 02:00.
    const at = new Date('2024-03-11T04:30:00Z'); // 00:30 EDT on 2024-03-11
    expect(date({ timezone: 'America/New_York', offset: '-1d', format: '%F %H:%M %z' }, at)).toBe('2024-03-10 00:30 -0400');
    expect(date({ timezone: 'America/New_York', format: '%F %H:%M %z' }, new Date('2024-03-10T04:30:00Z'))).toBe('2024-03-09 23:30 -0500');
  });

  it('formats with strftime directives', () => {
    const wall = toWallClock(now, 'Asia/Tokyo');
    expect(formatStrftime(wall, '%Y/%m/%d %H:%M:%S.%L %z %Z')).toBe('2024/03/11 00:30:45.123 +0900 Asia/Tokyo');
    expect(formatStrftime(wall, '%a %A %b %B %j %u %w %y %-m/%-d %e')).toBe('Mon Monday Mar March 071 1 1 24 3/11 11');
    expect(formatStrftime(toWallClock(now, 'UTC'), '%I %p %s %F %T 100%%')).toBe('03 PM 1710084645 2024-03-10 15:30:45 100%');
    expect(() => formatStrftime(wall, '%Q')).toThrow('unknown strftime directive "%Q" in format "%Q"');
  });

  it('takes a run-time value as YYYY-MM-DD or ISO-8601, formatted, without the offset', () => {
    expect(date({ offset: '-1d', format: '%Y%m%d' }, now, '2024-01-05')).toBe('20240105');
    expect(date({ timezone: 'Asia/Tokyo' }, now, '2024-01-05T20:00:00Z')).toBe('2024-01-06');
    expect(date({ format: '%F %T' }, now, '2024-01-05T08:09:10')).toBe('2024-01-05 08:09:10');
  });

  it('refuses a run-time value that is not a real date', () => {
    expect(issuesOf(() => date({}, now, 'tomorrow'))).toEqual(['--var: d: expected a date as YYYY-MM-DD or ISO-8601, got "tomorrow"']);
    expect(issuesOf(() => date({}, now, '2024-02-30'))).toEqual(['--var: d: expected a real date as YYYY-MM-DD or ISO-8601, got "2024-02-30"']);
    expect(issuesOf(() => date({}, now, "2024-01-01' OR '1'='1"))).toEqual([
      `--var: d: expected a date as YYYY-MM-DD or ISO-8601, got "2024-01-01' OR '1'='1"`,
    ]);
  });

  it('names an unknown time zone', () => {
    expect(issuesOf(() => date({ timezone: 'Mars/Olympus' }))).toEqual(['sql: d: unknown time zone "Mars/Olympus" (an IANA name such as Asia/Tokyo or UTC)']);
  });
});

describe('string, number and identifier variables', () => {
  it('treats a plain value as a string default', () => {
    expect(resolve('FROM `$project_id$.ds.t` LIMIT $n$', { project_id: 'my-project', n: 10 })).toBe('FROM `my-project.ds.t` LIMIT 10');
  });

  it('uses typed defaults and checked run-time values', () => {
    const declared: Record<string, Variable> = {
      limit: { type: 'number', default: 100 },
      table: { type: 'identifier', default: 'scans' },
      owner: { type: 'string', default: 'nobody' },
    };
    const sql = "SELECT * FROM $table$ WHERE owner = '$owner$' LIMIT $limit$";
    expect(resolve(sql, declared)).toBe(`SELECT * FROM "scans" WHERE owner = 'nobody' LIMIT 100`);
    expect(resolve(sql, declared, { limit: '2.5e3', table: 'analytics.scans_v2', owner: 'Zoë Müller — 山田' })).toBe(
      `SELECT * FROM "analytics"."scans_v2" WHERE owner = 'Zoë Müller — 山田' LIMIT 2.5e3`,
    );
  });

  it('refuses run-time values that could change the SQL', () => {
    const declared: Record<string, Variable> = {
      limit: { type: 'number' },
      table: { type: 'identifier' },
      owner: { type: 'string' },
    };
    const sql = "SELECT * FROM $table$ WHERE owner = '$owner$' LIMIT $limit$";
    expect(issuesOf(() => resolve(sql, declared, { limit: '1; DROP TABLE scans', table: 'scans; DROP TABLE x', owner: "x' OR '1'='1" }))).toEqual([
      '--var: limit: expected a number, got "1; DROP TABLE scans"',
      '--var: table: expected an identifier (name or schema.name: letters, digits and _, not starting with a digit), got "scans; DROP TABLE x"',
      `--var: owner: a string must not contain ' (quotes, backslashes, --, /* and line breaks could change the SQL), got "x' OR '1'='1"`,
    ]);
    expect(issuesOf(() => resolve("'$owner$'", declared, { owner: 'x\\' }))).toEqual([
      `--var: owner: a string must not contain \\ (quotes, backslashes, --, /* and line breaks could change the SQL), got "x\\\\"`,
    ]);
    expect(issuesOf(() => resolve('LIMIT $limit$', declared, { limit: 'Infinity' }))).toEqual(['--var: limit: expected a number, got "Infinity"']);
  });

  it('says when a used variable has no value', () => {
    expect(issuesOf(() => resolve("'$owner$'", { owner: { type: 'string' } }))).toEqual([
      'sql: owner: variable $owner$ has no value (give it a default, or --var owner=...)',
    ]);
  });

  it('ignores run-time values for variables this SQL does not declare', () => {
    expect(resolve("'$today$'", {}, { region: 'eu' })).toBe("'2024-03-10'");
  });
});

describe('finding variables', () => {
  it('names an unknown variable and the known ones', () => {
    expect(issuesOf(() => resolve("SELECT '$x$', '$today$'", { project_id: 'p' }))).toEqual([
      'sql: unknown variable $x$ (known: today, yesterday, now, run_id, project_id; declare it under from.variables)',
    ]);
  });

  it('places issues at the sync when told where the SQL comes from', () => {
    expect(
      issuesOf(() => resolveSqlVariables('$nope$', {}, { runId: 'r', where: { file: 'sluice.yaml', path: 'syncs.s.from' } })),
    ).toEqual(['sluice.yaml: syncs.s.from: unknown variable $nope$ (known: today, yesterday, now, run_id; declare it under from.variables)']);
  });

  it('leaves $$ dollar quoting and $1 parameters alone', () => {
    const body = 'CREATE FUNCTION f(a int) RETURNS int AS $$ SELECT $1 + 1 $$ LANGUAGE sql; SELECT $$today$$';
    expect(resolve(body)).toBe(body);
    expect(findSqlVariables(body)).toEqual([]);
    expect(resolve("SELECT $$ '$today$' $$")).toBe("SELECT $$ '2024-03-10' $$");
    expect(findSqlVariables('$a$b$c$ $_x1$')).toEqual(['a', 'c', '_x1']);
  });
});

describe('template vars', () => {
  it('resolve exactly as $name$ in SQL: typed dates with offset and zone, overrides checked', () => {
    const declared: Record<string, Variable> = {
      day: { type: 'date', offset: '-1d', timezone: 'Asia/Tokyo' },
      project_id: 'my-project',
      limit: { type: 'number', default: 10 },
    };
    const vars = resolveVariableValues(declared, { runId: 'run-42', now, overrides: { limit: '25' } });
    expect(vars).toMatchObject({ day: '2024-03-10', project_id: 'my-project', limit: '25', run_id: 'run-42', today: '2024-03-10' });
    expect(vars.day).toBe(resolve('$day$', declared));
    expect(issuesOf(() => resolveVariableValues(declared, { runId: 'r', now, overrides: { limit: 'ten' } }))[0]).toContain('--var: limit:');
  });
});

describe('hostile values, on every engine', () => {
  const engines: SqlEngine[] = ['duckdb', 'sqlite', 'postgres', 'mysql', 'bigquery'];
  const declared: Record<string, Variable> = {
    t: { type: 'identifier' },
    n: { type: 'number' },
    s: { type: 'string' },
  };
  const onEngine = (engine: SqlEngine, sql: string, overrides: Record<string, string>) =>
    resolveSqlVariables(sql, declared, { runId: 'r', now, overrides, engine, where: { file: 'sluice.yaml', path: 'syncs.orders.from' } });
  const refusal = (engine: SqlEngine, sql: string, name: string, value: string) => issuesOf(() => onEngine(engine, sql, { [name]: value }));
  const STRING_RULE = '(quotes, backslashes, --, /* and line breaks could change the SQL)';
  const IDENTIFIER_RULE = 'expected an identifier (name or schema.name: letters, digits and _, not starting with a digit)';

  const identifiers: [string, string][] = [
    ['t--', `sluice.yaml: syncs.orders.from.variables.t: --var t: ${IDENTIFIER_RULE}, got "t--"`],
    ['x"; DROP TABLE t; --', `sluice.yaml: syncs.orders.from.variables.t: --var t: ${IDENTIFIER_RULE}, got "x\\"; DROP TABLE t; --"`],
    ['t`', `sluice.yaml: syncs.orders.from.variables.t: --var t: ${IDENTIFIER_RULE}, got "t\`"`],
    ['a.b.c', `sluice.yaml: syncs.orders.from.variables.t: --var t: ${IDENTIFIER_RULE}, got "a.b.c"`],
    ['1t', `sluice.yaml: syncs.orders.from.variables.t: --var t: ${IDENTIFIER_RULE}, got "1t"`],
    ['t/*', `sluice.yaml: syncs.orders.from.variables.t: --var t: ${IDENTIFIER_RULE}, got "t/*"`],
    ['t\n', `sluice.yaml: syncs.orders.from.variables.t: --var t: ${IDENTIFIER_RULE}, got "t\\n"`],
    ['my-table', `sluice.yaml: syncs.orders.from.variables.t: --var t: ${IDENTIFIER_RULE}, got "my-table"`],
  ];
  const numbers: [string, string][] = [
    ['1 OR 1=1', 'sluice.yaml: syncs.orders.from.variables.n: --var n: expected a number, got "1 OR 1=1"'],
    ['--1', 'sluice.yaml: syncs.orders.from.variables.n: --var n: expected a number, got "--1"'],
    ['1--', 'sluice.yaml: syncs.orders.from.variables.n: --var n: expected a number, got "1--"'],
    ['0x10', 'sluice.yaml: syncs.orders.from.variables.n: --var n: expected a number, got "0x10"'],
    ['NaN', 'sluice.yaml: syncs.orders.from.variables.n: --var n: expected a number, got "NaN"'],
  ];
  const strings: [string, string][] = [
    ["' OR ''='", `sluice.yaml: syncs.orders.from.variables.s: --var s: a string must not contain ' ${STRING_RULE}, got "' OR ''='"`],
    ['x"; DROP TABLE t; --', `sluice.yaml: syncs.orders.from.variables.s: --var s: a string must not contain " ${STRING_RULE}, got "x\\"; DROP TABLE t; --"`],
    ['a`b', `sluice.yaml: syncs.orders.from.variables.s: --var s: a string must not contain \` ${STRING_RULE}, got "a\`b"`],
    ['a\\', `sluice.yaml: syncs.orders.from.variables.s: --var s: a string must not contain \\ ${STRING_RULE}, got "a\\\\"`],
    ['t--', `sluice.yaml: syncs.orders.from.variables.s: --var s: a string must not contain -- ${STRING_RULE}, got "t--"`],
    ['a/*', `sluice.yaml: syncs.orders.from.variables.s: --var s: a string must not contain /* ${STRING_RULE}, got "a/*"`],
    ['a*/', `sluice.yaml: syncs.orders.from.variables.s: --var s: a string must not contain */ ${STRING_RULE}, got "a*/"`],
    ['a\nb', `sluice.yaml: syncs.orders.from.variables.s: --var s: a string must not contain a line break ${STRING_RULE}, got "a\\nb"`],
    ['a\rb', `sluice.yaml: syncs.orders.from.variables.s: --var s: a string must not contain a line break ${STRING_RULE}, got "a\\rb"`],
    ['a\0b', `sluice.yaml: syncs.orders.from.variables.s: --var s: a string must not contain a NUL character ${STRING_RULE}, got "a\\u0000b"`],
  ];

  for (const engine of engines) {
    it.each(identifiers)(`${engine}: refuses the identifier %j`, (value, message) => {
      expect(refusal(engine, 'SELECT * FROM $t$', 't', value)).toEqual([message]);
    });
    it.each(numbers)(`${engine}: refuses the number %j`, (value, message) => {
      expect(refusal(engine, 'SELECT 1 - $n$', 'n', value)).toEqual([message]);
    });
    it.each(strings)(`${engine}: refuses the string %j`, (value, message) => {
      expect(refusal(engine, "SELECT '$s$'", 's', value)).toEqual([message]);
    });
    it(`${engine}: refuses a date whose format puts a quote in it, after formatting`, () => {
      const where = { file: 'sluice.yaml', path: 'syncs.orders.from' };
      const d: Variable = { type: 'date', format: "%Y-%m-%d'" };
      expect(issuesOf(() => resolveSqlVariables("SELECT '$d$'", { d }, { runId: 'r', now, engine, where, overrides: { d: '2024-01-05' } }))).toEqual([
        `sluice.yaml: syncs.orders.from.variables.d: --var d: a date, as formatted, must not contain ' ${STRING_RULE}, got "2024-01-05'"`,
      ]);
    });
  }

  it('quotes identifiers part by part for each engine', () => {
    const quoted = Object.fromEntries(engines.map((e) => [e, onEngine(e, 'SELECT * FROM $t$', { t: 'analytics.Scans_2' })]));
    expect(quoted).toEqual({
      duckdb: 'SELECT * FROM "analytics"."Scans_2"',
      sqlite: 'SELECT * FROM "analytics"."Scans_2"',
      postgres: 'SELECT * FROM "analytics"."Scans_2"',
      mysql: 'SELECT * FROM `analytics`.`Scans_2`',
      bigquery: 'SELECT * FROM `analytics`.`Scans_2`',
    });
  });

  it('keeps a negative number minus that number, never a comment', () => {
    for (const engine of engines) {
      expect(onEngine(engine, 'SELECT 1 -$n$, $n$', { n: '-5' })).toBe('SELECT 1 -(-5), (-5)');
      expect(onEngine(engine, 'LIMIT $n$', { n: '+7' })).toBe('LIMIT 7');
      expect(onEngine(engine, 'LIMIT $n$', { n: ' 0.5 ' })).toBe('LIMIT 0.5');
    }
  });

  it('lets strings with spaces, dashes, # and % through as they are', () => {
    expect(onEngine('mysql', "WHERE name = '$s$'", { s: 'Ada Lovelace - issue #5, 50% off' })).toBe("WHERE name = 'Ada Lovelace - issue #5, 50% off'");
  });

  it('checks defaults as it checks run-time values, at their key', () => {
    expect(issuesOf(() => resolveSqlVariables("'$s$'", { s: "it's" }, { runId: 'r', now, where: { file: 'sluice.yaml', path: 'syncs.orders.from' } }))).toEqual([
      `sluice.yaml: syncs.orders.from.variables.s: a string must not contain ' ${STRING_RULE}, got "it's"`,
    ]);
  });
});
