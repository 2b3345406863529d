import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Destination } from '../../src/destinations/destination.js';
import type { DeliveryItem } from '../../src/rows/delivery-item.js';
import { mysqlDateTime } from '../../src/databases/mysql/mysql-date-time.js';
import { openTableDestination } from '../../src/destinations/open-table-destination.js';
import type { Column, Row } from '../../src/rows/row.js';
import { MYSQL_URL } from './table-harness.js';
import { writeBatch } from '../../src/sync/write-batch.js';

const upserts = (rows: Row[]): DeliveryItem[] => rows.map((row) => ({ key: String(row.code), operation: 'upsert', row, remoteId: null }));

describe('MySQL/MariaDB table destination', () => {
  const table = `sluice_mydest_${randomBytes(4).toString('hex')}`;
  let conn: mysql.Connection;
  let d: Destination;
  const columns: Column[] = [
    { name: 'code', type: 'string', nativeType: 'text' },
    { name: 'seen_at', type: 'timestamp', nativeType: 'timestamptz' },
  ];
  beforeAll(async () => {
    conn = await mysql.createConnection({ uri: MYSQL_URL, dateStrings: true });
    d = await openTableDestination({ connection: { type: 'mysql', url: MYSQL_URL }, table, key: ['code'], columns, projectDir: '/' });
  });
  afterAll(async () => {
    await d.close();
    await conn.query(`DROP TABLE IF EXISTS \`${table}\``);
    await conn.end();
  });

  it('keeps keys that differ only in case apart, stores timestamps in UTC with microseconds, and refuses a key too long instead of truncating it', async () => {
    const results = await writeBatch(
      d,
      upserts([
        { code: 'abc', seen_at: '2026-11-22T09:00:00.123456Z' },
        { code: 'ABC', seen_at: '2026-11-22T18:00:00+09:00' },
        { code: 'k'.repeat(300), seen_at: null },
      ]),
    );
    expect(results.map((r) => r.ok)).toEqual([true, true, false]);
    expect(results[2]!.error).toMatch(/^Data too long for column 'code' at row 1$/);
    const [rows] = await conn.query<mysql.RowDataPacket[]>(`SELECT code, seen_at FROM \`${table}\` ORDER BY code`);
    expect(rows.map((r) => [r.code, r.seen_at])).toEqual([
      ['ABC', '2026-11-22 09:00:00.000000'],
      ['abc', '2026-11-22 09:00:00.123456'],
    ]);
  });

  it('converts ISO-8601 timestamps to DATETIME text in UTC', () => {
    expect(mysqlDateTime('2026-11-22T09:00:00Z')).toBe('2026-11-22 09:00:00');
    expect(mysqlDateTime('2026-11-22T09:00:00.5+0900')).toBe('2026-11-22 00:00:00.5');
    expect(mysqlDateTime('2026-01-01T00:30:00-01:00')).toBe('2026-01-01 01:30:00');
  });
});
