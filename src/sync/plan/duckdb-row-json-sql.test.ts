import { DuckDBInstance } from '@duckdb/node-api';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuckdbDatabase } from '../../databases/duckdb/duckdb-database.js';
import type { Row } from '../../rows/row.js';
import { createRowMapper } from '../apply-mapping.js';
import { duckdbRowJsonSql, ROW_JSON_MACROS } from './duckdb-row-json-sql.js';
import { recordKey } from './record-key.js';
import { stringifyRow } from './stringify-row.js';

// Every column type the SQL path renders, with the values that trip JSON writers up.
const TABLE = `CREATE TABLE t AS SELECT * FROM (VALUES
  (1, 'plain', true, 7::TINYINT, 40000::INTEGER, 1::BIGINT, 9007199254740991::BIGINT, 12.50::DECIMAL(10,2), 0.1::DOUBLE, 0.1::FLOAT,
   DATE '2026-11-22', TIMESTAMP '2026-11-22 09:00:00.123456', '\\xDE\\xAD\\xBE\\xEF'::BLOB, [1, 2, NULL], {'b': 'x', '2': 1}, 'a'::e, '550e8400-e29b-41d4-a716-446655440000'::UUID,
   123456789012345678901234567890::HUGEINT, 12345678901234567890.123456789::DECIMAL(38,9), 4294967295::UINTEGER, TIMESTAMP_S '2026-01-01 00:00:01', 18446744073709551615::UBIGINT),
  (2, 'quote " backslash \\ slash / 小林 😀', false, (-128)::TINYINT, (-2147483648)::INTEGER, 9007199254740992::BIGINT, (-9223372036854775808)::BIGINT, (-0.05)::DECIMAL(10,2), 1e21::DOUBLE, 3.4e38::FLOAT,
   DATE '0001-01-01', TIMESTAMP '1969-12-31 23:59:59.9995', ''::BLOB, [], {'b': NULL, '2': NULL}, 'b'::e, NULL,
   (-1)::HUGEINT, 0::DECIMAL(38,9), 0::UINTEGER, NULL, 0::UBIGINT),
  (3, chr(1) || chr(8) || chr(9) || chr(10) || chr(12) || chr(13) || chr(31) || chr(127) || '\\u0001 literal', NULL, NULL, NULL, NULL, NULL, NULL, 1e20::DOUBLE, NULL,
   DATE '9999-12-31', TIMESTAMP '9999-12-31 23:59:59.999999', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (4, '', NULL, 0::TINYINT, 0, (-9007199254740991)::BIGINT, 0::BIGINT, 0::DECIMAL(10,2), 1.5e-7::DOUBLE, (-0.0)::FLOAT, NULL, NULL, NULL, [NULL], NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (5, 'NaN', NULL, NULL, NULL, NULL, NULL, NULL, 'NaN'::DOUBLE, 'inf'::FLOAT, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (6, 'neg', NULL, NULL, NULL, NULL, NULL, NULL, (-123456.789e-3)::DOUBLE, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (7, 'big', NULL, NULL, NULL, NULL, NULL, NULL, 123456789012345680000::DOUBLE, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (8, 'tiny', NULL, NULL, NULL, NULL, NULL, NULL, 0.000001::DOUBLE, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (9, 'tinier', NULL, NULL, NULL, NULL, NULL, NULL, 5e-324::DOUBLE, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (10, 'max', NULL, NULL, NULL, NULL, NULL, NULL, 1.7976931348623157e308::DOUBLE, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)
) v(id, name, flag, tiny, int, big, big2, dec, dbl, flt, day, ts, bin, list, st, en, uid, huge, dec38, uint, ts_s, ubig)`;

describe('duckdbRowJsonSql', () => {
  let dir: string;
  let file: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-rowjson-'));
    file = join(dir, 'model.duckdb');
    const setup = await DuckDBInstance.create(file);
    const c = await setup.connect();
    await c.run(`CREATE TYPE e AS ENUM ('a', 'b')`);
    await c.run(TABLE);
    // Many doubles of every magnitude: the layout of JavaScript's Number#toString is easy to get subtly wrong.
    await c.run(`CREATE TABLE d AS SELECT i AS id, 'x' AS name, (random() - 0.5) * pow(10, (i % 60) - 30) AS dbl, (random() * 1000)::FLOAT AS flt,
      round(random() * pow(10, i % 25))::DOUBLE AS whole FROM range(5000) r(i)`);
    c.closeSync();
    setup.closeSync();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** The JS path's key and JSON text per row (through the DuckDB Source), and the SQL path's, side by side. */
  async function both(sql: string, key: string[], mapping?: Record<string, string>) {
    const mapRow = createRowMapper(mapping);
    const db = await openDuckdbDatabase(file);
    const js: { key: string | null; row: string }[] = [];
    for await (const batch of db.query(sql).read()) for (const r of batch) js.push({ key: recordKey(mapRow(r), key), row: stringifyRow(mapRow(r)) });
    await db.close();

    const ws = await DuckDBInstance.create(':memory:');
    const c = await ws.connect();
    await c.run(`ATTACH '${file}' AS model (READ_ONLY)`);
    await c.run('USE model');
    for (const m of ROW_JSON_MACROS) await c.run(m);
    const prepared = await c.prepare(sql);
    const columns = Array.from({ length: prepared.columnCount }, (_, i) => ({ name: prepared.columnName(i), type: prepared.columnType(i) }));
    prepared.destroySync();
    const expr = duckdbRowJsonSql(columns, key, mapRow);
    let out: { key: string | null; row: string; ok: boolean }[] = [];
    if (expr) {
      const reader = await c.runAndReadAll(
        `SELECT ${expr.key} AS key, ${expr.row} AS row, ${expr.ok} AS ok FROM (${sql}) q(${columns.map((_, i) => `c${i}`).join(', ')})`,
      );
      out = reader.getRowObjectsJS() as typeof out;
    }
    c.closeSync();
    ws.closeSync();
    return { js, sql: expr ? out : null };
  }

  it('renders every column type byte-identical to the JS path: NULLs, Unicode, quotes, control characters, big ints, decimals, timestamps, blobs, lists, structs, floats', async () => {
    const { js, sql } = await both('SELECT * FROM t ORDER BY id', ['id']);
    expect(sql).not.toBeNull();
    expect(js).toHaveLength(10);
    expect(sql!.map((r) => r.ok)).toEqual(js.map(() => true));
    expect(sql!.map((r) => ({ key: r.key, row: r.row }))).toEqual(js);
    // The values the shared mapping promises, spelled out once.
    const first = JSON.parse(js[0]!.row) as Row;
    expect(first).toMatchObject({ big2: 9007199254740991, dec: '12.50', ts: '2026-11-22T09:00:00.123Z', day: '2026-11-22', bin: '3q2+7w==', st: { '2': 1, b: 'x' } });
    expect(JSON.parse(js[1]!.row)).toMatchObject({ big: '9007199254740992', big2: '-9223372036854775808', dbl: 1e21, ts: '1969-12-31T23:59:59.999Z' });
    expect(js[2]!.row).toContain('"\\u0001\\b\\t\\n\\f\\r\\u001f\u007f\\\\u0001 literal"');
  });

  it('lays doubles and floats out as JavaScript does, at every magnitude', async () => {
    const { js, sql } = await both('SELECT * FROM d ORDER BY id', ['id']);
    expect(js).toHaveLength(5000);
    expect(sql!.map((r) => r.row)).toEqual(js.map((r) => r.row));
  });

  it('follows the mapping (renames, a missing source column as null) and composite keys', async () => {
    const mapping = { customer_id: 'id', label: 'name', nothing: 'no_such_column' };
    const { js, sql } = await both('SELECT id, name, ts FROM t ORDER BY id', ['customer_id', 'label'], mapping);
    expect(sql!.map((r) => ({ key: r.key, row: r.row }))).toEqual(js);
    expect(js[0]!.key).toBe('["1","plain"]');
  });

  it('names repeated columns as the Source does', async () => {
    const { js, sql } = await both('SELECT id, name, name, id AS "2" FROM t ORDER BY id', ['id']);
    expect(sql!.map((r) => r.row)).toEqual(js.map((r) => r.row));
    expect(js[0]!.row).toBe('{"2":1,"id":1,"name":"plain","name:1":"plain"}');
  });

  it('refuses what it cannot render identically: JSON, maps, intervals, float keys; flags out-of-range timestamps', async () => {
    expect((await both(`SELECT id, '{"a": 1.0}'::JSON AS j FROM t`, ['id'])).sql).toBeNull();
    expect((await both(`SELECT id, MAP {'a': 1} AS m FROM t`, ['id'])).sql).toBeNull();
    expect((await both(`SELECT id, INTERVAL 1 DAY AS i FROM t`, ['id'])).sql).toBeNull();
    expect((await both(`SELECT dbl FROM t`, ['dbl'])).sql).toBeNull();
    const far = await both(`SELECT id, TIMESTAMP '10000-01-01' AS ts FROM t WHERE id = 1`, ['id']);
    expect(far.sql!.map((r) => r.ok)).toEqual([false]);
  });
});
