import { describe, expect, it } from 'vitest';
import type { StateStore } from '../../src/state/state-store.js';
import { openStoreForEachTest, STATE_KINDS, type StateFixture } from './state-fixtures.js';

// id, kind, name, status, started_at, delivered, failed, invalid
const rows: [string, string, string, string, string, number, number, number][] = [
  ['run_01', 'sync', 'contacts', 'succeeded', '2026-12-01T10:00:00.000Z', 5, 0, 0],
  ['run_02', 'sync', 'contacts', 'failed', '2026-12-02T10:00:00.000Z', 12, 1, 0],
  ['run_03', 'retry', 'contacts', 'succeeded', '2026-12-02T11:00:00.000Z', 1, 0, 0],
  ['run_04', 'sync', 'contacts', 'failed', '2026-12-03T10:00:00.000Z', 0, 3, 0],
  ['run_05', 'sync', 'contacts', 'succeeded', '2026-12-04T10:00:00.000Z', 4, 0, 2],
  ['run_06', 'pipeline', 'contacts', 'succeeded', '2026-12-04T12:00:00.000Z', 0, 0, 0],
  ['run_07', 'sync', 'orders', 'succeeded', '2026-12-05T10:00:00.000Z', 9, 0, 0],
  // two runs in the same millisecond: the id breaks the tie, and no page loses or repeats one
  ['run_08', 'sync', 'contacts', 'succeeded', '2026-12-06T10:00:00.000Z', 1, 0, 0],
  ['run_09', 'sync', 'contacts', 'succeeded', '2026-12-06T10:00:00.000Z', 1, 0, 0],
];

describe.each(STATE_KINDS)('findRuns on %s', (_kind, createFixture) => {
  let store: StateStore;
  let fixture: StateFixture;
  openStoreForEachTest(createFixture, (opened, f) => {
    store = opened;
    fixture = f;
  });

  const seed = async () => {
    const values = rows.map(([id, kind, name, status, at, d, f, i]) => `('${id}', '${kind}', '${name}', '${status}', 'cli', '${at}', '${at}', ${d}, ${f}, ${i})`);
    await fixture.exec(`INSERT INTO runs (id, kind, name, status, triggered_by, started_at, finished_at, delivered, failed, invalid) VALUES ${values.join(', ')}`);
    if (fixture.kind === 'postgres') {
      // Postgres keeps microseconds; a cursor carries milliseconds.
      await fixture.exec(`UPDATE runs SET started_at = started_at + interval '300 microseconds' WHERE id = 'run_09'`);
    }
  };
  const ids = async (q: Parameters<StateStore['findRuns']>[0]) => (await store.findRuns(q)).map((r) => r.id);

  it('filters by name, kinds, status, partial and start time, newest first', async () => {
    await seed();
    expect(await ids({ limit: 100 })).toEqual(['run_09', 'run_08', 'run_07', 'run_06', 'run_05', 'run_04', 'run_03', 'run_02', 'run_01']);
    expect(await ids({ name: 'contacts', kinds: ['sync', 'retry'], limit: 100 })).toEqual(['run_09', 'run_08', 'run_05', 'run_04', 'run_03', 'run_02', 'run_01']);
    // partial: some delivered, some failed or invalid
    expect(await ids({ partial: true, limit: 100 })).toEqual(['run_05', 'run_02']);
    expect(await ids({ status: 'failed', partial: false, limit: 100 })).toEqual(['run_04']);
    expect(await ids({ since: '2026-12-02T10:00:00.000Z', until: '2026-12-04T10:00:00.000Z', limit: 100 })).toEqual(['run_04', 'run_03', 'run_02']);
    expect(await ids({ name: 'nobody', limit: 100 })).toEqual([]);
  });

  it('pages on after a cursor, both ways, never losing or repeating a run', async () => {
    await seed();
    const seen: string[] = [];
    let after: { startedAt: string; id: string } | undefined;
    for (let page = 0; page < 10; page++) {
      const runs = await store.findRuns({ name: 'contacts', limit: 2, after });
      if (runs.length === 0) break;
      seen.push(...runs.map((r) => r.id));
      const last = runs[runs.length - 1]!;
      after = { startedAt: last.startedAt, id: last.id };
    }
    expect(seen).toEqual(['run_09', 'run_08', 'run_06', 'run_05', 'run_04', 'run_03', 'run_02', 'run_01']);
    expect(await ids({ name: 'contacts', oldestFirst: true, after: { startedAt: '2026-12-02T10:00:00.000Z', id: 'run_02' }, limit: 2 })).toEqual(['run_03', 'run_04']);
  });
});
