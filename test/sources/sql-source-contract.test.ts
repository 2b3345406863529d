import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Row } from '../../src/rows/row.js';
import type { Source } from '../../src/sources/source.js';
import { engines, type ContractEngine, type EngineName } from './sql-engines.js';

// One contract, five engines: the same data read back as the same JS values (source.ts's mapping).

const bytes = (...b: number[]) => Buffer.from(b).toString('base64');

/** What every engine must yield for the contract rows. */
function expectedRows(engine: EngineName): Row[] {
  // BigQuery's NUMERIC carries no scale in query results: it prints 12.5, not 12.500000000.
  const decimal = (scale9: string, bigquery: string) => (engine === 'bigquery' ? bigquery : scale9);
  return [
    {
      id: 1,
      name: 'こんにちは 🎉 Ünïcödé',
      big: '9007199254740993',
      amount: decimal('12.500000000', '12.5'),
      ratio: 1.5,
      flag: true,
      day: '2026-11-22',
      ts: '2026-11-22T09:00:00.000Z',
      local_ts: '2026-11-22T18:00:00.000Z',
      doc: { a: 1, b: [1, 2, 'x'], c: { d: null } },
      bytes: bytes(0, 1, 255, 65),
    },
    {
      id: 2,
      name: "it's plain",
      big: '-9223372036854775808',
      amount: decimal('0.100000000', '0.1'),
      ratio: -0.25,
      flag: false,
      day: '1999-12-31',
      ts: '1999-12-31T23:59:59.123Z',
      local_ts: '1999-12-31T23:59:59.123Z',
      doc: [1, 'two', null, { k: true }],
      bytes: bytes(0x68, 0x69),
    },
    {
      id: 3,
      name: '',
      big: 42,
      amount: '12345678901234567890.123456789',
      ratio: 3.141592653589793,
      flag: true,
      day: '2000-02-29',
      ts: '2026-03-01T00:00:00.000Z',
      local_ts: '2026-03-01T00:00:00.000Z',
      doc: {},
      bytes: '',
    },
    { id: 4, name: null, big: null, amount: null, ratio: null, flag: null, day: null, ts: null, local_ts: null, doc: null, bytes: null },
  ];
}

const expectedTypes = [
  ['id', 'integer'],
  ['name', 'string'],
  ['big', 'integer'],
  ['amount', 'decimal'],
  ['ratio', 'number'],
  ['flag', 'boolean'],
  ['day', 'date'],
  ['ts', 'timestamp'],
  ['local_ts', 'timestamp'],
  ['doc', 'json'],
  ['bytes', 'binary'],
];

async function readAll(source: Source, batchSize?: number): Promise<Row[][]> {
  const batches: Row[][] = [];
  for await (const batch of source.read({ batchSize })) batches.push(batch);
  return batches;
}

describe.each(Object.keys(engines) as EngineName[])('%s source', (name) => {
  let engine: ContractEngine;
  beforeAll(async () => {
    engine = await engines[name]();
  });
  afterAll(async () => {
    await engine?.teardown();
  });

  it('reads NULLs, Unicode, big integers, decimals, floats, booleans, dates, zoned timestamps, JSON and binary as the shared JS values', async () => {
    const rows = (await readAll(engine.db.query(engine.contractSql))).flat();
    expect(rows).toEqual(expectedRows(name));
  });

  it('describes the columns without reading rows', async () => {
    const columns = await engine.db.query(engine.contractSql).describe();
    expect(columns.map((c) => [c.name, c.type])).toEqual(expectedTypes);
    for (const c of columns) expect(c.nativeType).not.toBe('');
  });

  it('yields batches of exactly batchSize rows, the last one shorter', async () => {
    const contract = engine.db.query(engine.contractSql);
    expect((await readAll(contract, 1)).map((b) => b.length)).toEqual([1, 1, 1, 1]);
    expect((await readAll(contract, 3)).map((b) => b.length)).toEqual([3, 1]);
    expect((await readAll(contract, 4)).map((b) => b.length)).toEqual([4]);
    const numbers = await readAll(engine.db.query(engine.numbersSql), 1000);
    expect(numbers.map((b) => b.length)).toEqual([1000, 1000, 500]);
    expect(numbers.flat().map((r) => r.n)).toEqual(Array.from({ length: 2500 }, (_, i) => i + 1));
  });

  it('yields one batch of 1000 by default', async () => {
    const batches = await readAll(engine.db.query(engine.numbersSql));
    expect(batches.map((b) => b.length)).toEqual([1000, 1000, 500]);
  });

  it('releases the cursor on an early break, and the connection reads again', async () => {
    let seen = 0;
    for await (const batch of engine.db.query(engine.numbersSql).read({ batchSize: 10 })) {
      seen += batch.length;
      break;
    }
    expect(seen).toBe(10);
    await engine.assertClean?.();
    const again = (await readAll(engine.db.query(engine.contractSql))).flat();
    expect(again.map((r) => r.id)).toEqual([1, 2, 3, 4]);
  });

  it('stops on an aborted signal with the abort reason, and the connection reads again', async () => {
    const controller = new AbortController();
    const batches: number[] = [];
    const reading = (async () => {
      for await (const batch of engine.db.query(engine.numbersSql).read({ batchSize: 100, signal: controller.signal })) {
        batches.push(batch.length);
        controller.abort();
      }
    })();
    await expect(reading).rejects.toMatchObject({ name: 'AbortError' });
    expect(batches).toEqual([100]);
    await engine.assertClean?.();
    await expect(readAll(engine.db.query(engine.contractSql))).resolves.toHaveLength(1);
  });

  it('refuses to start with a signal already aborted', async () => {
    const read = readAll({ describe: async () => [], read: (o) => engine.db.query(engine.contractSql).read({ ...o, signal: AbortSignal.abort() }) });
    await expect(read).rejects.toMatchObject({ name: 'AbortError' });
  });

  // SQLite runs in-process (nothing to interrupt between rows) and the simulator answers at once.
  it.runIf(['duckdb', 'postgres', 'mysql'].includes(name))('cancels a long-running query when the signal aborts', async () => {
    const started = Date.now();
    const read = engine.db.query(engine.slowSql!).read({ signal: AbortSignal.timeout(300) });
    await expect(readAll({ describe: async () => [], read: () => read })).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(Date.now() - started).toBeLessThan(5000);
    await engine.assertClean?.();
  });

  it('runs statements with execute and says what answered with test', async () => {
    await expect(engine.db.test()).resolves.toMatch(/^(DuckDB|SQLite|PostgreSQL|MariaDB|MySQL|BigQuery) /);
  });

  it('reports a bad query with the engine message', async () => {
    await expect(readAll(engine.db.query('SELECT * FROM no_such_table_xyz'))).rejects.toThrow(/no_such_table_xyz/);
  });
});
