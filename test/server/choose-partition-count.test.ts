import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { loadProject, type LoadedProject } from '../../src/config/load-project.js';
import { openProjectStore } from '../../src/state/open-project-store.js';
import type { StateStore } from '../../src/state/state-store.js';
import { AUTO_MAX_PARTITIONS, choosePartitionCount, partitionRows } from '../../src/sync/choose-partition-count.js';
import { runSync } from '../../src/sync/run-sync.js';
import { closeAfterEachTest } from '../support/close-after-each-test.js';

// The rule `partitions: auto` splits a run by, on a real project: a SQLite table copied into another, SQLite state.
const closeLater = closeAfterEachTest();

async function project(rows: number): Promise<{ loaded: LoadedProject; store: StateStore; write(ids: number[]): void }> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-auto-partitions-'));
  closeLater(() => rm(dir, { recursive: true, force: true }));
  const write = (ids: number[]) => {
    const db = new Database(join(dir, 'shop.db'));
    db.exec('DROP TABLE IF EXISTS orders; CREATE TABLE orders (id INTEGER PRIMARY KEY, note TEXT)');
    const insert = db.prepare('INSERT INTO orders (id, note) VALUES (?, ?)');
    db.transaction(() => ids.forEach((id) => insert.run(id, `order ${id}`)))();
    db.close();
  };
  write(Array.from({ length: rows }, (_, i) => i + 1));
  await writeFile(join(dir, 'sluice.yaml'), `version: 1
connections:
  shop: { type: sqlite, path: shop.db }
syncs:
  orders:
    from: { connection: shop, sql: "SELECT id, note FROM orders ORDER BY id" }
    to: { connection: shop, table: copied }
    mode: upsert
    key: id
    partitions: auto
`);
  const loaded = await loadProject({ project: dir });
  const store = await openProjectStore(loaded.file);
  closeLater(() => store.close());
  return { loaded, store, write };
}

const choose = (p: { loaded: LoadedProject; store: StateStore }, workers: number, rowsPerPartition = 100) =>
  choosePartitionCount({ ...p, sync: 'orders', run: { id: 'run_choice', startedAt: new Date().toISOString() }, workers, rowsPerPartition });

describe('partitions: auto', () => {
  it('gives one partition per so many rows to send, at most one per live worker and at most 8; a small run, or one worker, stays one job', async () => {
    const p = await project(5000);
    // 5000 rows to send at 100 a partition would be 50: as many as the live workers allow, never above 8. The plan
    // stops reading once it counted enough to fill them (it reads 1000 rows at a time).
    expect(await choose(p, 3)).toEqual({ of: 3, rows: 1000, why: 'at least 1000 rows to send, 100 a partition' });
    expect(await choose(p, 20)).toEqual({ of: AUTO_MAX_PARTITIONS, rows: 1000, why: 'at least 1000 rows to send, 100 a partition' });
    expect(await choose(p, 20, 1000)).toEqual({ of: 5, rows: 5000, why: '5000 rows to send, 1000 a partition' });
    expect(await choose(p, 20, 5000)).toEqual({ of: 1, rows: 5000, why: '5000 rows to send, 5000 a partition' });
    // One worker: nothing to split over, and nothing read to find out.
    expect(await choose(p, 1)).toEqual({ of: 1, rows: 0, why: 'one worker is live' });
    expect(await choose(p, 0)).toEqual({ of: 1, rows: 0, why: 'no worker is live' });

    // Once delivered, only what changed counts: none makes one job, 150 new rows make 2 partitions.
    expect(await runSync({ loaded: p.loaded, store: p.store, sync: 'orders', trigger: 'test' })).toMatchObject({ delivered: 5000, failed: 0 });
    expect(await choose(p, 20)).toEqual({ of: 1, rows: 0, why: '0 rows to send, 100 a partition' });
    p.write(Array.from({ length: 5150 }, (_, i) => i + 1));
    expect(await choose(p, 20)).toEqual({ of: 2, rows: 150, why: '150 rows to send, 100 a partition' });
    // The choice records nothing: the ledger still holds the 5000 delivered, and no run was made.
    expect((await p.store.listLedger('orders', { limit: 6000 })).length).toBe(5000);
    expect(await p.store.getRun('run_choice')).toBeNull();
  });

  it('reads SLUICE_PARTITION_ROWS, 50,000 by default, and refuses anything but a whole number of rows from 1 to 100,000,000', () => {
    expect(partitionRows({})).toBe(50_000);
    expect(partitionRows({ SLUICE_PARTITION_ROWS: '' })).toBe(50_000);
    expect(partitionRows({ SLUICE_PARTITION_ROWS: '1' })).toBe(1);
    expect(partitionRows({ SLUICE_PARTITION_ROWS: '100000000' })).toBe(100_000_000);
    for (const hostile of ['0', '100000001', '-1', '2.5', '1e5', ' 5', '0x10', 'NaN', '9'.repeat(400)]) {
      expect(() => partitionRows({ SLUICE_PARTITION_ROWS: hostile })).toThrow(
        `SLUICE_PARTITION_ROWS is "${hostile.slice(0, 40)}": give a whole number of rows from 1 to 100000000`,
      );
    }
  });
});
