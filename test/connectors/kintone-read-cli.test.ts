// The kintone built-in's records stream, as shipped, through the CLI: 12,000 records of the simulator read into a SQLite
// table. kintone pages inside its query language and refuses offsets past 10,000, so the read places the page in the
// query and, past 10,000 records, starts again from the last $id; every record arrives once, each field's value kept.
// A second run asks only from the kept $id.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKintoneSandbox, type KintoneSandbox } from '../../sandbox/kintone/kintone-sandbox.js';
import { runSluiceInProcess } from '../support/capture.js';
import { sluiceYaml } from '../support/sluice-yaml.js';
import { querySqlite } from '../support/sqlite-file.js';

const TOKEN = 'sandbox-api-token';
const COUNT = 12_000;

describe('sluice sync run from kintone records', () => {
  let dir: string;
  let kintone: KintoneSandbox;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-kintone-read-'));
    // No unique field: seeding 12,000 records stays quick (the simulator checks uniqueness record by record).
    kintone = await startKintoneSandbox({
      fields: { code: { type: 'SINGLE_LINE_TEXT' }, name: { type: 'SINGLE_LINE_TEXT' }, age: { type: 'NUMBER' } },
      seed: { records: Array.from({ length: COUNT }, (_, i) => ({ code: `C-${String(i + 1).padStart(5, '0')}`, name: i === 7 ? 'Grace "Amazing" Hopper' : `Customer ${i + 1}`, age: i % 10 === 0 ? '' : String(20 + (i % 50)) })) },
    });
    process.env.KINTONE_READ_URL = kintone.url;
    process.env.KINTONE_READ_TOKEN = TOKEN;
    await writeFile(
      join(dir, 'sluice.yaml'),
      sluiceYaml({
        connections: {
          model: '{ type: sqlite, path: model.db }',
          kintone: ['type: http', 'connector: kintone', 'base_url: "${env:KINTONE_READ_URL}"', 'config: { subdomain: example, app: 1 }', 'auth: { type: api_key, key: "${env:KINTONE_READ_TOKEN}" }'],
        },
        syncs: {
          kintone_records: { from: '{ connection: kintone, stream: records }', to: '{ connection: model, table: kintone_records }', mode: 'upsert', key: '$id' },
        },
      }),
    );
  }, 60_000);
  afterAll(async () => {
    delete process.env.KINTONE_READ_URL;
    delete process.env.KINTONE_READ_TOKEN;
    await kintone.close();
    await rm(dir, { recursive: true, force: true });
  });

  const sluice = (...args: string[]) => runSluiceInProcess(['--project', dir, ...args]);
  const table = () => querySqlite<{ $id: string; code: string; name: string; age: string | null }>(join(dir, 'model.db'), 'SELECT "$id", code, name, age FROM kintone_records ORDER BY CAST("$id" AS INTEGER)');

  it('reads 12,000 records past the 10,000 offset cap, each once, then only those added since', async () => {
    const first = await sluice('sync', 'run', 'kintone_records');
    expect(first.code, first.out + first.err).toBe(0);
    expect(first.out + first.err).not.toContain(TOKEN);
    const rows = table();
    expect(rows).toHaveLength(COUNT);
    expect(new Set(rows.map((r) => r.$id)).size).toBe(COUNT);
    expect(rows.map((r) => Number(r.$id))).toEqual(Array.from({ length: COUNT }, (_, i) => i + 1));
    expect(rows[0]).toEqual({ $id: '1', code: 'C-00001', name: 'Customer 1', age: null });
    expect(rows[7]).toEqual({ $id: '8', code: 'C-00008', name: 'Grace "Amazing" Hopper', age: '27' });
    expect(rows[COUNT - 1]).toMatchObject({ $id: '12000', code: 'C-12000' });

    // 20 pages of 500 from the first record, then paging starts again from the last $id read, its record left out.
    const queries = kintone.state.queries;
    expect(queries.slice(0, 2)).toEqual(['order by $id asc limit 500 offset 0', 'order by $id asc limit 500 offset 500']);
    expect(queries[19]).toBe('order by $id asc limit 500 offset 9500');
    expect(queries[20]).toBe('$id >= 10000 order by $id asc limit 500 offset 0');
    expect(queries).toHaveLength(25);
    const offsets = queries.map((q) => Number(/offset (\d+)/.exec(q)![1]));
    expect(Math.max(...offsets)).toBeLessThanOrEqual(10_000);

    const added = await fetch(`${kintone.url}/k/v1/records.json`, {
      method: 'POST',
      headers: { 'X-Cybozu-API-Token': TOKEN, 'Content-Type': 'application/json' },
      body: JSON.stringify({ app: 1, records: [{ code: { value: 'N-1' } }, { code: { value: 'N-2' }, age: { value: 33 } }] }),
    });
    expect(await added.json()).toMatchObject({ ids: ['12001', '12002'] });
    const before = queries.length;
    const second = await sluice('sync', 'run', 'kintone_records');
    expect(second.code, second.out + second.err).toBe(0);
    expect(kintone.state.queries.slice(before)).toEqual(['$id >= 12000 order by $id asc limit 500 offset 0']);
    const after = table();
    expect(after).toHaveLength(COUNT + 2);
    expect(after.slice(-2)).toEqual([{ $id: '12001', code: 'N-1', name: '', age: null }, { $id: '12002', code: 'N-2', name: '', age: '33' }]);
  }, 120_000);

  it('passes its test cases offline', async () => {
    const result = await runSluiceInProcess(['connector', 'test', join(process.cwd(), 'connectors', 'kintone.yaml'), '--cases']);
    expect(result.code, result.out + result.err).toBe(0);
    expect(result.out).toContain('a later run asks from the kept $id inside the query');
  });
});
