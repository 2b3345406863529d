import { describe, expect, it } from 'vitest';
import type { NotificationAttempt, RunCounts, RunKind, StateStore } from '../../src/state/state-store.js';
import { openStoreForEachTest, STATE_KINDS } from './state-fixtures.js';

const counts = (delivered: number, failed: number): RunCounts => ({ planned: delivered + failed, added: 0, changed: 0, removed: 0, unchanged: 0, delivered, failed, invalid: 0 });

/** A run of `name` that ended `status` after `seconds`, with these rows. */
async function endedRun(store: StateStore, kind: RunKind, name: string, status: 'succeeded' | 'failed' | 'cancelled', seconds: number, rows = counts(0, 0)) {
  const run = await store.createRun({ kind, name, trigger: 'test' });
  await store.updateRun(run.id, { status, counts: rows, finishedAt: new Date(Date.parse(run.startedAt) + seconds * 1000).toISOString() });
  return run;
}

describe.each(STATE_KINDS)('%s state store: run totals and notifications', (_name, createFixture) => {
  let store: StateStore;
  openStoreForEachTest(createFixture, (s) => (store = s));

  it('totals the runs of each sync and pipeline: by status, rows, and durations in cumulative buckets', async () => {
    await endedRun(store, 'sync', 'orders', 'succeeded', 0.5, counts(10, 0));
    await endedRun(store, 'sync', 'orders', 'succeeded', 40, counts(5, 1));
    await endedRun(store, 'sync', 'orders', 'failed', 100, counts(0, 7));
    await store.createRun({ kind: 'sync', name: 'orders', trigger: 'test' });
    await store.createRun({ kind: 'sync', name: 'orders', trigger: 'test', status: 'queued' });
    await endedRun(store, 'retry', 'orders', 'succeeded', 2, counts(1, 0));
    await endedRun(store, 'pipeline', 'nightly', 'cancelled', 7200);

    const totals = await store.runTotals({ bucketsSeconds: [1, 60, 3600], limit: 100 });
    expect(totals).toEqual([
      { kind: 'pipeline', name: 'nightly', runs: { cancelled: 1 }, delivered: 0, failed: 0, durations: { buckets: [0, 0, 0], count: 1, sumSeconds: 7200 } },
      { kind: 'retry', name: 'orders', runs: { succeeded: 1 }, delivered: 1, failed: 0, durations: { buckets: [0, 1, 1], count: 1, sumSeconds: 2 } },
      {
        kind: 'sync',
        name: 'orders',
        runs: { succeeded: 2, failed: 1, running: 1, queued: 1 },
        delivered: 15,
        failed: 8,
        durations: { buckets: [1, 2, 3], count: 3, sumSeconds: 140.5 },
      },
    ]);
  });

  it('reads a bounded number of groups', async () => {
    for (const name of ['a', 'b', 'c']) await endedRun(store, 'sync', name, 'succeeded', 1);
    expect((await store.runTotals({ bucketsSeconds: [1], limit: 2 })).map((t) => t.name)).toEqual(['a', 'b']);
  });

  it('keeps each notification attempt with its run, in the order made', async () => {
    const attempt = (runId: string, n: number, status: NotificationAttempt['status']): NotificationAttempt => ({
      runId, target: 'notify[0] webhook https://hooks.example.com', conditions: 'failed, longer_than: 30m', attempt: n, status,
      httpStatus: status === 'delivered' ? 200 : null, error: status === 'delivered' ? null : 'could not connect', at: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
    });
    const records = [attempt('r1', 1, 'retrying'), attempt('r2', 1, 'failed'), attempt('r1', 2, 'delivered')];
    for (const r of records) await store.recordNotification(r);
    expect(await store.listNotifications(['r1'])).toEqual([records[0], records[2]]);
    expect(await store.listNotifications(['r1', 'r2'], { limit: 2 })).toEqual([records[0], records[1]]);
    expect(await store.listNotifications([])).toEqual([]);
  });
});
