import { describe, expect, it } from 'vitest';
import { openSqlDatabase } from '../../src/databases/open-sql-database.js';
import type { Row } from '../../src/rows/row.js';
import type { SqlDatabase } from '../../src/databases/sql-database.js';
import { MYSQL_URL, POSTGRES_URL } from './sql-engines.js';

// Types only some engines have, each read as the shared mapping says (arrays, structs and maps as
// JS values; intervals, UUIDs and times of day as text).

async function one(db: SqlDatabase, sql: string): Promise<{ row: Row; types: [string, string][] }> {
  const rows: Row[] = [];
  try {
    for await (const b of db.query(sql).read()) rows.push(...b);
    const types = (await db.query(sql).describe()).map((c): [string, string] => [c.name, c.type]);
    return { row: rows[0]!, types };
  } finally {
    await db.close();
  }
}

describe('engine-specific types', () => {
  it('PostgreSQL: arrays as JS arrays with their elements mapped, intervals and UUIDs as text', async () => {
    const db = await openSqlDatabase({ type: 'postgres', url: POSTGRES_URL }, { projectDir: '.' });
    const { row, types } = await one(
      db,
      `SELECT ARRAY[1, 9007199254740993]::int8[] AS ids, ARRAY['2026-11-22 18:00:00+09'::timestamptz, NULL] AS times,
        ARRAY[ARRAY['a','b'],ARRAY['c','d']] AS grid, '1 day 02:00'::interval AS wait,
        'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid AS uid, '12:30:00'::time AS at_time, 'NaN'::numeric AS nan`,
    );
    expect(row).toEqual({
      ids: [1, '9007199254740993'],
      times: ['2026-11-22T09:00:00.000Z', null],
      grid: [['a', 'b'], ['c', 'd']],
      wait: '1 day 02:00:00',
      uid: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      at_time: '12:30:00',
      nan: 'NaN',
    });
    expect(types).toEqual([['ids', 'json'], ['times', 'json'], ['grid', 'json'], ['wait', 'string'], ['uid', 'string'], ['at_time', 'string'], ['nan', 'decimal']]);
  });

  it('DuckDB: lists, structs and maps as JS values with their members mapped', async () => {
    const db = await openSqlDatabase({ type: 'duckdb', path: ':memory:' }, { projectDir: '.' });
    const { row, types } = await one(
      db,
      `SELECT [1, 9007199254740993]::BIGINT[] AS ids, {'price': 12.50::DECIMAL(10,2), 'at': TIMESTAMPTZ '2026-11-22 18:00:00+09:00'} AS item,
        MAP {'k': 1} AS m, MAP {1: 'one'} AS by_number, INTERVAL 2 HOUR AS wait, HUGEINT '170141183460469231731687303715884105727' AS huge`,
    );
    expect(row).toEqual({
      ids: [1, '9007199254740993'],
      item: { price: '12.50', at: '2026-11-22T09:00:00.000Z' },
      m: { k: 1 },
      by_number: [{ key: 1, value: 'one' }],
      wait: '02:00:00',
      huge: '170141183460469231731687303715884105727',
    });
    expect(types).toEqual([['ids', 'json'], ['item', 'json'], ['m', 'json'], ['by_number', 'json'], ['wait', 'string'], ['huge', 'integer']]);
  });

  it('MariaDB: TINYINT(1) and BIT(1) are booleans, wider TINYINT an integer, BLOB base64, TIME text', async () => {
    const db = await openSqlDatabase({ type: 'mysql', url: MYSQL_URL }, { projectDir: '.' });
    const table = `types_${Math.random().toString(36).slice(2, 8)}`;
    await db.execute(`CREATE TABLE ${table} (b TINYINT(1), t TINYINT, bit1 BIT(1), blob_col BLOB, txt TEXT, tm TIME, y YEAR, u BIGINT UNSIGNED);
      INSERT INTO ${table} VALUES (1, 7, b'1', X'00ff', 'テキスト', '12:30:00', 2026, 18446744073709551615)`);
    try {
      const reopened = await openSqlDatabase({ type: 'mysql', url: MYSQL_URL }, { projectDir: '.' });
      const { row, types } = await one(reopened, `SELECT * FROM ${table}`);
      expect(row).toEqual({ b: true, t: 7, bit1: true, blob_col: 'AP8=', txt: 'テキスト', tm: '12:30:00', y: 2026, u: '18446744073709551615' });
      expect(types).toEqual([['b', 'boolean'], ['t', 'integer'], ['bit1', 'boolean'], ['blob_col', 'binary'], ['txt', 'string'], ['tm', 'string'], ['y', 'integer'], ['u', 'integer']]);
    } finally {
      await db.execute(`DROP TABLE ${table}`);
      await db.close();
    }
  });
});
