import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Destination } from '../../destinations/destination.js';
import type { DeliveryItem, DeliveryResult } from '../../rows/delivery-item.js';
import type { Row } from '../../rows/row.js';
import type { Source } from '../../sources/source.js';
import { openStateStore } from '../../state/open-state-store.js';
import type { StateStore } from '../../state/state-store.js';
import { deliverPlan } from '../deliver-plan.js';
import { planSync, PlanError, rangeBounds, type PlannedItem } from './plan-sync.js';
import type { SyncMode } from '../../config/project-schema.js';

/** A source over rows held in memory (the planner only sees the Source interface). */
function rowsSource(rows: Row[]): Source {
  return {
    describe: async () => [],
    async *read(o) {
      const size = o?.batchSize ?? 1000;
      for (let i = 0; i < rows.length; i += size) yield rows.slice(i, i + size);
    },
  };
}

/** A destination that keeps what it was sent, refusing rows whose `bad` column is true. */
function recordingDestination(ops: ('create' | 'update' | 'upsert' | 'delete' | 'lookup')[], found: Record<string, string> = {}) {
  const received: DeliveryItem[] = [];
  let next = 1;
  const destination: Destination = {
    supports: (op) => ops.includes(op),
    batchSize: () => 10,
    concurrency: 2,
    async lookup(items) {
      return new Map(items.map((i) => [i.key, found[i.key] ?? null]));
    },
    async write(items): Promise<DeliveryResult[]> {
      received.push(...items);
      return items.map((i) =>
        i.row.bad ? { key: i.key, ok: false, error: 'bad row' } : { key: i.key, ok: true, remoteId: i.remoteId ?? `r${next++}` },
      );
    },
    preview: async () => [],
    close: async () => undefined,
  };
  return { destination, received };
}

describe('planSync and deliverPlan', () => {
  let dir: string;
  let store: StateStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-plan-'));
    store = await openStateStore({ state: join(dir, 'state'), projectDir: dir });
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function run(mode: SyncMode, rows: Row[], dest = recordingDestination(['create', 'update', 'delete']), key = ['id']) {
    const plan = await planSync({ source: rowsSource(rows), store, sync: 's', mode, key, mapRow: (r) => r, spillDir: join(dir, 'tmp') });
    try {
      const tally = await deliverPlan({ items: plan.items({ batchSize: 7 }), destination: dest.destination, store, sync: 's', runId: 'run1', mode });
      return { counts: plan.counts, tally, received: dest.received };
    } finally {
      await plan.close();
    }
  }

  const people = [
    { id: 1, name: 'Ada' },
    { id: 2, name: 'Grace' },
    { id: 3, name: '小林' },
  ];

  it('streams a large plan in key order, each item once, whatever order the source gave', async () => {
    // A plan larger than a range is sorted and streamed a key range at a time (here 12 ranges, the next one read
    // while the one before is consumed).
    const n = 50_001;
    const rows = Array.from({ length: n }, (_, i) => ({ id: `${(i * 2654435761) % 4294967296}-${i}`, v: i }));
    const plan = await planSync({ source: rowsSource(rows), store, sync: 's', mode: 'upsert', key: ['id'], mapRow: (r) => r, spillDir: join(dir, 'tmp') });
    const keys: string[] = [];
    let largest = 0;
    try {
      for await (const batch of plan.items({ batchSize: 1000, rangeRows: 5000 })) {
        largest = Math.max(largest, batch.length);
        for (const item of batch) {
          keys.push(item.key);
          expect(item.row.id).toBe(item.key);
        }
      }
    } finally {
      await plan.close();
    }
    expect(largest).toBe(1000);
    expect(keys).toHaveLength(n);
    const sorted = rows.map((r) => r.id).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    expect(keys).toEqual(sorted);
  });

  it('reads a range of more batches than one DuckDB chunk holds while the next range is being read', async () => {
    // One item per batch: each range is several thousand batches, so several chunks, fetched while the next range runs.
    const n = 12_000;
    const rows = Array.from({ length: n }, (_, i) => ({ id: `k${String((i * 7919) % n).padStart(5, '0')}` }));
    const plan = await planSync({ source: rowsSource(rows), store, sync: 's', mode: 'upsert', key: ['id'], mapRow: (r) => r, spillDir: join(dir, 'tmp') });
    const keys: string[] = [];
    try {
      for await (const batch of plan.items({ batchSize: 1, rangeRows: 5000 })) keys.push(...batch.map((i) => i.key));
    } finally {
      await plan.close();
    }
    expect(keys).toEqual(rows.map((r) => r.id).sort());
  });

  it('closes cleanly when the consumer stops while the next range is being read', async () => {
    const rows = Array.from({ length: 20_000 }, (_, i) => ({ id: `k${i}`, v: i }));
    const plan = await planSync({ source: rowsSource(rows), store, sync: 's', mode: 'upsert', key: ['id'], mapRow: (r) => r, spillDir: join(dir, 'tmp') });
    let seen = 0;
    try {
      for await (const batch of plan.items({ batchSize: 100, rangeRows: 5000 })) {
        seen += batch.length;
        break;
      }
    } finally {
      await plan.close();
    }
    expect(seen).toBe(100);
  });

  it('sends every row once, then nothing when nothing changed', async () => {
    const first = await run('upsert', people);
    expect(first.counts).toMatchObject({ read: 3, added: 3, changed: 0, unchanged: 0, planned: 3 });
    expect(first.received.map((i) => [i.key, i.operation])).toEqual(
      expect.arrayContaining([['1', 'create'], ['2', 'create'], ['3', 'create']]),
    );
    const second = await run('upsert', people);
    expect(second.counts).toMatchObject({ added: 0, changed: 0, unchanged: 3, planned: 0 });
    expect(second.received).toEqual([]);
  });

  it('updates changed rows through their kept remote ids, and mirror deletes removed keys', async () => {
    await run('mirror', people);
    const kept = await store.getLedgerEntries('s', ['2']);
    const r = await run('mirror', [{ id: 1, name: 'Ada' }, { id: 2, name: 'Grace Hopper' }]);
    expect(r.counts).toMatchObject({ changed: 1, removed: 1, unchanged: 1 });
    expect(r.received).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ key: '2', operation: 'update', remoteId: kept.get('2')!.remoteId, row: { id: 2, name: 'Grace Hopper' } }),
        expect.objectContaining({ key: '3', operation: 'delete' }),
      ]),
    );
    expect((await store.getLedgerEntries('s', ['3'])).size).toBe(0);
  });

  it('keeps a failed row unmarked and rejected, and sends it again next run', async () => {
    const rows = [...people, { id: 4, name: 'Poison', bad: true }];
    const first = await run('upsert', rows);
    expect(first.tally).toMatchObject({ delivered: 3, failed: 1 });
    expect((await store.listRejected('s')).map((r) => [r.key, r.error])).toEqual([['4', 'bad row']]);
    const fixed = [...people, { id: 4, name: 'Poison', bad: false }];
    const second = await run('upsert', fixed);
    expect(second.received.map((i) => i.key)).toEqual(['4']);
    expect(await store.listRejected('s')).toEqual([]);
  });

  it('update mode never creates: a key new to the ledger is sent as an update', async () => {
    const r = await run('update', people);
    expect(r.received.map((i) => i.operation)).toEqual(['update', 'update', 'update']);
  });

  it('insert mode ignores changes', async () => {
    await run('insert', people);
    const r = await run('insert', [{ id: 1, name: 'changed' }, ...people.slice(1), { id: 9, name: 'new' }]);
    expect(r.received.map((i) => [i.key, i.operation])).toEqual([['9', 'create']]);
  });

  it('upsert without a native upsert looks records up before creating them', async () => {
    const dest = recordingDestination(['create', 'update', 'lookup'], { '2': 'existing-2' });
    const r = await run('upsert', people, dest);
    expect(r.received.map((i) => [i.key, i.operation, i.remoteId]).sort()).toEqual([
      ['1', 'create', null],
      ['2', 'update', 'existing-2'],
      ['3', 'create', null],
    ]);
  });

  it('rejects rows with a NULL key and fails the plan on duplicate keys, listing them', async () => {
    const plan = await planSync({ source: rowsSource([{ id: null, name: 'x' }, ...people]), store, sync: 's', mode: 'upsert', key: ['id'], mapRow: (r) => r });
    expect(plan.counts.invalid).toBe(1);
    expect(plan.invalid[0]).toMatchObject({ key: '(row 1)', error: 'the key "id" is NULL or missing' });
    await plan.close();
    await expect(
      planSync({ source: rowsSource([...people, { id: 2, name: 'again' }]), store, sync: 's', mode: 'upsert', key: ['id'], mapRow: (r) => r }),
    ).rejects.toThrow(new PlanError('1 key value(s) appear more than once in the source of sync "s" (key id): "2" (2 rows). Each record must have one row: fix the query or choose a key that is unique.'));
  });

  it('composite keys identify a record by all their columns', async () => {
    const rows = [
      { org: 'a', id: 1, v: 1 },
      { org: 'b', id: 1, v: 2 },
    ];
    await run('upsert', rows, undefined, ['org', 'id']);
    const r = await run('upsert', [rows[0]!, { ...rows[1]!, v: 3 }], undefined, ['org', 'id']);
    expect(r.received.map((i: PlannedItem | DeliveryItem) => i.key)).toEqual(['["b","1"]']);
  });

  it('append sends every row every run', async () => {
    await run('append', people, undefined, []);
    const r = await run('append', people, undefined, []);
    expect(r.received).toHaveLength(3);
  });
});

describe('rangeBounds', () => {
  it('keeps a plan that fits one range whole', () => {
    expect(rangeBounds(262_144, 262_144, 16)).toEqual([]);
  });

  it('starts with small ranges growing fourfold, then even ones', () => {
    const cuts = rangeBounds(1_000_000, 262_144, 16);
    const sizes = [...cuts, 1].map((c, i) => Math.round((c - (cuts[i - 1] ?? 0)) * 1_000_000));
    expect(sizes).toEqual([16_384, 65_536, 229_520, 229_520, 229_520, 229_520]);
  });

  it('never cuts more than the most ranges allowed', () => {
    const cuts = rangeBounds(10_000_000, 262_144, 16);
    expect(cuts).toHaveLength(15);
    expect(cuts.every((c, i) => c > (cuts[i - 1] ?? 0) && c < 1)).toBe(true);
  });
});
