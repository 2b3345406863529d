// The kintone built-in, as shipped, through the CLI: customers from SQLite upserted into the kintone simulator by
// their unique code, 100 a request, an invalid record isolated from its batch; a second run updates only what changed.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startKintoneSandbox, type KintoneSandbox } from '../../sandbox/kintone/kintone-sandbox.js';
import { runSluiceInProcess } from '../support/capture.js';
import { sluiceYaml } from '../support/sluice-yaml.js';
import { writeSqlite } from '../support/sqlite-file.js';

const TOKEN = 'sandbox-api-token';

describe('sluice sync run to kintone', () => {
  let dir: string;
  let kintone: KintoneSandbox;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-kintone-'));
    kintone = await startKintoneSandbox({ seed: { records: [{ code: 'C-000', name: 'Made in kintone' }] } });
    process.env.KINTONE_CLI_URL = kintone.url;
    process.env.KINTONE_CLI_TOKEN = TOKEN;
    const rows = Array.from({ length: 150 }, (_, i) => [`C-${String(i).padStart(3, '0')}`, `Customer ${i}`, i === 77 ? 'forty' : String(20 + (i % 50))]);
    writeSqlite(join(dir, 'model.db'), 'CREATE TABLE customers (code TEXT PRIMARY KEY, name TEXT, age TEXT)', { insert: 'INSERT INTO customers VALUES (?, ?, ?)', values: rows });
    await writeFile(
      join(dir, 'sluice.yaml'),
      sluiceYaml({
        connections: {
          model: '{ type: sqlite, path: model.db }',
          kintone: ['type: http', 'connector: kintone', 'base_url: "${env:KINTONE_CLI_URL}"', 'config: { subdomain: example, app: 1, update_key: code }', 'auth: { type: api_key, key: "${env:KINTONE_CLI_TOKEN}" }'],
        },
        syncs: {
          customers: { from: '{ connection: model, table: customers }', to: '{ connection: kintone, endpoint: upsert_records }', mode: 'upsert', key: 'code', more: ['on_error: { max_failed_rows: 1 }'] },
          mirrored: {
            from: '{ connection: model, sql: "SELECT code, name FROM customers WHERE code BETWEEN \'C-001\' AND \'C-004\'" }',
            to: '{ connection: kintone, endpoints: { create: add_records, update: update_records, delete: delete_records } }',
            mode: 'mirror',
            key: 'code',
          },
        },
      }),
    );
  });
  afterEach(async () => {
    delete process.env.KINTONE_CLI_URL;
    delete process.env.KINTONE_CLI_TOKEN;
    await kintone.close();
    await rm(dir, { recursive: true, force: true });
  });

  const sluice = (...args: string[]) => runSluiceInProcess(['--project', dir, ...args]);

  it('mirrors a table: adds with ids read back, updates by the kept id, deletes rows gone from the source', async () => {
    const first = await sluice('sync', 'run', 'mirrored');
    expect(first.code, first.out + first.err).toBe(0);
    const added = kintone.state.records.filter((r) => r.values.name?.startsWith('Customer'));
    expect(added.map((r) => r.values.code).sort()).toEqual(['C-001', 'C-002', 'C-003', 'C-004']);
    writeSqlite(join(dir, 'model.db'), "DELETE FROM customers WHERE code = 'C-002'; UPDATE customers SET name = 'Renamed' WHERE code = 'C-003'");
    const second = await sluice('sync', 'run', 'mirrored');
    expect(second.code, second.out + second.err).toBe(0);
    const codes = kintone.state.records.map((r) => [r.values.code, r.values.name]);
    expect(codes).toEqual([['C-000', 'Made in kintone'], ['C-001', 'Customer 1'], ['C-003', 'Renamed'], ['C-004', 'Customer 4']]);
    expect(kintone.requests().filter((r) => r.method === 'DELETE')).toHaveLength(1);
  });

  it('upserts 150 rows in batches of 100, isolates the invalid one, and sends only the changed row next time', async () => {
    const first = await sluice('sync', 'run', 'customers');
    expect(first.code, first.out + first.err).toBe(0);
    expect(first.out + first.err).toContain('delivered 149, failed 1');
    expect(first.out + first.err).not.toContain(TOKEN);
    const byCode = new Map(kintone.state.records.map((r) => [r.values.code, r]));
    expect(byCode.size).toBe(149);
    expect(byCode.get('C-000')!.values.name).toBe('Customer 0');
    expect(byCode.get('C-000')!.id).toBe('1');
    expect(byCode.has('C-077')).toBe(false);
    expect(byCode.get('C-149')!.values.age).toBe(String(20 + (149 % 50)));

    const rejected = await sluice('--json', 'sync', 'rejected', 'customers');
    const [row] = (JSON.parse(rejected.out) as { rejected: { key: string; error: string; request: string }[] }).rejected;
    expect(row).toMatchObject({ key: 'C-077', error: '400 Bad Request: CB_VA01: Missing or invalid input. records[0].record.age.value: Only numbers are allowed.' });
    expect(row!.request).toContain("-H 'X-Cybozu-API-Token: ****'");

    writeSqlite(join(dir, 'model.db'), "UPDATE customers SET name = 'Renamed', age = '30' WHERE code IN ('C-010', 'C-077')");
    const before = kintone.requests().length;
    const second = await sluice('sync', 'run', 'customers');
    expect(second.code, second.out + second.err).toBe(0);
    expect(second.out + second.err).toContain('delivered 2');
    expect(kintone.requests().slice(before).filter((r) => r.method === 'PUT')).toHaveLength(1);
    const after = new Map(kintone.state.records.map((r) => [r.values.code, r]));
    expect(after.get('C-010')!.values.name).toBe('Renamed');
    expect(after.get('C-010')!.revision).toBe('2');
    expect(after.get('C-077')!.values).toMatchObject({ name: 'Renamed', age: '30' });
  });
});
