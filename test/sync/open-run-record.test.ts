import { describe, expect, it } from 'vitest';
import type { StateStore } from '../../src/state/state-store.js';
import { holdLease } from '../../src/sync/hold-lease.js';
import { AttemptStillRunningError, openRunRecord } from '../../src/sync/open-run-record.js';
import { openStoreForEachTest, STATE_KINDS } from '../state/state-fixtures.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const elsewhere = { host: 'other-host', pid: 4242, scope: null };

describe.each(STATE_KINDS)('opening the run a queue job names, on %s', (_name, createFixture) => {
  let store: StateStore;
  openStoreForEachTest(createFixture, (opened) => (store = opened));
  const job = { kind: 'sync' as const, name: 'customers', trigger: 'api', id: 'run_job' };

  it('records a new id, and opens a queued one as its first attempt', async () => {
    expect(await openRunRecord(store, { ...job, id: 'run_new' })).toMatchObject({ resumed: false, run: { id: 'run_new', status: 'running', attempt: 1 } });
    await store.createRun({ ...job, status: 'queued' });
    expect(await openRunRecord(store, job)).toMatchObject({ resumed: true, run: { id: 'run_job', status: 'running', attempt: 1 } });
  });

  it("resumes a run whose worker stopped renewing its lease as attempt 2, takes the lease back, and keeps the run's history clean", async () => {
    const first = await openRunRecord(store, job);
    // Never renewed: the worker was killed.
    await holdLease(store, first.run, { ttlMs: 100, renewEveryMs: 60_000 });
    await sleep(200);
    const second = await openRunRecord(store, job);
    expect(second).toMatchObject({ resumed: true, run: { id: 'run_job', status: 'running', attempt: 2 } });
    const lease = await holdLease(store, second.run, { ttlMs: 60_000 });
    // The lease it took back was its own run's: not recorded as a run that stopped.
    expect(await store.getRun('run_job')).toMatchObject({ status: 'running', error: null, finishedAt: null, attempt: 2 });
    await lease.release();
  });

  it('waits while an earlier attempt still holds the lease, and never reopens a run that ended', async () => {
    await openRunRecord(store, job);
    await store.acquireLease('sync:customers', { owner: 'run_job', ttlMs: 60_000, process: elsewhere });
    const refused = await openRunRecord(store, job).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AttemptStillRunningError);
    expect((refused as Error).message).toMatch(/^run run_job is still running in an earlier attempt \(process 4242 on other-host, lease until \S+\); this attempt waits/);
    expect(await store.getRun('run_job')).toMatchObject({ attempt: 1 });

    await store.updateRun('run_job', { status: 'succeeded', finishedAt: new Date().toISOString() });
    await expect(openRunRecord(store, job)).rejects.toThrow('run run_job already ended (succeeded); it is not run again');
  });
});
