import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startBigQuerySimulator } from '../../sandbox/bigquery/bigquery-simulator.js';
import { openSqlDatabase } from '../../src/databases/open-sql-database.js';
import type { SqlDatabase } from '../../src/databases/sql-database.js';

// The same contract data, written once per engine in that engine's SQL. Every engine must then
// read it back as the same JS values (see sql-source-contract.test.ts).

export type EngineName = 'duckdb' | 'sqlite' | 'postgres' | 'mysql' | 'bigquery';

/** One engine with the contract tables in it. */
export interface ContractEngine {
  name: EngineName;
  db: SqlDatabase;
  /** Selects the contract rows, ordered by id. */
  contractSql: string;
  /** Selects 2500 rows `n` = 1..2500, ordered. */
  numbersSql: string;
  /** A query that runs for seconds (to cancel). */
  slowSql?: string;
  /** Checks that no cursor or transaction is left open on the server. */
  assertClean?(): Promise<void>;
  teardown(): Promise<void>;
}

const suffix = () => Math.random().toString(36).slice(2, 8);

interface Dialect {
  text(s: string): string;
  tz(s: string): string;
  naive(s: string): string;
  json(s: string): string;
  bytes(hex: string): string;
  date(s: string): string;
  /** A decimal given with its 9 fractional digits. */
  decimal(s: string): string;
}

/** The contract rows as each dialect writes them: id, name, big, amount, ratio, flag, day, ts, local_ts, doc, bytes. */
function contractRows(d: Dialect): string[] {
  return [
    `1, ${d.text('こんにちは 🎉 Ünïcödé')}, 9007199254740993, ${d.decimal('12.500000000')}, 1.5, TRUE, ${d.date('2026-11-22')}, ${d.tz('2026-11-22 18:00:00+09:00')}, ${d.naive('2026-11-22 18:00:00')}, ${d.json('{"a":1,"b":[1,2,"x"],"c":{"d":null}}')}, ${d.bytes('0001ff41')}`,
    `2, ${d.text("it's plain")}, -9223372036854775808, ${d.decimal('0.100000000')}, -0.25, FALSE, ${d.date('1999-12-31')}, ${d.tz('2000-01-01 08:59:59.123+09:00')}, ${d.naive('1999-12-31 23:59:59.123')}, ${d.json('[1,"two",null,{"k":true}]')}, ${d.bytes('6869')}`,
    `3, ${d.text('')}, 42, ${d.decimal('12345678901234567890.123456789')}, 3.141592653589793, TRUE, ${d.date('2000-02-29')}, ${d.tz('2026-03-01 00:00:00+00:00')}, ${d.naive('2026-03-01 00:00:00')}, ${d.json('{}')}, ${d.bytes('')}`,
    `4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL`,
  ];
}

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;

const duckdbDialect: Dialect = {
  text: quote,
  tz: (s) => `${quote(s)}::TIMESTAMPTZ`,
  naive: (s) => `${quote(s)}::TIMESTAMP`,
  json: (s) => `${quote(s)}::JSON`,
  bytes: (hex) => `from_hex(${quote(hex)})`,
  date: (s) => `DATE ${quote(s)}`,
  decimal: (s) => s,
};

const duckdbDdl = (table: string, numbers: string) => `
  CREATE TABLE ${table} (id INTEGER, name VARCHAR, big BIGINT, amount DECIMAL(38,9), ratio DOUBLE, flag BOOLEAN,
    day DATE, ts TIMESTAMPTZ, local_ts TIMESTAMP, doc JSON, bytes BLOB);
  INSERT INTO ${table} VALUES ${contractRows(duckdbDialect).map((r) => `(${r})`).join(', ')};
  CREATE TABLE ${numbers} AS SELECT range::INTEGER + 1 AS n FROM range(2500);
`;

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'sluice-sources-'));
}

/** DuckDB in a temp file (a relative path, created on open). */
export async function duckdbEngine(): Promise<ContractEngine> {
  const dir = await tempDir();
  const db = await openSqlDatabase({ type: 'duckdb', path: 'data/warehouse.duckdb' }, { projectDir: dir });
  await db.execute(duckdbDdl('contract', 'numbers'));
  return {
    name: 'duckdb',
    db,
    contractSql: 'SELECT * FROM contract ORDER BY id',
    numbersSql: 'SELECT n FROM numbers ORDER BY n',
    slowSql: 'SELECT count(*) FROM range(100000000) a, range(100000) b',
    teardown: async () => {
      await db.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** SQLite in a temp file; exact decimals are text in SQLite, so the column's declared type says both. */
export async function sqliteEngine(): Promise<ContractEngine> {
  const dir = await tempDir();
  const db = await openSqlDatabase({ type: 'sqlite', path: 'local.sqlite' }, { projectDir: dir });
  const d: Dialect = {
    text: quote,
    tz: (s) => quote(s.replace(' ', 'T')),
    naive: (s) => quote(s),
    json: quote,
    bytes: (hex) => `X'${hex}'`,
    date: quote,
    decimal: quote,
  };
  await db.execute(`
    CREATE TABLE contract (id INTEGER, name TEXT, big BIGINT, amount DECIMAL_TEXT(38,9), ratio DOUBLE, flag BOOLEAN,
      day DATE, ts TIMESTAMP, local_ts DATETIME, doc JSON, bytes BLOB);
    INSERT INTO contract VALUES ${contractRows(d).map((r) => `(${r})`).join(', ')};
    CREATE TABLE numbers (n INTEGER);
    WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 2500) INSERT INTO numbers SELECT n FROM s;
  `);
  return {
    name: 'sqlite',
    db,
    contractSql: 'SELECT * FROM contract ORDER BY id',
    numbersSql: 'SELECT n FROM numbers ORDER BY n',
    teardown: async () => {
      await db.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export const POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** The real PostgreSQL, in a schema of its own. */
export async function postgresEngine(): Promise<ContractEngine> {
  const schema = `sluice_src_${suffix()}`;
  const app = `sluice_contract_${suffix()}`;
  const db = await openSqlDatabase({ type: 'postgres', url: `${POSTGRES_URL}?application_name=${app}` }, { projectDir: '.' });
  const d: Dialect = {
    text: quote,
    tz: (s) => `${quote(s)}::timestamptz`,
    naive: (s) => `${quote(s)}::timestamp`,
    json: (s) => `${quote(s)}::jsonb`,
    bytes: (hex) => `decode(${quote(hex)}, 'hex')`,
    date: (s) => `DATE ${quote(s)}`,
    decimal: (s) => s,
  };
  await db.execute(`
    CREATE SCHEMA ${schema};
    CREATE TABLE ${schema}.contract (id integer, name text, big bigint, amount numeric(38,9), ratio double precision, flag boolean,
      day date, ts timestamptz, local_ts timestamp, doc jsonb, bytes bytea);
    INSERT INTO ${schema}.contract VALUES ${contractRows(d).map((r) => `(${r})`).join(', ')};
    CREATE TABLE ${schema}.numbers AS SELECT n::integer FROM generate_series(1, 2500) n;
  `);
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  return {
    name: 'postgres',
    db,
    contractSql: `SELECT * FROM ${schema}.contract ORDER BY id`,
    numbersSql: `SELECT n FROM ${schema}.numbers ORDER BY n`,
    slowSql: 'SELECT pg_sleep(20)',
    assertClean: async () => {
      // A connection dropped after a cancel takes a moment to leave pg_stat_activity: wait up to 2 s.
      let left = '';
      for (let attempt = 0; attempt < 20; attempt++) {
        const r = await admin.query(
          `SELECT state, xact_start IS NOT NULL AS in_transaction FROM pg_stat_activity WHERE application_name = $1`,
          [app],
        );
        if (r.rows.length === 0) throw new Error(`no connection of ${app} is open: the check would prove nothing`);
        const busy = r.rows.find((row) => row.state !== 'idle' || row.in_transaction);
        if (!busy) return;
        left = `a connection is left ${busy.state} (transaction open: ${busy.in_transaction})`;
        await new Promise((ok) => setTimeout(ok, 100));
      }
      throw new Error(left);
    },
    teardown: async () => {
      await db.execute(`DROP SCHEMA ${schema} CASCADE`);
      await db.close();
      await admin.end();
    },
  };
}

export const MYSQL_URL = 'mysql://root@127.0.0.1:3306/test';

/** The real MariaDB, in tables of their own. */
export async function mysqlEngine(): Promise<ContractEngine> {
  const s = suffix();
  const table = `contract_${s}`;
  const numbers = `numbers_${s}`;
  const db = await openSqlDatabase({ type: 'mysql', url: MYSQL_URL }, { projectDir: '.' });
  const d: Dialect = {
    text: quote,
    // MySQL has no zoned timestamp literal: the instant is converted to the session's UTC on the way in.
    tz: (v) => `CONVERT_TZ(${quote(v.slice(0, -6))}, ${quote(v.slice(-6))}, '+00:00')`,
    naive: quote,
    json: quote,
    bytes: (hex) => `X'${hex}'`,
    date: (v) => `DATE ${quote(v)}`,
    decimal: (v) => v,
  };
  await db.execute(`
    CREATE TABLE ${table} (id INT, name VARCHAR(100), big BIGINT, amount DECIMAL(38,9), ratio DOUBLE, flag BOOLEAN,
      day DATE, ts TIMESTAMP(6) NULL, local_ts DATETIME(6), doc JSON, bytes VARBINARY(100)) DEFAULT CHARSET=utf8mb4;
    INSERT INTO ${table} VALUES ${contractRows(d).map((r) => `(${r})`).join(', ')};
    CREATE TABLE ${numbers} (n INT);
    SET SESSION max_recursive_iterations = 5000;
    INSERT INTO ${numbers} WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 2500) SELECT n FROM s;
  `);
  return {
    name: 'mysql',
    db,
    contractSql: `SELECT * FROM ${table} ORDER BY id`,
    numbersSql: `SELECT n FROM ${numbers} ORDER BY n`,
    slowSql: 'SELECT SLEEP(20)',
    teardown: async () => {
      await db.execute(`DROP TABLE ${table}; DROP TABLE ${numbers}`);
      await db.close();
    },
  };
}

/** The BigQuery simulator (DuckDB underneath) with small pages, read through the REST client. */
export async function bigqueryEngine(): Promise<ContractEngine> {
  const simulator = await startBigQuerySimulator({
    pageSize: 300,
    setupSql: `CREATE SCHEMA sluice_contract; ${duckdbDdl('sluice_contract.contract', 'sluice_contract.numbers')}`,
  });
  const db = await openSqlDatabase(
    { type: 'bigquery', project_id: simulator.projectId, api_endpoint: simulator.url, access_token: 'test-token' },
    { projectDir: '.' },
  );
  return {
    name: 'bigquery',
    db,
    contractSql: 'SELECT * FROM `sluice-test.sluice_contract.contract` ORDER BY id',
    numbersSql: 'SELECT n FROM `sluice_contract.numbers` ORDER BY n',
    teardown: async () => {
      await db.close();
      await simulator.close();
    },
  };
}

export const engines: Record<EngineName, () => Promise<ContractEngine>> = {
  duckdb: duckdbEngine,
  sqlite: sqliteEngine,
  postgres: postgresEngine,
  mysql: mysqlEngine,
  bigquery: bigqueryEngine,
};
