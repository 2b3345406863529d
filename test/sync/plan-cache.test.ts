import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDuckdbDatabase } from '../../src/databases/duckdb/duckdb-database.js';
import type { SqlDatabase } from '../../src/databases/sql-database.js';
import type { Destination } from '../../src/destinations/destination.js';
import type { DeliveryResult } from '../../src/rows/delivery-item.js';
import { openStateStore } from '../../src/state/open-state-store.js';
import type { StateStore } from '../../src/state/state-store.js';
import { deliverPlan } from '../../src/sync/deliver-plan.js';
import { planCacheBytes, trimPlanCache } from '../../src/sync/plan/plan-snapshot.js';
import { planSync } from '../../src/sync/plan/plan-sync.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-plan-cache-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A file of `bytes` bytes last used `hoursAgo` hours ago. */
async function snapshotFile(path: string, bytes: number, hoursAgo: number): Promise<void> {
  await writeFile(path, Buffer.alloc(bytes));
  const at = new Date(Date.now() - hoursAgo * 3600_000);
  await utimes(path, at, at);
}

describe('the plan snapshot cache', () => {
  it('deletes the least recently used snapshots (with their WAL) until the rest fit the bound', async () => {
    await snapshotFile(join(dir, 'oldest.duckdb'), 1000, 3);
    await snapshotFile(join(dir, 'older.duckdb'), 1000, 2);
    await snapshotFile(join(dir, 'older.duckdb.wal'), 500, 2);
    await snapshotFile(join(dir, 'recent.duckdb'), 1000, 1);
    await snapshotFile(join(dir, 'notes.txt'), 5000, 9);
    // A PostgreSQL state's snapshots sit one folder down, in a folder per state and sync.
    await mkdir(join(dir, 'abc123'));
    await snapshotFile(join(dir, 'abc123', 'orders.duckdb'), 1000, 0);

    const deleted = await trimPlanCache(dir, 2600);
    expect(deleted).toEqual([join(dir, 'oldest.duckdb'), join(dir, 'older.duckdb')]);
    expect((await readdir(dir)).sort()).toEqual(['abc123', 'notes.txt', 'recent.duckdb']);
    expect(await readdir(join(dir, 'abc123'))).toEqual(['orders.duckdb']);
    // Within the bound: nothing more goes.
    expect(await trimPlanCache(dir, 2600)).toEqual([]);
  });

  it('keeps a snapshot in use however old it is', async () => {
    await snapshotFile(join(dir, 'in-use.duckdb'), 1000, 5);
    await snapshotFile(join(dir, 'other.duckdb'), 1000, 1);
    expect(await trimPlanCache(dir, 1500, new Set([join(dir, 'in-use.duckdb')]))).toEqual([join(dir, 'other.duckdb')]);
  });

  it('reads SLUICE_PLAN_CACHE_MB as whole megabytes, 2 GB when unset, and names the key for anything else', () => {
    expect(planCacheBytes({})).toBe(2048 * 1024 * 1024);
    expect(planCacheBytes({ SLUICE_PLAN_CACHE_MB: '' })).toBe(2048 * 1024 * 1024);
    expect(planCacheBytes({ SLUICE_PLAN_CACHE_MB: '512' })).toBe(512 * 1024 * 1024);
    for (const hostile of ['0', '-1', '1e3', ' 5', '5.5', 'abc', '2000000', '9'.repeat(400)]) {
      const shown = hostile.length > 20 ? `${hostile.slice(0, 20)}...` : hostile;
      expect(() => planCacheBytes({ SLUICE_PLAN_CACHE_MB: hostile }), hostile).toThrow(
        `${JSON.stringify(shown)}: give a whole number of megabytes from 1 to 1048576`,
      );
    }
  });

  describe('with real syncs', () => {
    let store: StateStore;
    let model: SqlDatabase;
    const saved = process.env.SLUICE_PLAN_CACHE_MB;
    beforeEach(async () => {
      store = await openStateStore({ state: join(dir, 'state'), projectDir: dir });
      model = await openDuckdbDatabase(join(dir, 'model.duckdb'));
      await model.execute("CREATE TABLE customers AS SELECT i AS id, 'customer ' || i AS name FROM range(1, 3001) r(i)");
    });
    afterEach(async () => {
      if (saved === undefined) delete process.env.SLUICE_PLAN_CACHE_MB;
      else process.env.SLUICE_PLAN_CACHE_MB = saved;
      await model.close();
      await store.close();
    });

    const accepting: Destination = {
      supports: (op) => op !== 'lookup',
      batchSize: () => 500,
      concurrency: 1,
      async write(items): Promise<DeliveryResult[]> {
        return items.map((i) => ({ key: i.key, ok: true, remoteId: i.remoteId ?? `r-${i.key}` }));
      },
      preview: async () => [],
      close: async () => undefined,
    };

    /** Plans and delivers one run of `sync`; how its ledger was read and what it planned. */
    async function run(sync: string) {
      const plan = await planSync({
        source: model.query('SELECT * FROM customers'), store, sync, mode: 'mirror', key: ['id'], mapRow: (r) => r,
        spillDir: join(dir, 'state', 'tmp'), snapshotDir: join(dir, 'state', 'plans'),
      });
      try {
        await deliverPlan({ items: plan.items({ batchSize: 500 }), destination: accepting, store, sync, runId: `run-${sync}`, mode: 'mirror' });
      } finally {
        await plan.close();
      }
      return { ledgerVia: plan.ledgerVia, added: plan.counts.added, unchanged: plan.counts.unchanged };
    }

    it('drops the least recently used sync snapshot when another is written over the bound; its next plan rebuilds it', async () => {
      process.env.SLUICE_PLAN_CACHE_MB = '1';
      const plans = join(dir, 'state', 'plans');
      expect(await run('first')).toEqual({ ledgerVia: 'rebuilt', added: 3000, unchanged: 0 });
      expect(await run('first')).toEqual({ ledgerVia: 'snapshot', added: 0, unchanged: 3000 });
      expect((await readdir(plans)).filter((f) => f.endsWith('.duckdb'))).toEqual(['first.duckdb']);
      // A second sync's snapshot does not fit beside the first in 1 MB: the first, least recently used, goes.
      expect(await run('second')).toEqual({ ledgerVia: 'rebuilt', added: 3000, unchanged: 0 });
      expect((await readdir(plans)).filter((f) => f.endsWith('.duckdb'))).toEqual(['second.duckdb']);
      // Rebuilt from the ledger: the same plan, nothing sent again.
      expect(await run('first')).toEqual({ ledgerVia: 'rebuilt', added: 0, unchanged: 3000 });
      expect((await readdir(plans)).filter((f) => f.endsWith('.duckdb'))).toEqual(['first.duckdb']);
    });
  });
});
