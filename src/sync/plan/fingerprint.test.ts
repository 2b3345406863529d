import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuckdbDatabase } from '../../databases/duckdb/duckdb-database.js';
import type { ColumnType, Row } from '../../rows/row.js';
import { duckdbRowJsonSql, ROW_JSON_MACROS } from './duckdb-row-json-sql.js';
import { fingerprint, fingerprintSql } from './fingerprint.js';
import { stringifyRow } from './stringify-row.js';

// One column per ColumnType (two for integer and number, whose edges differ), with the values that trip writers up.
const MODEL = `CREATE TABLE model AS SELECT * FROM (VALUES
  (1, 'plain', 1::BIGINT, 9007199254740993::BIGINT, 12.50::DECIMAL(10,2), 0.1::DOUBLE, 'NaN'::DOUBLE, true, DATE '2026-11-22',
   TIMESTAMP '2026-11-22 09:00:00.123456', {'b': [1, 2, NULL], 'a': {'2': 1, 'z': 'ü'}}, '\\xDE\\xAD\\xBE\\xEF'::BLOB, NULL::VARCHAR),
  (2, 'quote " backslash \\ slash / 小林 😀', (-9007199254740991)::BIGINT, (-9223372036854775808)::BIGINT, (-0.05)::DECIMAL(10,2),
   1e21::DOUBLE, 'inf'::DOUBLE, false, DATE '0001-01-01', TIMESTAMP '1969-12-31 23:59:59.9995', {'b': [], 'a': {'2': NULL, 'z': '"\\'}},
   ''::BLOB, NULL),
  (3, chr(1) || chr(8) || chr(9) || chr(10) || chr(12) || chr(13) || chr(31) || chr(127) || '\\u0001 literal', 0::BIGINT,
   170141183460469231731687303715884105727::HUGEINT, 12345678901234567890.123456789::DECIMAL(38,9), 5e-324::DOUBLE, '-inf'::DOUBLE,
   NULL, DATE '9999-12-31', TIMESTAMP '9999-12-31 23:59:59.999999', {'b': [NULL], 'a': NULL}, NULL, NULL),
  (4, NULL, NULL, NULL, NULL, -0.0::DOUBLE, 1.5e-7::DOUBLE, NULL, NULL, NULL, NULL, NULL, NULL)
) v(id, name, small, big, dec, num, edge, flag, day, ts, doc, bin, nothing)`;

// How the Source describes MODEL's columns: every ColumnType (the untyped NULL column is a string).
const EVERY_TYPE: ColumnType[] = ['integer', 'string', 'integer', 'integer', 'decimal', 'number', 'number', 'boolean', 'date', 'timestamp', 'json', 'binary', 'string'];

describe('fingerprint', () => {
  let dir: string;
  let file: string;
  let workspace: DuckDBInstance;
  let ws: DuckDBConnection;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-fingerprint-'));
    file = join(dir, 'model.duckdb');
    const setup = await DuckDBInstance.create(file);
    const c = await setup.connect();
    await c.run(MODEL);
    c.closeSync();
    setup.closeSync();
    workspace = await DuckDBInstance.create(':memory:');
    ws = await workspace.connect();
    for (const m of ROW_JSON_MACROS) await ws.run(m);
  });
  afterAll(async () => {
    ws.closeSync();
    workspace.closeSync();
    await rm(dir, { recursive: true, force: true });
  });

  async function sqlRows<T>(sql: string): Promise<T[]> {
    return (await ws.runAndReadAll(sql)).getRowObjectsJS() as T[];
  }

  it('is the same in JS (over the rows the DuckDB Source reads) and in SQL (over the query columns), row by row, for every column type', async () => {
    const sql = 'SELECT * FROM model ORDER BY id';
    const db = await openDuckdbDatabase(file);
    const columns = await db.query(sql).describe();
    const js: string[] = [];
    for await (const batch of db.query(sql).read()) for (const row of batch) js.push(fingerprint(row));
    expect(columns.map((c) => c.type)).toEqual(EVERY_TYPE);

    // The same query, read in the workspace as the planner reads it.
    const inWorkspace = await db.query(sql).planInWorkspace!(ws);
    await db.close();
    expect(inWorkspace).not.toBeNull();
    const { columns: types, release } = inWorkspace!;
    try {
      const expr = duckdbRowJsonSql(types, ['id'], (r) => r);
      expect(expr).not.toBeNull();
      const out = await sqlRows<{ fp: string; ok: boolean }>(
        `SELECT ${fingerprintSql(expr!.row)} AS fp, ${expr!.ok} AS ok FROM (${inWorkspace!.sql}) q(${types.map((_, i) => `c${i}`).join(', ')})`,
      );
      expect(out.map((r) => r.ok)).toEqual(js.map(() => true));
      expect(out.map((r) => r.fp)).toEqual(js);
    } finally {
      await release();
    }
  });

  it('is the same in JS and in SQL over the row text the workspace keeps (rows read through any Source)', async () => {
    const rows: Row[] = [
      { s: 'quote " backslash \\ 小林 😀 \u0001\n\u2028', i: 9007199254740991, big: '9007199254740993', d: '-0.05', n: Number.NaN, inf: -Infinity },
      { b: true, day: '2026-11-22', ts: '2026-11-22T09:00:00.000Z', j: { '2': [1, { x: null }], a: 'ü' }, bin: '3q2+7w==', none: null },
      // A driver's raw bigint is written as its decimal digits.
      { raw: 12345678901234567890n, empty: '', list: [] },
    ];
    await ws.run('CREATE OR REPLACE TEMP TABLE texts (n INTEGER, row VARCHAR)');
    const appender = await ws.createAppender('texts', 'main', 'temp');
    rows.forEach((r, n) => {
      appender.appendInteger(n);
      appender.appendVarchar(stringifyRow(r));
      appender.endRow();
    });
    appender.closeSync();
    const out = await sqlRows<{ fp: string }>(`SELECT ${fingerprintSql('row')} AS fp FROM temp.main.texts ORDER BY n`);
    expect(out.map((r) => r.fp)).toEqual(rows.map(fingerprint));
  });

  it('keeps the values the ledgers already hold (a change would resend every record)', () => {
    expect(fingerprint({
      id: 1, name: 'plain', big: '9007199254740993', dec: '12.50', n: 0.1, flag: true, day: '2026-11-22', ts: '2026-11-22T09:00:00.123Z',
      doc: { b: [1, 'x', null], a: { '2': 1, z: 'ü' } }, bin: '3q2+7w==', none: null,
    })).toBe('5e965e0ace58919b9b36d57303a4669d');
    expect(fingerprint({
      id: 2, name: 'quote " backslash \\ 小林 😀 \u0001\n', big: -9007199254740991, dec: '-0.05', n: null, flag: false, day: '0001-01-01',
      ts: '1969-12-31T23:59:59.999Z', doc: [], bin: '', none: null,
    })).toBe('a33502692fa20e9398ba75100ab0834a');
    expect(fingerprint({ id: '["1","a"]' })).toBe('e4c0a78be82d01350b6428b3427f6615');
  });
});
