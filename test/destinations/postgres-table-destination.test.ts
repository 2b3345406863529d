import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Destination } from '../../src/destinations/destination.js';
import { FatalDeliveryError, type DeliveryItem } from '../../src/rows/delivery-item.js';
import { openTableDestination } from '../../src/destinations/open-table-destination.js';
import type { LoadMode } from '../../src/destinations/table-destination.js';
import type { Column, Row } from '../../src/rows/row.js';
import { PG_URL } from './table-harness.js';
import { writeBatch } from '../../src/sync/write-batch.js';

const ID_NAME: Column[] = [
  { name: 'id', type: 'integer', nativeType: 'int8' },
  { name: 'name', type: 'string', nativeType: 'text' },
];
const upserts = (rows: Row[]): DeliveryItem[] => rows.map((row) => ({ key: String(row.id), operation: 'upsert', row, remoteId: null }));

describe('PostgreSQL table destination', () => {
  const schema = `sluice_pgdest_${randomBytes(4).toString('hex')}`;
  const client = new pg.Client({ connectionString: PG_URL });
  const opened: Destination[] = [];
  const open = async (table: string, columns: Column[], loadMode?: LoadMode) => {
    const d = await openTableDestination({ connection: { type: 'postgres', url: PG_URL }, table, key: ['id'], columns, projectDir: '/', loadMode });
    opened.push(d);
    return d;
  };
  beforeAll(async () => {
    await client.connect();
    await client.query(`CREATE SCHEMA ${schema}`);
  });
  afterAll(async () => {
    for (const d of opened) await d.close();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.query(`DROP SCHEMA IF EXISTS ${schema}_new CASCADE`);
    await client.end();
  });

  it('creates a missing schema, then the table in it', async () => {
    const d = await open(`${schema}_new.leads`, ID_NAME);
    expect(await d.write(upserts([{ id: 1, name: 'a' }]))).toEqual([{ key: '1', ok: true, remoteId: '1' }]);
    const { rows } = await client.query(`SELECT id, name FROM ${schema}_new.leads`);
    expect(rows).toEqual([{ id: '1', name: 'a' }]);
  });

  it('runs MERGE in merge mode', async () => {
    const d = await open(`${schema}.merged`, ID_NAME, 'merge');
    const [request] = await d.preview(upserts([{ id: 1, name: 'a' }]));
    expect(request!.text).toContain(`MERGE INTO "${schema}"."merged" AS t USING pg_temp."sluice_stage_1" AS s ON t."id" = s."id"`);
    await d.write(upserts([{ id: 1, name: 'a' }]));
    await d.write(upserts([{ id: 1, name: 'b' }, { id: 2, name: 'c' }]));
    const { rows } = await client.query(`SELECT id::int, name FROM ${schema}.merged ORDER BY id`);
    expect(rows).toEqual([{ id: 1, name: 'b' }, { id: 2, name: 'c' }]);
  });

  it('rejects a decimal the column would round, before sending it', async () => {
    await client.query(`CREATE TABLE ${schema}.prices (id bigint PRIMARY KEY, price numeric(5,2))`);
    const d = await open(`${schema}.prices`, [ID_NAME[0]!, { name: 'price', type: 'decimal', nativeType: 'numeric' }]);
    const results = await d.write(upserts([{ id: 1, price: '123.40' }, { id: 2, price: '1.239' }, { id: 3, price: '1234.5' }]));
    expect(results.map((r) => r.error ?? 'ok')).toEqual([
      'ok',
      'column price: 1.239 does not fit numeric(5,2) exactly (it would be rounded or overflow)',
      'column price: 1234.5 does not fit numeric(5,2) exactly (it would be rounded or overflow)',
    ]);
    const { rows } = await client.query(`SELECT id::int, price FROM ${schema}.prices`);
    expect(rows).toEqual([{ id: 1, price: '123.40' }]);
  });

  it('refuses to upsert into a table without a unique key on the sync key', async () => {
    await client.query(`CREATE TABLE ${schema}.nokey (id bigint, name text)`);
    const d = await open(`${schema}.nokey`, ID_NAME);
    const error = await d.write(upserts([{ id: 1, name: 'a' }])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FatalDeliveryError);
    expect((error as Error).message).toBe(
      `table ${schema}.nokey has no primary key or unique index on (id); upsert needs one: add it, or use loadMode merge or insert`,
    );
  });

  it('isolates the one row a CHECK constraint refuses in a 5000-row batch; the other 4999 land', async () => {
    await client.query(`CREATE TABLE ${schema}.checked (id bigint PRIMARY KEY, name text CONSTRAINT name_not_bad CHECK (name <> 'bad'))`);
    const d = await open(`${schema}.checked`, ID_NAME);
    const rows = Array.from({ length: 5000 }, (_, i) => ({ id: i + 1, name: i === 2500 ? 'bad' : `row ${i + 1} ${'x'.repeat(40)}` }));
    const results = await writeBatch(d, upserts(rows));
    const failed = results.filter((r) => !r.ok);
    expect(failed).toHaveLength(1);
    expect(failed[0]!.key).toBe('2501');
    expect(failed[0]!.error).toMatch(/^new row for relation "checked" violates check constraint "name_not_bad": Failing row contains \(2501, bad\)\.$/);
    const { rows: count } = await client.query(`SELECT count(*)::int AS n FROM ${schema}.checked`);
    expect(count[0].n).toBe(4999);
  });

  it('updates existing keys after a batch of new ones (COPY straight in, then staging with ON CONFLICT)', async () => {
    const d = await open(`${schema}.mixed`, ID_NAME);
    await d.write(upserts([{ id: 1, name: 'one' }, { id: 2, name: 'two' }]));
    await d.write(upserts([{ id: 2, name: 'TWO' }, { id: 3, name: 'three' }]));
    await d.write(upserts([{ id: 4, name: 'four' }]));
    const { rows } = await client.query(`SELECT id::int, name FROM ${schema}.mixed ORDER BY id`);
    expect(rows).toEqual([{ id: 1, name: 'one' }, { id: 2, name: 'TWO' }, { id: 3, name: 'three' }, { id: 4, name: 'four' }]);
  });
});
