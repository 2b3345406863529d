import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Destination } from '../../src/destinations/destination.js';
import { FatalDeliveryError, type DeliveryItem, type DeliveryOperation } from '../../src/rows/delivery-item.js';
import { openTableDestination } from '../../src/destinations/open-table-destination.js';
import type { LoadMode } from '../../src/destinations/table-destination.js';
import type { Column, ColumnType, Row } from '../../src/rows/row.js';
import { harnesses, type TableHarness } from './table-harness.js';
import { writeBatch } from '../../src/sync/write-batch.js';

const col = (name: string, type: ColumnType, nativeType: string = type): Column => ({ name, type, nativeType });

/** Every source type once; native types as a PostgreSQL source would report them. */
const ALL_TYPES: Column[] = [
  col('id', 'integer', 'int8'),
  col('name', 'string', 'text'),
  col('price', 'decimal', 'numeric'),
  col('big', 'integer', 'int8'),
  col('ratio', 'number', 'float8'),
  col('active', 'boolean', 'bool'),
  col('born', 'date', 'date'),
  col('seen_at', 'timestamp', 'timestamptz'),
  col('doc', 'json', 'jsonb'),
  col('raw', 'binary', 'bytea'),
];
const ID_NAME: Column[] = [col('id', 'integer', 'int8'), col('name', 'string', 'text')];

/** The column types each engine gets for ALL_TYPES (the documented mapping). */
const CREATED_TYPES: Record<TableHarness['engine'], string[]> = {
  postgres: ['bigint', 'text', 'numeric', 'bigint', 'double precision', 'boolean', 'date', 'timestamp with time zone', 'jsonb', 'bytea'],
  // MariaDB spells JSON as longtext (with a json_valid check).
  mysql: ['bigint(20)', 'longtext', 'decimal(65,30)', 'bigint(20)', 'double', 'tinyint(1)', 'date', 'datetime(6)', 'longtext', 'longblob'],
  sqlite: ['INTEGER', 'TEXT', 'TEXT', 'INTEGER', 'REAL', 'BOOLEAN', 'DATE', 'TIMESTAMP', 'TEXT', 'BLOB'],
  duckdb: ['BIGINT', 'VARCHAR', 'DECIMAL(38,10)', 'BIGINT', 'DOUBLE', 'BOOLEAN', 'DATE', 'TIMESTAMP WITH TIME ZONE', 'JSON', 'BLOB'],
};

const DUPLICATE_KEY: Record<TableHarness['engine'], RegExp> = {
  postgres: /^duplicate key value violates unique constraint ".*": Key \(id\)=\(2\) already exists\.$/,
  mysql: /^Duplicate entry '2' for key 'PRIMARY'$/,
  sqlite: /^UNIQUE constraint failed: .*\.id$/,
  duckdb: /^Constraint Error: Duplicate key "id: 2" violates primary key constraint/,
};

const items = (operation: DeliveryOperation, rows: Row[]): DeliveryItem[] =>
  rows.map((row) => ({ key: String(row.id), operation, row, remoteId: null }));

/** A decimal's digits without padding zeros, so 12.50, 12.5000000000 and 12.500…0 compare equal. */
function canonicalDecimal(s: string): string {
  let [int = '', frac = ''] = s.replace(/^\+/, '').split('.');
  const negative = int.startsWith('-');
  int = int.replace(/^-/, '').replace(/^0+(?=\d)/, '');
  frac = frac.replace(/0+$/, '');
  return `${negative ? '-' : ''}${int}${frac ? `.${frac}` : ''}`;
}

/** A value as the bare driver returned it, brought to the shared mapping's form for comparison. */
function normalize(type: ColumnType, v: unknown, jsonParsed = false): unknown {
  if (v === null || v === undefined) return null;
  switch (type) {
    case 'integer':
      return String(v);
    case 'decimal':
      return canonicalDecimal(String(v));
    case 'number':
      return Number(v);
    case 'boolean':
      return v === true || v === 1 || v === 1n || v === '1';
    case 'date':
      return String(v).slice(0, 10);
    case 'timestamp':
      return v instanceof Date
        ? v.toISOString()
        : new Date(
            String(v)
              .replace(' ', 'T')
              .replace(/(Z|\+00(:00)?)?$/, 'Z'),
          ).toISOString();
    case 'json':
      return typeof v === 'string' && !jsonParsed ? JSON.parse(v) : v;
    case 'binary':
      return v instanceof Uint8Array ? Buffer.from(v).toString('base64') : String(v).replace(/\s/g, '');
    default:
      return v;
  }
}

const SAMPLE: Row[] = [
  {
    id: 1,
    name: 'Alice',
    price: '12.50',
    big: '9007199254740993',
    ratio: 0.1,
    active: true,
    born: '1990-02-03',
    seen_at: '2026-11-22T09:00:00.123Z',
    doc: { tags: ['a', 'ü', '日本'], n: 1, nested: { ok: true, none: null } },
    raw: Buffer.from([0, 1, 2, 255, 9, 10]).toString('base64'),
  },
  {
    id: 2,
    name: '',
    price: '12345678901234567890.123456789',
    big: '-9223372036854775808',
    ratio: -1.5e10,
    active: false,
    born: '2024-02-29',
    seen_at: '1970-01-01T00:00:00.000Z',
    doc: [1, 'two', null, { three: 3 }],
    raw: '',
  },
  { id: 3, name: null, price: null, big: null, ratio: null, active: null, born: null, seen_at: null, doc: 'just a JSON string', raw: null },
  { id: 4, name: 'x', price: '-0.000001', big: 0, ratio: 0, active: true, born: '2000-01-01', seen_at: '2000-01-01T23:59:59.999Z', doc: null, raw: null },
];

const NASTY: (string | null)[] = [
  'tab\there',
  'line\nbreak',
  'crlf\r\nend',
  'back\\slash',
  '\\N',
  'N',
  '\\\\N',
  '\\.',
  'ends with backslash\\',
  `it's "quoted"`,
  '絵文字 🎉👩‍👩‍👧',
  '日本語のテキスト、改行\nあり',
  '  leading and trailing  ',
  '',
  null,
  'ctrl\u0001\u001f chars',
  '\u2028\u2029',
  'long '.repeat(20000),
];

describe.each(Object.keys(harnesses) as TableHarness['engine'][])('table destination contract: %s', (engine) => {
  let h: TableHarness;
  const open: Destination[] = [];
  beforeAll(async () => {
    h = await harnesses[engine]();
  });
  afterAll(async () => {
    for (const d of open) await d.close().catch(() => undefined);
    await h?.close();
  });

  const destination = async (table: string, columns: Column[], loadMode?: LoadMode, key: string[] = ['id']) => {
    const d = await openTableDestination({ connection: h.connection, table: h.table(table), key, columns, projectDir: '/', loadMode });
    open.push(d);
    return d;
  };
  const closeAll = async () => {
    while (open.length) await open.pop()!.close();
  };
  const ids = async (table: string) => (await h.query(`SELECT id FROM ${h.sql(table)} ORDER BY id`)).map((r) => Number(r.id));
  const names = async (table: string) =>
    (await h.query(`SELECT id, name FROM ${h.sql(table)} ORDER BY id`)).map((r) => [Number(r.id), r.name]);

  it('creates a missing table from the source column types, with the key as primary key', async () => {
    const d = await destination('created', ALL_TYPES);
    const results = await d.write(items('upsert', SAMPLE.slice(0, 1)));
    expect(results).toEqual([{ key: '1', ok: true, remoteId: '1' }]);
    const types = await h.columnTypes('created');
    expect(ALL_TYPES.map((c) => types[c.name])).toEqual(CREATED_TYPES[engine]);
    await closeAll();
  });

  it('lands every type as the shared mapping says: big integers, exact decimals, JSON, binary, NULL', async () => {
    const d = await destination('values', ALL_TYPES);
    const results = await d.write(items('upsert', SAMPLE));
    expect(results.map((r) => r.ok)).toEqual([true, true, true, true]);
    const raw = h.base64('raw');
    const rows = await h.query(
      `SELECT id, name, price, big, ratio, active, born, seen_at, doc, ${raw ?? 'raw'} AS raw FROM ${h.sql('values')} ORDER BY id`,
    );
    const got = rows.map((r) => Object.fromEntries(ALL_TYPES.map((c) => [c.name, normalize(c.type, r[c.name], h.jsonParsed)])));
    // JSON goes in as JS values, so the expected side is the value itself.
    const want = SAMPLE.map((r) => Object.fromEntries(ALL_TYPES.map((c) => [c.name, c.type === 'json' ? r[c.name] : normalize(c.type, r[c.name])])));
    expect(got).toEqual(want);
    await closeAll();
  });

  it('lands nasty strings byte for byte and keeps NULL apart from the empty string', async () => {
    const d = await destination('nasty', ID_NAME);
    const rows = NASTY.map((name, i) => ({ id: i + 1, name }));
    const results = await d.write(items('upsert', rows));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(await names('nasty')).toEqual(rows.map((r) => [r.id, r.name]));
    await closeAll();
  });

  it('upsert inserts new keys and updates existing ones', async () => {
    const d = await destination('upsert', ID_NAME);
    await d.write(items('upsert', [{ id: 1, name: 'one' }, { id: 2, name: 'two' }]));
    const results = await d.write(items('upsert', [{ id: 2, name: 'TWO' }, { id: 3, name: 'three' }]));
    expect(results).toEqual([
      { key: '2', ok: true, remoteId: '2' },
      { key: '3', ok: true, remoteId: '3' },
    ]);
    expect(await names('upsert')).toEqual([[1, 'one'], [2, 'TWO'], [3, 'three']]);
    await closeAll();
  });

  it('insert mode: a duplicate key fails that row alone, with the database message and the SQL, and its neighbours land', async () => {
    const d = await destination('insert', ID_NAME, 'insert');
    await d.write(items('create', [{ id: 2, name: 'first' }]));
    const batch = [1, 2, 3, 4, 5, 6, 7].map((id) => ({ id, name: `n${id}` }));
    const results = await writeBatch(d, items('create', batch));
    expect(results.filter((r) => r.ok).map((r) => r.key)).toEqual(['1', '3', '4', '5', '6', '7']);
    const bad = results[1]!;
    expect(bad.ok).toBe(false);
    expect(bad.error).toMatch(DUPLICATE_KEY[engine]);
    expect(bad.request).toMatch(engine === 'postgres' ? /^COPY .*"insert" \("id", "name"\) FROM STDIN;$/ : /^INSERT INTO /m);
    expect(bad.request).not.toMatch(/first|n2/);
    expect(await names('insert')).toEqual([[1, 'n1'], [2, 'first'], [3, 'n3'], [4, 'n4'], [5, 'n5'], [6, 'n6'], [7, 'n7']]);
    await closeAll();
  });

  it('update changes existing rows and fails a key that has no row', async () => {
    const d = await destination('update', ID_NAME);
    await d.write(items('upsert', [{ id: 1, name: 'one' }, { id: 2, name: 'two' }]));
    const results = await d.write(items('update', [{ id: 1, name: 'ONE' }, { id: 99, name: 'ghost' }]));
    expect(results[0]).toEqual({ key: '1', ok: true, remoteId: '1' });
    expect(results[1]).toMatchObject({ key: '99', ok: false, error: `no row in ${h.table('update')} has id = 99` });
    expect(await names('update')).toEqual([[1, 'ONE'], [2, 'two']]);
    await closeAll();
  });

  it('delete removes rows by key; a key already gone is fine', async () => {
    const d = await destination('delete', ID_NAME);
    await d.write(items('upsert', [{ id: 1, name: 'one' }, { id: 2, name: 'two' }, { id: 3, name: 'three' }]));
    const results = await d.write(items('delete', [{ id: 1, name: 'one' }, { id: 3, name: null }, { id: 42, name: null }]));
    expect(results.map((r) => r.ok)).toEqual([true, true, true]);
    expect(await ids('delete')).toEqual([2]);
    await closeAll();
  });

  it('merge mode inserts and updates by key', async () => {
    const d = await destination('merge', ID_NAME, 'merge');
    await d.write(items('create', [{ id: 1, name: 'one' }]));
    const results = await d.write(items('upsert', [{ id: 1, name: 'ONE' }, { id: 5, name: 'five' }]));
    expect(results.map((r) => r.ok)).toEqual([true, true]);
    const updated = await d.write(items('update', [{ id: 5, name: 'FIVE' }, { id: 6, name: 'six' }]));
    expect(updated.map((r) => r.ok)).toEqual([true, false]);
    expect(await names('merge')).toEqual([[1, 'ONE'], [5, 'FIVE']]);
    await closeAll();
  });

  it('replace mode empties the table at its first write, and an empty refresh empties it too', async () => {
    const first = await destination('replace', ID_NAME);
    await first.write(items('upsert', [{ id: 1, name: 'old' }, { id: 2, name: 'old' }]));
    const refresh = await destination('replace', ID_NAME, 'replace');
    await refresh.write(items('create', [{ id: 7, name: 'new' }]));
    await refresh.write(items('create', [{ id: 8, name: 'new' }]));
    expect(await names('replace')).toEqual([[7, 'new'], [8, 'new']]);
    const empty = await destination('replace', ID_NAME, 'replace');
    expect(await empty.write([])).toEqual([]);
    expect(await ids('replace')).toEqual([]);
    await closeAll();
  });

  it('adds a new source column with ALTER TABLE ADD COLUMN', async () => {
    const d = await destination('evolve', ID_NAME);
    await d.write(items('upsert', [{ id: 1, name: 'one' }]));
    await closeAll();
    const wider = await destination('evolve', [...ID_NAME, col('score', 'decimal', 'numeric'), col('tags', 'json', 'jsonb')]);
    const results = await wider.write(items('upsert', [{ id: 2, name: 'two', score: '98.60', tags: ['x'] }]));
    expect(results.map((r) => r.ok)).toEqual([true]);
    const rows = await h.query(`SELECT id, name, score, tags FROM ${h.sql('evolve')} ORDER BY id`);
    expect(rows.map((r) => [Number(r.id), r.name, normalize('decimal', r.score), normalize('json', r.tags, h.jsonParsed)])).toEqual([
      [1, 'one', null, null],
      [2, 'two', '98.6', ['x']],
    ]);
    await closeAll();
  });

  it('refuses a type conflict before writing anything, naming the table, column and both types', async () => {
    const d = await destination('conflict', [...ID_NAME, col('score', 'integer', 'int8')]);
    await d.write(items('upsert', [{ id: 1, name: 'one', score: 10 }]));
    await closeAll();
    const columns = [...ID_NAME, col('score', 'string', 'text'), col('extra', 'string', 'text')];
    const wrong = await destination('conflict', columns);
    const scoreType = (await h.columnTypes('conflict')).score;
    const error = await wrong.write(items('upsert', [{ id: 2, name: 'two', score: 'high', extra: 'e' }])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FatalDeliveryError);
    expect((error as Error).message).toBe(
      `table ${h.table('conflict')}, column score: the table's type ${scoreType} cannot hold the source type string (text) without loss; ` +
        'change the column\'s type or map another column',
    );
    expect(await ids('conflict')).toEqual([1]);
    expect(Object.keys(await h.columnTypes('conflict')).sort()).toEqual(['id', 'name', 'score']);
    await closeAll();
  });

  it('previews the CREATE TABLE and the batch SQL with a row count, creating nothing', async () => {
    const d = await destination('previewed', ID_NAME);
    const [request, ...rest] = await d.preview(items('upsert', [{ id: 1, name: 'secret-ish value' }, { id: 2, name: 'b' }]));
    expect(rest).toEqual([]);
    expect(request!.operation).toBe('upsert');
    expect(request!.keys).toEqual(['1', '2']);
    expect(request!.text).toMatch(/^CREATE TABLE .*previewed.* \(.*PRIMARY KEY/m);
    expect(request!.text).toMatch(/-- 2 rows$/);
    expect(request!.text).not.toContain('secret-ish value');
    expect(await h.columnTypes('previewed')).toEqual({});
    await closeAll();
  });

  it('rejects a row whose key is NULL without sending it', async () => {
    const d = await destination('nullkey', ID_NAME);
    const results = await d.write([
      { key: '1', operation: 'upsert', row: { id: 1, name: 'ok' }, remoteId: null },
      { key: '', operation: 'upsert', row: { id: null, name: 'no key' }, remoteId: null },
    ]);
    expect(results[0]!.ok).toBe(true);
    expect(results[1]).toMatchObject({ ok: false, error: 'key column id is null' });
    expect(await ids('nullkey')).toEqual([1]);
    await closeAll();
  });

  it('stores NaN and Infinity where the engine can, and elsewhere rejects that row alone, unsent, naming the column', async () => {
    const d = await destination('nonfinite', [col('id', 'integer', 'int8'), col('ratio', 'number', 'float8'), col('label', 'string', 'text')]);
    const results = await d.write(
      items('upsert', [
        { id: 1, ratio: 0.5, label: 'fine' },
        { id: 2, ratio: Number.NaN, label: 'nan' },
        { id: 3, ratio: 1, label: 'fine too' },
        { id: 4, ratio: Number.POSITIVE_INFINITY, label: 'infinite' },
      ]),
    );
    if (engine === 'postgres' || engine === 'duckdb') {
      expect(results.every((r) => r.ok)).toBe(true);
      expect(await ids('nonfinite')).toEqual([1, 2, 3, 4]);
    } else {
      const type = engine === 'mysql' ? 'double' : 'REAL';
      expect(results.map((r) => (r.ok ? 'ok' : r.error))).toEqual([
        'ok',
        `column ratio: NaN cannot be stored in a ${engine === 'mysql' ? 'MySQL' : 'SQLite'} ${type} column`,
        'ok',
        `column ratio: Infinity cannot be stored in a ${engine === 'mysql' ? 'MySQL' : 'SQLite'} ${type} column`,
      ]);
      expect(await ids('nonfinite')).toEqual([1, 3]);
    }
    await closeAll();
  });

  it('without source columns (a read that returned no records) deletes by key through the table own columns, and creates no table', async () => {
    const first = await destination('no_columns', ID_NAME);
    await first.write(items('upsert', [{ id: 1, name: 'one' }, { id: 2, name: 'two' }]));
    const empty = await destination('no_columns', []);
    expect(await empty.write([])).toEqual([]);
    expect(await empty.write(items('delete', [{ id: '2' }]))).toEqual([{ key: '2', ok: true, remoteId: '2' }]);
    expect(await names('no_columns')).toEqual([[1, 'one']]);

    const missing = await destination('no_columns_missing', []);
    expect(await missing.preview([])).toEqual([]);
    expect(await missing.write([])).toEqual([]);
    expect(await missing.write(items('delete', [{ id: '9' }]))).toEqual([{ key: '9', ok: true, remoteId: null }]);
    expect(await h.columnTypes('no_columns_missing')).toEqual({});

    const wrongKey = await destination('no_columns', [], undefined, ['code']);
    await expect(wrongKey.write([])).rejects.toThrow(
      `table ${h.table('no_columns')}: key column code is not a column of the table (the read returned no records) (columns: id, name)`,
    );
    await closeAll();
  });

  it('supports every operation with a key, and only create without one', async () => {
    const keyed = await destination('caps', ID_NAME);
    expect((['create', 'update', 'upsert', 'delete', 'lookup'] as const).map((op) => keyed.supports(op))).toEqual([true, true, true, true, false]);
    expect(keyed.concurrency).toBe(1);
    const appendOnly = await destination('caps_append', ID_NAME, undefined, []);
    expect((['create', 'update', 'upsert', 'delete'] as const).map((op) => appendOnly.supports(op))).toEqual([true, false, false, false]);
    const results = await appendOnly.write(items('create', [{ id: 1, name: 'a' }, { id: 1, name: 'a' }]));
    expect(results).toEqual([
      { key: '1', ok: true, remoteId: null },
      { key: '1', ok: true, remoteId: null },
    ]);
    expect(await ids('caps_append')).toEqual([1, 1]);
    await closeAll();
  });
});
