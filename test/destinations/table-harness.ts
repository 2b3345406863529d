import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import pg from 'pg';
import type { Connection } from '../../src/config/project-schema.js';

export const PG_URL = 'postgres://postgres@127.0.0.1:5432/test';
export const MYSQL_URL = 'mysql://root@127.0.0.1:3306/test';

/** One engine under test: a connection for the destination and a bare driver to check what landed. */
export interface TableHarness {
  readonly engine: 'postgres' | 'mysql' | 'sqlite' | 'duckdb';
  readonly connection: Connection;
  /** The table name a sync would give, unique to this run (a schema of its own in PostgreSQL). */
  table(name: string): string;
  /** The same table quoted for the bare driver's SQL. */
  sql(name: string): string;
  /** Rows of a query through the bare driver; integers/decimals as text, timestamps as Date or text, binary as Buffer. */
  query(sql: string): Promise<Record<string, unknown>[]>;
  exec(sql: string): Promise<void>;
  /** The table's column types as the engine reports them, by column name. */
  columnTypes(name: string): Promise<Record<string, string>>;
  /** Whether the driver returns JSON columns parsed (else as JSON text). */
  readonly jsonParsed: boolean;
  /** A SQL expression giving a binary column as base64 text (null where the engine has no such function). */
  base64(column: string): string | null;
  close(): Promise<void>;
}

const suffix = () => randomBytes(4).toString('hex');

export async function postgresHarness(): Promise<TableHarness> {
  const schema = `sluice_dest_${suffix()}`;
  const client = new pg.Client({
    connectionString: PG_URL,
    // Dates stay text (the default parser makes a local-midnight Date).
    types: { getTypeParser: ((oid: number, format?: string) => (oid === 1082 ? (s: string) => s : pg.types.getTypeParser(oid, format as 'text'))) as typeof pg.types.getTypeParser },
  });
  await client.connect();
  await client.query(`CREATE SCHEMA ${schema}`);
  return {
    engine: 'postgres',
    jsonParsed: true,
    connection: { type: 'postgres', url: PG_URL },
    table: (name) => `${schema}.${name}`,
    sql: (name) => `${schema}."${name}"`,
    query: async (sql) => (await client.query(sql)).rows,
    exec: async (sql) => void (await client.query(sql)),
    columnTypes: async (name) => {
      const { rows } = await client.query(
        `SELECT attname, format_type(atttypid, atttypmod) AS t FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped`,
        [`${schema}."${name}"`],
      );
      return Object.fromEntries(rows.map((r) => [r.attname, r.t]));
    },
    base64: (c) => `encode(${c}, 'base64')`,
    close: async () => {
      await client.query(`DROP SCHEMA ${schema} CASCADE`);
      await client.end();
    },
  };
}

export async function mysqlHarness(): Promise<TableHarness> {
  const s = suffix();
  const conn = await mysql.createConnection({ uri: MYSQL_URL, supportBigNumbers: true, bigNumberStrings: true, dateStrings: true, timezone: 'Z', charset: 'utf8mb4' });
  const tables = new Set<string>();
  const full = (name: string) => {
    tables.add(`${name}_${s}`);
    return `${name}_${s}`;
  };
  return {
    engine: 'mysql',
    // MariaDB marks JSON columns in its extended metadata, and mysql2 parses them.
    jsonParsed: true,
    connection: { type: 'mysql', url: MYSQL_URL },
    table: full,
    sql: (name) => `\`${full(name)}\``,
    query: async (sql) => (await conn.query<mysql.RowDataPacket[]>(sql))[0],
    exec: async (sql) => void (await conn.query(sql)),
    columnTypes: async (name) => {
      const [rows] = await conn.query<mysql.RowDataPacket[]>(
        'SELECT COLUMN_NAME AS c, COLUMN_TYPE AS t FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?',
        [full(name)],
      );
      return Object.fromEntries(rows.map((r) => [r.c, r.t]));
    },
    base64: (c) => `TO_BASE64(${c})`,
    close: async () => {
      for (const t of tables) await conn.query(`DROP TABLE IF EXISTS \`${t}\``);
      await conn.end();
    },
  };
}

export async function sqliteHarness(): Promise<TableHarness> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-sqlite-'));
  const path = join(dir, 'dest.sqlite');
  let db: Database.Database | null = null;
  // Opened per call: the destination writes through its own connection.
  const open = () => (db ??= new Database(path));
  return {
    engine: 'sqlite',
    jsonParsed: false,
    connection: { type: 'sqlite', path },
    table: (name) => name,
    sql: (name) => `"${name}"`,
    query: async (sql) => open().prepare(sql).safeIntegers(true).all() as Record<string, unknown>[],
    exec: async (sql) => void open().exec(sql),
    columnTypes: async (name) => {
      const rows = open().prepare(`PRAGMA table_info("${name}")`).all() as { name: string; type: string }[];
      return Object.fromEntries(rows.map((r) => [r.name, r.type]));
    },
    base64: () => null,
    close: async () => {
      db?.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function duckdbHarness(): Promise<TableHarness> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-duckdb-'));
  const path = join(dir, 'dest.duckdb');
  // The destination opens the file through DuckDB's instance cache; so does the harness, sharing one database.
  const instance = await DuckDBInstance.fromCache(path);
  const conn: DuckDBConnection = await instance.connect();
  return {
    engine: 'duckdb',
    jsonParsed: false,
    connection: { type: 'duckdb', path },
    table: (name) => name,
    sql: (name) => `"${name}"`,
    query: async (sql) => (await conn.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[],
    exec: async (sql) => void (await conn.run(sql)),
    columnTypes: async (name) => {
      const rows = (await conn.runAndReadAll(`SELECT column_name AS c, data_type AS t FROM information_schema.columns WHERE table_name = '${name}'`)).getRowObjectsJson();
      return Object.fromEntries(rows.map((r) => [String(r.c), String(r.t)]));
    },
    base64: (c) => `base64(${c})`,
    close: async () => {
      conn.closeSync();
      instance.closeSync();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export const harnesses = { postgres: postgresHarness, mysql: mysqlHarness, sqlite: sqliteHarness, duckdb: duckdbHarness };
