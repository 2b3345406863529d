import { describe, expect, it } from 'vitest';
import type { StateStore } from '../../src/state/state-store.js';
import { AlreadyRunningError } from '../../src/sync/already-running-error.js';
import { holdLease } from '../../src/sync/hold-lease.js';
import { leaseTiming } from '../../src/sync/lease-timing.js';
import { queuedJobName } from '../../src/sync/queued-job-name.js';
import { sweepStaleRuns } from '../../src/sync/sweep-stale-runs.js';
import { openStoreForEachTest, STATE_KINDS, type StateFixture } from '../state/state-fixtures.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const elsewhere = { host: 'other-host', pid: 4242, scope: null };

describe.each(STATE_KINDS)('a run lease on %s', (_name, createFixture) => {
  let fixture: StateFixture;
  let store: StateStore;
  openStoreForEachTest(createFixture, (opened, itsFixture) => {
    store = opened;
    fixture = itsFixture;
  });
  const syncRun = () => store.createRun({ kind: 'sync', name: 'customers', trigger: 'cli' });

  it('keeps renewing while held, so it outlives its ttl, and frees it on release', async () => {
    const run = await syncRun();
    const lease = await holdLease(store, run, { ttlMs: 300, renewEveryMs: 50 });
    await sleep(700);
    expect(await store.getLease('sync:customers')).toMatchObject({ owner: run.id, expired: false });
    const retry = await store.createRun({ kind: 'retry', name: 'customers', trigger: 'cli' });
    await expect(holdLease(store, retry)).rejects.toThrow(
      new RegExp(`^sync "customers" is already running \\(run ${run.id}, started \\S+ by process ${process.pid} on `),
    );
    expect(lease.lost).toBeNull();
    await lease.release();
    expect(await store.getLease('sync:customers')).toBeNull();
  });

  it('refuses a run while a live run elsewhere holds it, naming that run', async () => {
    await store.acquireLease('pipeline:nightly', { owner: 'run_other', ttlMs: 60_000, process: elsewhere });
    const run = await store.createRun({ kind: 'pipeline', name: 'nightly', trigger: 'cli' });
    const refused = await holdLease(store, run).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AlreadyRunningError);
    expect((refused as Error).message).toMatch(/^pipeline "nightly" is already running \(run run_other, started \S+Z by process 4242 on other-host\)$/);
  });

  it('takes over an expired lease and records the run that held it as failed', async () => {
    const old = await syncRun();
    // Never renewed: as if its process had been killed.
    const oldLease = await holdLease(store, old, { ttlMs: 100, renewEveryMs: 60_000 });
    const expiresAt = (await store.getLease('sync:customers'))!.expiresAt;
    await sleep(200);
    const next = await syncRun();
    const lease = await holdLease(store, next, { ttlMs: 60_000 });
    expect(await store.getRun(old.id)).toMatchObject({
      status: 'failed',
      error: `the run stopped without finishing (its process ended or lost contact; lease expired at ${expiresAt})`,
      finishedAt: expect.any(String),
    });
    expect(await store.getRun(next.id)).toMatchObject({ status: 'running' });
    await oldLease.release();
    expect((await store.getLease('sync:customers'))?.owner).toBe(next.id);
    await lease.release();
  });

  it('leaves the sync of a queue run whose worker stopped to that run, which the queue resumes: a new run is refused, and the queue run takes its lease back', async () => {
    const queued = await syncRun();
    // A run a server queued (its job is kept), held by a worker that was killed: its lease expired.
    await store.setValue(queuedJobName(queued.id), JSON.stringify({ runId: queued.id }));
    const dead = await holdLease(store, queued, { ttlMs: 100, renewEveryMs: 60_000 });
    await sleep(200);
    const next = await syncRun();
    await expect(holdLease(store, next, { ttlMs: 60_000 })).rejects.toThrow(
      new RegExp(`^sync "customers" is already running \\(run ${queued.id}, started `),
    );
    expect(await store.getRun(queued.id)).toMatchObject({ status: 'running', error: null });
    // The worker the queue hands its job to resumes it.
    const resumed = await holdLease(store, queued, { ttlMs: 60_000 });
    expect((await store.getLease('sync:customers'))?.owner).toBe(queued.id);
    await resumed.release();
    await dead.release();
    // Once it ended, the next run takes the sync as usual.
    await store.updateRun(queued.id, { status: 'failed', error: 'its job failed for good', finishedAt: new Date().toISOString() });
    const after = await holdLease(store, next, { ttlMs: 60_000 });
    await after.release();
  });

  it('aborts its signal when another run takes the lease over', async () => {
    const run = await syncRun();
    const cancel = new AbortController();
    const lease = await holdLease(store, run, { ttlMs: 60_000, renewEveryMs: 30, signal: cancel.signal });
    // Another process decided this one had ended (only a pid check on the same machine does that).
    const other = await fixture.open();
    await other.acquireLease('sync:customers', { owner: 'run_successor', ttlMs: 60_000, process: elsewhere, takeOverFrom: run.id });
    await sleep(150);
    expect(lease.signal.aborted).toBe(true);
    expect(lease.lost?.message).toBe(
      'the run lost its lease on sync:customers: it expired and another run took it over; it stopped so that two runs never send the same rows',
    );
    await lease.release();
    // Releasing a lost lease leaves the successor's alone.
    expect((await store.getLease('sync:customers'))?.owner).toBe('run_successor');
    expect(cancel.signal.aborted).toBe(false);
  });

  it('folds the run cancel signal into its own, without counting it as lost', async () => {
    const cancel = new AbortController();
    const lease = await holdLease(store, await syncRun(), { signal: cancel.signal });
    cancel.abort();
    expect(lease.signal.aborted).toBe(true);
    expect(lease.lost).toBeNull();
    await lease.release();
  });

  it('sweeps runs left running without a live lease, and leaves young and live ones alone', async () => {
    const stale = await syncRun();
    await store.acquireLease('sync:customers', { owner: stale.id, ttlMs: 50, process: elsewhere });
    const leaseless = await store.createRun({ kind: 'pipeline', name: 'customers', trigger: 'cli' });
    await sleep(120);
    const young = await store.createRun({ kind: 'retry', name: 'customers', trigger: 'cli' });
    expect((await sweepStaleRuns(store, 'customers', { ttlMs: 100 })).sort()).toEqual([leaseless.id, stale.id].sort());
    expect((await store.getRun(stale.id))?.error).toMatch(/^the run stopped without finishing \(its process ended or lost contact; lease expired at \S+Z\)$/);
    expect((await store.getRun(leaseless.id))?.error).toBe('the run stopped without finishing (its process ended or lost contact)');
    expect((await store.getRun(young.id))?.status).toBe('running');

    const live = await store.createRun({ kind: 'pipeline', name: 'nightly', trigger: 'cli' });
    await store.acquireLease('pipeline:nightly', { owner: live.id, ttlMs: 60_000, process: elsewhere });
    await sleep(120);
    expect(await sweepStaleRuns(store, 'nightly', { ttlMs: 100 })).toEqual([]);
  });
});

describe('lease timing', () => {
  it('defaults to 60 s renewed every 15 s, reads SLUICE_LEASE_TTL_MS, and refuses a bad value', () => {
    expect(leaseTiming({ env: {} })).toEqual({ ttlMs: 60_000, renewEveryMs: 15_000 });
    expect(leaseTiming({ env: { SLUICE_LEASE_TTL_MS: '2000' } })).toEqual({ ttlMs: 2000, renewEveryMs: 500 });
    expect(leaseTiming({ env: { SLUICE_LEASE_TTL_MS: '2000' }, ttlMs: 100, renewEveryMs: 10 })).toEqual({ ttlMs: 100, renewEveryMs: 10 });
    for (const bad of ['soon', '500', '1.5e3x']) {
      expect(() => leaseTiming({ env: { SLUICE_LEASE_TTL_MS: bad } })).toThrow(
        `SLUICE_LEASE_TTL_MS is "${bad}": give a whole number of milliseconds, at least 1000`,
      );
    }
  });
});
