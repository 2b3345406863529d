import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { openStateStore } from '../../src/state/open-state-store.js';
import { secretKeyId } from '../../src/state/secret-box.js';
import { migrations } from '../../src/state/migrations.js';
import type { LeaseProcess, LedgerEntry, RejectedRow, StateStore } from '../../src/state/state-store.js';
import { deleteLedgerEntries, openStoreForEachTest, postgresFixture, putLedgerEntries, randomKey, resetSync, sqliteFixture, type StateFixture } from './state-fixtures.js';

const T0 = '2026-11-23T09:30:00.000Z';

const entry = (key: string, over: Partial<LedgerEntry> = {}): LedgerEntry => ({
  key,
  fingerprint: `fp-${key}`,
  remoteId: `r-${key}`,
  status: 'delivered',
  lastError: null,
  runId: 'run_1',
  updatedAt: T0,
  ...over,
});

const rejected = (key: string, over: Partial<RejectedRow> = {}): RejectedRow => ({
  key,
  runId: 'run_1',
  operation: 'create',
  kind: 'rejected',
  row: { id: key, summary: 'a "quoted"\nline', tags: ['x', 'y'], nested: { n: 1.5, ok: true, none: null } },
  error: '400 Bad Request: summary is too long',
  request: "curl -X POST 'https://example.backlog.com/api/v2/issues' -H 'Authorization: Bearer ****'",
  rejectedAt: T0,
  ...over,
});

async function collect(iterable: AsyncIterable<LedgerEntry[]>): Promise<LedgerEntry[][]> {
  const batches: LedgerEntry[][] = [];
  for await (const batch of iterable) batches.push(batch);
  return batches;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const here: LeaseProcess = { host: 'test-host', pid: 4242, scope: 'boot-1/pidns-1' };

/** The behaviour every StateStore implementation must show, run against a real state of each kind. */
function describeStateStoreContract(name: string, createFixture: () => Promise<StateFixture>): void {
  describe(`${name} state store`, () => {
    let fixture: StateFixture;
    let store: StateStore;
    openStoreForEachTest(createFixture, (opened, itsFixture) => {
      store = opened;
      fixture = itsFixture;
    });

    describe('runs', () => {
      it('starts a run with zero counts, then records counts, status, error and finish time', async () => {
        const run = await store.createRun({ kind: 'sync', name: 'top_scan_to_backlog', trigger: 'cli' });
        expect(run.id).toMatch(/^run_\d{8}T\d{6}\.\d{3}Z_[0-9a-z]{6}$/);
        expect(run).toMatchObject({ kind: 'sync', name: 'top_scan_to_backlog', status: 'running', trigger: 'cli' });
        expect(run.counts).toEqual({ planned: 0, added: 0, changed: 0, removed: 0, unchanged: 0, delivered: 0, failed: 0, invalid: 0 });
        expect(await store.getRun(run.id)).toEqual(run);

        const counts = { planned: 12, added: 5, changed: 7, removed: 0, unchanged: 100, delivered: 11, failed: 1, invalid: 2 };
        await store.updateRun(run.id, { counts });
        await store.updateRun(run.id, { status: 'failed', error: '1 row failed (max 0)', finishedAt: '2026-11-23T09:31:00.000Z' });

        expect(await store.getRun(run.id)).toEqual({
          ...run,
          counts,
          status: 'failed',
          error: '1 row failed (max 0)',
          finishedAt: '2026-11-23T09:31:00.000Z',
        });
      });

      it('keeps a given run id, returns null for an unknown one, and refuses to update a missing run', async () => {
        const run = await store.createRun({ kind: 'pipeline', name: 'lead_scoring', trigger: 'schedule', id: 'job-42' });
        expect((await store.getRun('job-42'))?.kind).toBe('pipeline');
        expect(run.id).toBe('job-42');
        expect(await store.getRun('run_missing')).toBeNull();
        await expect(store.updateRun('run_missing', { status: 'succeeded' })).rejects.toThrow('run "run_missing" not found');
      });

      it('updates a run only while it is in the status asked for, atomically', async () => {
        const run = await store.createRun({ kind: 'sync', name: 'contacts', trigger: 'cli' });
        expect(await store.updateRun(run.id, { status: 'succeeded', finishedAt: '2026-11-23T09:31:00.000Z' }, { ifStatus: 'running' })).toBe(true);
        // A sweep that judged it stopped comes too late: the finished run keeps its outcome.
        expect(await store.updateRun(run.id, { status: 'failed', error: 'stopped' }, { ifStatus: 'running' })).toBe(false);
        expect(await store.getRun(run.id)).toMatchObject({ status: 'succeeded', error: null });
        await expect(store.updateRun('run_missing', { status: 'failed' }, { ifStatus: 'running' })).rejects.toThrow('run "run_missing" not found');
      });

      it('records a queued run as attempt 0; each resume makes it running as the next attempt; a final run is left as it is', async () => {
        const queued = await store.createRun({ kind: 'sync', name: 'contacts', trigger: 'api', id: 'run_q', status: 'queued' });
        expect(queued).toMatchObject({ status: 'queued', attempt: 0 });
        expect(await store.getRun('run_q')).toEqual(queued);
        expect((await store.listRuns('contacts', { status: 'queued' })).map((r) => r.id)).toEqual(['run_q']);

        const first = await store.resumeRun('run_q');
        expect(first).toMatchObject({ id: 'run_q', status: 'running', attempt: 1, trigger: 'api' });
        // Its start is when a worker took it, not when it was queued.
        expect(Date.parse(first!.startedAt)).toBeGreaterThanOrEqual(Date.parse(queued.startedAt));
        await store.applyLedgerChanges('contacts', { put: [entry('a')], deleted: [], rejected: [], cleared: [], counts: { runId: 'run_q', delivered: 1, failed: 0 } });
        const second = await store.resumeRun('run_q');
        expect(second).toMatchObject({ status: 'running', attempt: 2, startedAt: first!.startedAt, counts: { delivered: 1 } });

        await store.updateRun('run_q', { status: 'succeeded', finishedAt: T0 });
        expect(await store.resumeRun('run_q')).toMatchObject({ status: 'succeeded', attempt: 2 });
        expect(await store.resumeRun('run_missing')).toBeNull();
        expect((await store.createRun({ kind: 'sync', name: 'contacts', trigger: 'cli' })).attempt).toBe(1);
      });

      it('gives each tick of a schedule to exactly one of several stores claiming it', async () => {
        const others = [store, await fixture.open(), await fixture.open()];
        const at = Math.floor(Date.now() / 1000) * 1000;
        const tick = new Date(at).toISOString();
        const claims = await Promise.all(others.map((s, i) => s.claimScheduleTick('sync:contacts', tick, `server-${i}`)));
        expect(claims.filter(Boolean)).toHaveLength(1);
        // The same instant written otherwise is the same tick; the next tick and another schedule are free.
        expect(await store.claimScheduleTick('sync:contacts', tick.replace('Z', '+00:00'), 'server-9')).toBe(false);
        expect(await store.claimScheduleTick('sync:contacts', new Date(at + 2000).toISOString(), 'server-1')).toBe(true);
        expect(await store.claimScheduleTick('pipeline:contacts', tick, 'server-1')).toBe(true);
      });

      it('lists the runs of one name, newest first, with a limit', async () => {
        const ids: string[] = [];
        for (let i = 0; i < 4; i++) {
          ids.push((await store.createRun({ kind: 'sync', name: 'a', trigger: 'cli' })).id);
          await store.createRun({ kind: 'sync', name: 'b', trigger: 'cli' });
          await sleep(2);
        }
        expect((await store.listRuns('a')).map((r) => r.id)).toEqual([...ids].reverse());
        expect((await store.listRuns('a', { limit: 2 })).map((r) => r.id)).toEqual([ids[3], ids[2]]);
        expect(await store.listRuns('nobody')).toEqual([]);
        // Generated ids sort in creation order too.
        expect([...ids].sort()).toEqual(ids);
      });
    });

    describe('leases', () => {
      const ttlMs = 60_000;

      it('gives a free name to exactly one of several stores racing for it, and tells the others who holds it', async () => {
        // Each store is its own connection, as another process would have.
        const stores = [store, ...(await Promise.all([fixture.open(), fixture.open(), fixture.open()]))];
        const results = await Promise.all(
          stores.map((s, i) => s.acquireLease('sync:customers', { owner: `run_${i}`, ttlMs, process: { ...here, pid: i } })),
        );
        const winners = results.filter((r) => r.acquired);
        expect(winners).toHaveLength(1);
        const winner = winners[0]!.lease;
        expect(winners[0]).toMatchObject({ replaced: null, lease: { name: 'sync:customers', expired: false } });
        expect(Date.parse(winner.expiresAt) - Date.parse(winner.acquiredAt)).toBe(ttlMs);
        for (const r of results) if (!r.acquired) expect(r.holder).toMatchObject({ owner: winner.owner, process: winner.process, expired: false });
        expect(await stores[3]!.getLease('sync:customers')).toEqual(winner);
      });

      it('lets only its owner renew it, and renewing pushes the expiry out', async () => {
        const taken = await store.acquireLease('sync:s', { owner: 'run_a', ttlMs: 1000, process: here });
        expect(taken).toMatchObject({ acquired: true, replaced: null });
        await sleep(5);
        expect(await store.renewLease('sync:s', 'run_a', ttlMs)).toBe(true);
        const renewed = await store.getLease('sync:s');
        expect(Date.parse(renewed!.expiresAt) - Date.now()).toBeGreaterThan(ttlMs - 5000);
        expect(await store.renewLease('sync:s', 'run_b', ttlMs)).toBe(false);
        expect(await store.renewLease('sync:other', 'run_a', ttlMs)).toBe(false);
        expect((await store.getLease('sync:s'))?.owner).toBe('run_a');
        const again = await store.acquireLease('sync:s', { owner: 'run_b', ttlMs, process: here });
        expect(again).toEqual({ acquired: false, holder: renewed });
      });

      it('hands an expired lease to the next taker, with the lease it replaced; the old owner can no longer renew', async () => {
        await store.acquireLease('sync:s', { owner: 'run_old', ttlMs: 30, process: here });
        await sleep(80);
        const other = await fixture.open();
        expect((await other.getLease('sync:s'))?.expired).toBe(true);
        const [a, b] = await Promise.all([
          other.acquireLease('sync:s', { owner: 'run_new', ttlMs, process: here }),
          store.acquireLease('sync:s', { owner: 'run_rival', ttlMs, process: here }),
        ]);
        const results = [a!, b!];
        expect(results.filter((r) => r.acquired)).toHaveLength(1);
        const won = results.find((r) => r.acquired)!;
        if (!won.acquired) throw new Error('unreachable');
        expect(won.replaced).toMatchObject({ owner: 'run_old', expired: true, process: here });
        expect(await store.renewLease('sync:s', 'run_old', ttlMs)).toBe(false);
      });

      it('takes over an unexpired lease only from the owner named (its process ended)', async () => {
        await store.acquireLease('sync:s', { owner: 'run_dead', ttlMs, process: here });
        const wrong = await store.acquireLease('sync:s', { owner: 'run_b', ttlMs, process: here, takeOverFrom: 'run_someone_else' });
        expect(wrong).toMatchObject({ acquired: false, holder: { owner: 'run_dead' } });
        const [a, b] = await Promise.all([
          store.acquireLease('sync:s', { owner: 'run_b', ttlMs, process: here, takeOverFrom: 'run_dead' }),
          (await fixture.open()).acquireLease('sync:s', { owner: 'run_c', ttlMs, process: here, takeOverFrom: 'run_dead' }),
        ]);
        expect([a!, b!].filter((r) => r.acquired)).toHaveLength(1);
        expect([a!, b!].find((r) => r.acquired)).toMatchObject({ replaced: { owner: 'run_dead', expired: false } });
      });

      it('frees a lease its owner releases, and ignores a release by anyone else', async () => {
        await store.acquireLease('sync:s', { owner: 'run_a', ttlMs, process: here });
        await store.releaseLease('sync:s', 'run_b');
        expect((await store.getLease('sync:s'))?.owner).toBe('run_a');
        await store.releaseLease('sync:s', 'run_a');
        expect(await store.getLease('sync:s')).toBeNull();
        expect(await store.acquireLease('sync:s', { owner: 'run_b', ttlMs, process: { host: 'h', pid: 1, scope: null } })).toMatchObject({
          acquired: true,
          replaced: null,
          lease: { owner: 'run_b', process: { host: 'h', pid: 1, scope: null } },
        });
        // Names are independent.
        expect((await store.acquireLease('pipeline:s', { owner: 'run_c', ttlMs, process: here })).acquired).toBe(true);
      });

      it('lists only the runs of one status when asked', async () => {
        const a = await store.createRun({ kind: 'sync', name: 's', trigger: 'cli' });
        const b = await store.createRun({ kind: 'retry', name: 's', trigger: 'cli' });
        await store.updateRun(a.id, { status: 'succeeded' });
        expect((await store.listRuns('s', { status: 'running' })).map((r) => r.id)).toEqual([b.id]);
        expect((await store.listRuns('s', { status: 'succeeded', limit: 1 })).map((r) => r.id)).toEqual([a.id]);
        expect(await store.listRuns('s')).toHaveLength(2);
      });
    });

    describe('ledger', () => {
      it('reads back what was put, ordered by key, and finds entries by key', async () => {
        await putLedgerEntries(store, 's', [entry('c'), entry('a'), entry('b', { fingerprint: null, remoteId: null, status: 'failed', lastError: 'HTTP 500', runId: null })]);
        await putLedgerEntries(store, 'other', [entry('a', { fingerprint: 'other-sync' })]);

        const batches = await collect(store.readLedger('s'));
        expect(batches).toEqual([[entry('a'), entry('b', { fingerprint: null, remoteId: null, status: 'failed', lastError: 'HTTP 500', runId: null }), entry('c')]]);

        const found = await store.getLedgerEntries('s', ['a', 'c', 'missing']);
        expect([...found.keys()].sort()).toEqual(['a', 'c']);
        expect(found.get('a')).toEqual(entry('a'));
        expect(await store.getLedgerEntries('s', [])).toEqual(new Map());
        expect((await store.getLedgerEntries('other', ['a'])).get('a')?.fingerprint).toBe('other-sync');

        // What a streamed plan asks per batch: the keys whose fingerprint is not that of the text read now, by
        // position, with their version, remote id and status (null: no entry) and the new fingerprint, of this sync
        // only; unchanged keys are left out.
        const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');
        await putLedgerEntries(store, 's', [entry('a', { fingerprint: md5('{"name":"Ada"}') }), entry('é', { fingerprint: md5('日本"\n') })]);
        const texts = ['{"b":1}', '{"name":"Ada"}', 'm', 'q', 'new', '日本"\n'];
        const changed = await store.findChangedKeys('s', ['b', 'a', 'missing', "it's \"quoted\"", 'c', 'é'], texts);
        expect(changed).toEqual(new Map([
          [0, { entry: { fingerprint: null, remoteId: null, status: 'failed' }, fingerprint: md5(texts[0]!) }],
          [2, { entry: null, fingerprint: md5('m') }],
          [3, { entry: null, fingerprint: md5('q') }],
          [4, { entry: { fingerprint: entry('c').fingerprint, remoteId: entry('c').remoteId, status: 'delivered' }, fingerprint: md5('new') }],
        ]));
        expect(await store.findChangedKeys('s', [], [])).toEqual(new Map());
        expect((await store.findChangedKeys('other', ['a'], ['x'])).get(0)?.entry?.fingerprint).toBe('other-sync');
        await putLedgerEntries(store, 'other', [entry('a', { fingerprint: md5('same') })]);
        expect(await store.findChangedKeys('other', ['a'], ['same'])).toEqual(new Map());
      });

      it('replaces an entry of the same key (the last one of a batch wins)', async () => {
        await putLedgerEntries(store, 's', [entry('k', { fingerprint: 'v1', remoteId: null })]);
        await putLedgerEntries(store, 's', [
          entry('k', { fingerprint: 'v2', remoteId: '901', updatedAt: '2026-11-24T00:00:00.000Z' }),
          entry('k', { fingerprint: 'v3', remoteId: '902', updatedAt: '2026-11-24T00:00:01.000Z' }),
        ]);
        expect(await collect(store.readLedger('s'))).toEqual([
          [entry('k', { fingerprint: 'v3', remoteId: '902', updatedAt: '2026-11-24T00:00:01.000Z' })],
        ]);
      });

      it('orders keys by their bytes, the same on every store', async () => {
        const keys = ['b', 'B', 'a', 'é', '10', '9', '日本', '', 'z', '["x",1]', 'a b', 'ab'];
        await putLedgerEntries(store, 's', keys.map((k) => entry(k)));
        const read = (await collect(store.readLedger('s', { batchSize: 5 }))).flat().map((e) => e.key);
        const byBytes = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
        expect(read).toEqual(byBytes);
        expect(read.slice(0, 4)).toEqual(['', '10', '9', 'B']);
      });

      it('lists a page of the ledger by key: after a key, one status, one key, a limit', async () => {
        const failed = (key: string) => entry(key, { fingerprint: 'failed', status: 'failed', lastError: `422: ${key} refused` });
        await putLedgerEntries(store, 's', [entry('b'), failed('é'), entry('a'), failed('B'), entry('10'), entry('c')]);
        await putLedgerEntries(store, 'other', [entry('a', { remoteId: 'other-sync' }), failed('x')]);

        const keys = async (query?: Parameters<StateStore['listLedger']>[1]) => (await store.listLedger('s', query)).map((e) => e.key);
        expect(await keys()).toEqual(['10', 'B', 'a', 'b', 'c', 'é']);
        // Paging: each page starts after the last key of the one before, in the same byte order on every store.
        expect(await keys({ limit: 2 })).toEqual(['10', 'B']);
        expect(await keys({ after: 'B', limit: 2 })).toEqual(['a', 'b']);
        expect(await keys({ after: 'b', limit: 2 })).toEqual(['c', 'é']);
        expect(await keys({ after: 'é', limit: 2 })).toEqual([]);
        expect(await store.listLedger('s', { status: 'failed' })).toEqual([failed('B'), failed('é')]);
        expect(await keys({ status: 'delivered', after: 'a' })).toEqual(['b', 'c']);
        expect(await store.listLedger('s', { key: 'a' })).toEqual([entry('a')]);
        expect(await store.listLedger('s', { key: 'a', status: 'failed' })).toEqual([]);
        expect(await store.listLedger('s', { key: 'missing' })).toEqual([]);
        expect(await store.listLedger('none')).toEqual([]);
      });

      it('yields full batches and no empty one at a batch boundary', async () => {
        await putLedgerEntries(store, 's', Array.from({ length: 10 }, (_, i) => entry(`k${i}`)));
        expect((await collect(store.readLedger('s', { batchSize: 5 }))).map((b) => b.length)).toEqual([5, 5]);
        await putLedgerEntries(store, 's', [entry('k99')]);
        expect((await collect(store.readLedger('s', { batchSize: 5 }))).map((b) => b.length)).toEqual([5, 5, 1]);
        expect(await collect(store.readLedger('empty'))).toEqual([]);
      });

      it('streams a 25k-entry ledger in order, batch by batch', async () => {
        const keys = Array.from({ length: 25_000 }, (_, i) => `key-${String(i).padStart(6, '0')}`);
        // Written shuffled, in three calls, to prove the order comes from the store.
        const shuffled = [...keys].reverse();
        await putLedgerEntries(store, 'big', shuffled.slice(0, 10_000).map((k) => entry(k)));
        await putLedgerEntries(store, 'big', shuffled.slice(10_000).map((k) => entry(k)));

        const sizes: number[] = [];
        const read: string[] = [];
        for await (const batch of store.readLedger('big', { batchSize: 1000 })) {
          sizes.push(batch.length);
          for (const e of batch) read.push(e.key);
        }
        expect(sizes).toEqual(Array.from({ length: 25 }, () => 1000));
        expect(read).toEqual(keys);
      });

      it('writes 10k entries in one call in well under a second', async () => {
        const entries = Array.from({ length: 10_000 }, (_, i) => entry(`key-${i}`));
        const started = performance.now();
        await putLedgerEntries(store, 'fast', entries);
        const elapsed = performance.now() - started;
        expect(elapsed).toBeLessThan(1000);
        expect((await store.getLedgerEntries('fast', ['key-0', 'key-9999'])).size).toBe(2);
      });

      it('stops reading when the reader stops, and can write meanwhile', async () => {
        await putLedgerEntries(store, 's', Array.from({ length: 50 }, (_, i) => entry(`k${String(i).padStart(2, '0')}`)));
        for await (const batch of store.readLedger('s', { batchSize: 10 })) {
          // Writing while a read is open must not deadlock.
          await putLedgerEntries(store, 's', [entry('zz-written-during-read')]);
          expect(batch[0]?.key).toBe('k00');
          break;
        }
        expect((await store.getLedgerEntries('s', ['zz-written-during-read'])).size).toBe(1);
      });

      it('forgets deleted keys', async () => {
        await putLedgerEntries(store, 's', ['a', 'b', 'c'].map((k) => entry(k)));
        await deleteLedgerEntries(store, 's', ['a', 'c', 'missing']);
        await deleteLedgerEntries(store, 's', []);
        expect((await collect(store.readLedger('s'))).flat().map((e) => e.key)).toEqual(['b']);
        expect((await store.getLedgerEntries('s', ['a', 'b'])).has('a')).toBe(false);
      });

      it('keeps the latest write of each key across puts, deletes and another store on the same state', async () => {
        await putLedgerEntries(store, 's', [entry('a'), entry('b')]);
        await putLedgerEntries(store, 's', [entry('a', { fingerprint: 'fp-a2' })]);
        await deleteLedgerEntries(store, 's', ['b', 'c']);
        await putLedgerEntries(store, 's', [entry('b', { fingerprint: 'fp-b3', status: 'failed', lastError: 'boom' }), entry('c')]);
        await deleteLedgerEntries(store, 's', ['c']);
        await putLedgerEntries(store, 't', [entry('c')]);
        // A second store (another process, or the next run after a crash) sees what the first confirmed.
        const other = await fixture.open();
        const read = (await collect(other.readLedger('s'))).flat();
        expect(read.map((e) => [e.key, e.fingerprint, e.status, e.lastError])).toEqual([
          ['a', 'fp-a2', 'delivered', null],
          ['b', 'fp-b3', 'failed', 'boom'],
        ]);
        expect([...(await other.getLedgerEntries('t', ['c'])).keys()]).toEqual(['c']);
        await putLedgerEntries(other, 's', [entry('d')]);
        expect((await collect(store.readLedger('s'))).flat().map((e) => e.key)).toEqual(['a', 'b', 'd']);
        await other.close();
      });

      it('keeps the status, error, run and time of each entry when a batch mixes them', async () => {
        const put = [
          entry('a'),
          entry('b', { status: 'failed', lastError: 'HTTP 422: bad email' }),
          entry('c', { runId: 'run-2' }),
          entry('d', { status: 'failed', lastError: 'HTTP 422: bad email' }),
          entry('e', { status: 'failed', lastError: 'HTTP 409', updatedAt: '2026-11-24T00:00:01.000Z' }),
          entry('f'),
        ];
        await store.applyLedgerChanges('s', { put, deleted: [], rejected: [], cleared: [] });
        expect((await collect(store.readLedger('s'))).flat()).toEqual(put);
      });

      it('applies a batch of ledger, rejected-row and mark changes in one transaction, returning the mark it replaced', async () => {
        await putLedgerEntries(store, 's', [entry('gone'), entry('kept')]);
        await store.putRejected('s', [rejected('fixed'), rejected('still')]);
        await store.setValue('plan-snapshot:s', 't:published');
        const mark = { name: 'plan-snapshot:s', value: 'dirty:run-1' };
        const first = await store.applyLedgerChanges('s', {
          put: [entry('new', { remoteId: 'r-new' }), entry('bad', { fingerprint: null, status: 'failed', lastError: 'HTTP 422' })],
          deleted: ['gone'],
          rejected: [rejected('bad', { error: 'HTTP 422' })],
          cleared: ['fixed'],
          mark,
        });
        expect(first).toEqual({ previousMark: 't:published' });
        expect(await store.getValue('plan-snapshot:s')).toBe('dirty:run-1');
        expect((await collect(store.readLedger('s'))).flat().map((e) => [e.key, e.remoteId, e.status])).toEqual([
          ['bad', 'r-bad', 'failed'],
          ['kept', 'r-kept', 'delivered'],
          ['new', 'r-new', 'delivered'],
        ]);
        expect((await store.listRejected('s')).map((r) => [r.key, r.error])).toEqual([
          ['bad', 'HTTP 422'],
          ['still', '400 Bad Request: summary is too long'],
        ]);
        expect(await store.applyLedgerChanges('s', { put: [entry('new')], deleted: [], rejected: [], cleared: [], mark })).toEqual({ previousMark: 'dirty:run-1' });

        // A write that fails leaves nothing behind: not the entries before it, not the mark.
        await expect(
          store.applyLedgerChanges('s', {
            put: [entry('half'), entry('broken', { status: 'lost' as LedgerEntry['status'] })],
            deleted: ['kept'],
            rejected: [],
            cleared: ['still'],
            mark: { name: 'plan-snapshot:s', value: 'dirty:run-2' },
          }),
        ).rejects.toThrow(/check/i);
        expect(await store.getValue('plan-snapshot:s')).toBe('dirty:run-1');
        expect((await store.getLedgerEntries('s', ['half', 'kept'])).size).toBe(1);
        expect(await store.listRejected('s')).toHaveLength(2);
      });

      it("adds a batch's delivered and failed counts to its run in the same transaction; a write that fails adds nothing", async () => {
        const run = await store.createRun({ kind: 'sync', name: 's', trigger: 'cli' });
        await store.updateRun(run.id, { counts: { planned: 10, added: 10, changed: 0, removed: 0, unchanged: 0, delivered: 0, failed: 1 } });
        const counts = (delivered: number, failed: number) => ({ runId: run.id, delivered, failed });
        await store.applyLedgerChanges('s', { put: [entry('a'), entry('b')], deleted: [], rejected: [], cleared: [], counts: counts(2, 0) });
        await store.applyLedgerChanges('s', {
          put: [entry('c'), entry('d', { status: 'failed', lastError: 'HTTP 422' })],
          deleted: [],
          rejected: [rejected('d')],
          cleared: [],
          counts: counts(1, 1),
        });
        // Counts alone (append mode keeps no ledger), and several batches committed at once.
        await Promise.all([1, 2, 3].map(() => store.applyLedgerChanges('s', { put: [], deleted: [], rejected: [], cleared: [], counts: counts(1, 0) })));
        expect((await store.getRun(run.id))!.counts).toMatchObject({ planned: 10, delivered: 6, failed: 2 });

        await expect(
          store.applyLedgerChanges('s', {
            put: [entry('e'), entry('broken', { status: 'lost' as LedgerEntry['status'] })],
            deleted: [],
            rejected: [],
            cleared: [],
            counts: counts(2, 0),
          }),
        ).rejects.toThrow(/check/i);
        expect((await store.getRun(run.id))!.counts).toMatchObject({ delivered: 6, failed: 2 });
        expect((await store.getLedgerEntries('s', ['e'])).size).toBe(0);
      });

      it('keeps keys and values of any text through both ways of writing the ledger', async () => {
        // (No NUL: PostgreSQL text cannot hold one.)
        const odd = ['say "hi" \\ back', 'ünï😀', 'line\nbreak', 'tab\tcr\r', ''];
        await putLedgerEntries(store, 's', odd.map((k) => entry(`put:${k}`, { remoteId: k })));
        await store.applyLedgerChanges('s', { put: odd.map((k) => entry(`apply:${k}`, { lastError: k })), deleted: [], rejected: [], cleared: [] });
        const read = (await collect(store.readLedger('s'))).flat();
        expect(new Map(read.filter((e) => e.key.startsWith('put:')).map((e) => [e.key, e.remoteId]))).toEqual(new Map(odd.map((k) => [`put:${k}`, k])));
        expect(new Map(read.filter((e) => e.key.startsWith('apply:')).map((e) => [e.key, e.lastError]))).toEqual(new Map(odd.map((k) => [`apply:${k}`, k])));
      });

      it('resets one sync (ledger and rejected rows) and leaves the others', async () => {
        await putLedgerEntries(store, 's', [entry('a')]);
        await putLedgerEntries(store, 't', [entry('a')]);
        await store.putRejected('s', [rejected('a')]);
        await store.putRejected('t', [rejected('a')]);
        await resetSync(store, 's');
        expect(await collect(store.readLedger('s'))).toEqual([]);
        expect(await store.listRejected('s')).toEqual([]);
        expect((await collect(store.readLedger('t'))).flat()).toHaveLength(1);
        expect(await store.listRejected('t')).toHaveLength(1);
      });
    });

    describe('rejected rows', () => {
      it('keeps rejected rows with their row, error and request, oldest first', async () => {
        await store.putRejected('s', [
          rejected('2', { rejectedAt: '2026-11-23T09:30:02.000Z' }),
          rejected('1', { rejectedAt: '2026-11-23T09:30:01.000Z', request: null }),
        ]);
        expect(await store.listRejected('s')).toEqual([
          rejected('1', { rejectedAt: '2026-11-23T09:30:01.000Z', request: null }),
          rejected('2', { rejectedAt: '2026-11-23T09:30:02.000Z' }),
        ]);
        expect((await store.listRejected('s', { limit: 1 })).map((r) => r.key)).toEqual(['1']);
        expect(await store.listRejected('other')).toEqual([]);
      });

      it('replaces an earlier rejection of the same key', async () => {
        await store.putRejected('s', [rejected('1'), rejected('2')]);
        await store.putRejected('s', [
          rejected('1', { runId: 'run_2', operation: 'update', error: '422 invalid status', rejectedAt: '2026-11-24T00:00:00.000Z', row: { id: '1', status: 'bad' } }),
        ]);
        const rows = await store.listRejected('s');
        expect(rows.map((r) => [r.key, r.runId, r.error])).toEqual([
          ['2', 'run_1', '400 Bad Request: summary is too long'],
          ['1', 'run_2', '422 invalid status'],
        ]);
        expect(rows[1]?.row).toEqual({ id: '1', status: 'bad' });
      });

      it('clears delivered rows', async () => {
        await store.putRejected('s', [rejected('1'), rejected('2'), rejected('3')]);
        await store.deleteRejected('s', ['1', '3']);
        await store.deleteRejected('s', []);
        expect((await store.listRejected('s')).map((r) => r.key)).toEqual(['2']);
      });
    });

    describe('values', () => {
      it('returns null when unset, then the last value set', async () => {
        expect(await store.getValue('stream:issues:cursor')).toBeNull();
        await store.setValue('stream:issues:cursor', '2026-11-23T00:00:00Z');
        await store.setValue('stream:issues:cursor', '2026-11-24T00:00:00Z');
        expect(await store.getValue('stream:issues:cursor')).toBe('2026-11-24T00:00:00Z');
        await store.setValue('empty', '');
        expect(await store.getValue('empty')).toBe('');
      });
    });

    describe('secrets', () => {
      it('round-trips, replaces and deletes a secret', async () => {
        expect(await store.getSecret('oauth:backlog')).toBeNull();
        const tokens = JSON.stringify({ access_token: 'at-ユニコード-"q"', refresh_token: 'rt-'.repeat(500) });
        await store.putSecret('oauth:backlog', tokens);
        expect(await store.getSecret('oauth:backlog')).toBe(tokens);
        await store.putSecret('oauth:backlog', 'rotated');
        expect(await store.getSecret('oauth:backlog')).toBe('rotated');
        await store.putSecret('empty', '');
        expect(await store.getSecret('empty')).toBe('');
        await store.deleteSecret('oauth:backlog');
        expect(await store.getSecret('oauth:backlog')).toBeNull();
      });

      it('reads a secret from another store opened with the same key', async () => {
        const key = randomKey();
        const writer = await fixture.open({ secretKey: key });
        await writer.putSecret('oauth:backlog', 'refresh-token-1');
        const reader = await fixture.open({ secretKey: key });
        expect(await reader.getSecret('oauth:backlog')).toBe('refresh-token-1');
      });

      it('refuses to decrypt with another key, with a message that says what to do', async () => {
        await store.putSecret('oauth:backlog', 'refresh-token-1');
        const other = await fixture.open({ secretKey: randomKey() });
        await expect(other.getSecret('oauth:backlog')).rejects.toThrow(
          'cannot decrypt secret "oauth:backlog": it was encrypted with another key (set SLUICE_SECRET_KEY to the key used before, or reconnect)',
        );
      });

      it('makes no new key file while secrets sealed with the lost one are stored; a reset deletes them, then a new key is made', async () => {
        const first = await fixture.open({ env: {} });
        await first.putSecret('oauth:backlog', 'refresh-token-1');
        await first.putSecret('api_token', 'token-1');
        const keyFile = join(fixture.projectDir, '.sluice', 'secret.key');
        const key = await readFile(keyFile, 'utf8');
        expect(await first.secretKeyIds()).toEqual([secretKeyId(Buffer.from(key.trim(), 'hex'))]);
        await unlink(keyFile);

        const lostMessage = /the secret key file is missing, but the state \(.+\) holds secrets sealed with key [0-9a-f]{8}; .*sluice secrets reset --yes/;
        const opening = fixture.open({ env: {} });
        await expect(opening).rejects.toBeInstanceOf(ConfigError);
        await expect(opening).rejects.toThrow(lostMessage);
        // Opened for a reset, every secret still refuses, and no key is made.
        const forReset = await openStateStore({ state: fixture.state, projectDir: fixture.projectDir, env: {}, lostKeyOk: true });
        try {
          await expect(forReset.getSecret('api_token')).rejects.toThrow(lostMessage);
          await expect(forReset.putSecret('other', 'x')).rejects.toBeInstanceOf(ConfigError);
        } finally {
          await forReset.close();
        }
        expect(existsSync(keyFile)).toBe(false);

        // The key restored: everything opens again.
        await writeFile(keyFile, key, { mode: 0o600 });
        expect(await (await fixture.open({ env: {} })).getSecret('oauth:backlog')).toBe('refresh-token-1');

        await unlink(keyFile);
        const reset = await openStateStore({ state: fixture.state, projectDir: fixture.projectDir, env: {}, lostKeyOk: true });
        try {
          expect(await reset.deleteAllSecrets()).toBe(2);
          expect(await reset.secretKeyIds()).toEqual([]);
        } finally {
          await reset.close();
        }
        const fresh = await fixture.open({ env: {} });
        await fresh.putSecret('api_token', 'token-2');
        expect(await fresh.getSecret('api_token')).toBe('token-2');
        expect(await readFile(keyFile, 'utf8')).not.toBe(key);
      });
    });

    describe('migrations', () => {
      it('records each step once; migrating again changes nothing', async () => {
        const all = migrations.map((m) => m.version);
        expect(await fixture.migrationVersions()).toEqual(all);
        await putLedgerEntries(store, 's', [entry('a')]);
        await store.migrate();
        await store.migrate();
        expect(await fixture.migrationVersions()).toEqual(all);
        expect((await collect(store.readLedger('s'))).flat()).toEqual([entry('a')]);
      });

      it('upgrades a state written by the first version in place, keeping its runs and ledger', async () => {
        const old = await createFixture();
        try {
          const v1 = await old.openAt(1);
          const run = await v1.createRun({ kind: 'sync', name: 's', trigger: 'cli' });
          await v1.updateRun(run.id, { status: 'succeeded', finishedAt: T0 });
          await putLedgerEntries(v1, 's', [entry('a'), entry('b')]);
          await v1.close();
          // (This Sluice writes a rejected row's kind, a column the first version's table lacks: written as it was.)
          const b = rejected('b');
          await old.exec(
            `INSERT INTO rejected_rows (sync, key, run_id, operation, row_json, error, request, rejected_at)
             VALUES ('s', 'b', '${b.runId}', 'create', '${JSON.stringify(b.row).replace(/'/g, "''")}', '${b.error}', '${b.request!.replace(/'/g, "''")}', '${T0}')`,
          );
          expect(await old.migrationVersions()).toEqual([1]);

          const upgraded = await old.open();
          expect(await old.migrationVersions()).toEqual(migrations.map((m) => m.version));
          expect(await upgraded.getRun(run.id)).toMatchObject({ status: 'succeeded', finishedAt: T0, attempt: 1 });
          expect((await collect(upgraded.readLedger('s'))).flat()).toEqual([entry('a'), entry('b')]);
          expect(await upgraded.listRejected('s')).toEqual([rejected('b')]);
          expect((await upgraded.acquireLease('sync:s', { owner: 'run_x', ttlMs: 1000, process: here })).acquired).toBe(true);
        } finally {
          await old.destroy();
        }
      });

      it('gives runs of a state before invalid rows an invalid count of 0, and its rows rejected at planning the invalid kind', async () => {
        const old = await createFixture();
        try {
          const v5 = await old.openAt(5);
          const run = await v5.createRun({ kind: 'sync', name: 's', trigger: 'cli' });
          // As the version before counted them: rows without a key were failed ones, rejected with operation plan.
          await v5.updateRun(run.id, { status: 'failed', finishedAt: T0, counts: { planned: 3, delivered: 1, failed: 2 } });
          await v5.close();
          await old.exec(
            `INSERT INTO rejected_rows (sync, key, run_id, operation, row_json, error, request, rejected_at) VALUES
               ('s', 'k1', '${run.id}', 'plan', '{"id":null}', 'the key is null', NULL, '${T0}'),
               ('s', 'k2', '${run.id}', 'create', '{"id":2}', '400 Bad Request', 'curl x', '${T0}')`,
          );

          const upgraded = await old.open();
          expect(await old.migrationVersions()).toEqual(migrations.map((m) => m.version));
          expect((await upgraded.getRun(run.id))!.counts).toMatchObject({ planned: 3, delivered: 1, failed: 2, invalid: 0 });
          expect((await upgraded.listRejected('s')).map((r) => [r.key, r.kind])).toEqual([['k1', 'invalid'], ['k2', 'rejected']]);
          // Batches now add to it with the run's other counts.
          await upgraded.applyLedgerChanges('s', { put: [], deleted: [], rejected: [], cleared: [], counts: { runId: run.id, delivered: 0, failed: 0, invalid: 3 } });
          expect((await upgraded.getRun(run.id))!.counts).toMatchObject({ failed: 2, invalid: 3 });
        } finally {
          await old.destroy();
        }
      });

      it('lets two stores opened at once on a fresh state both migrate', async () => {
        const fresh = await createFixture();
        try {
          const [a, b] = await Promise.all([fresh.open(), fresh.open()]);
          expect(await fresh.migrationVersions()).toEqual(migrations.map((m) => m.version));
          await a!.setValue('seen', 'by a');
          expect(await b!.getValue('seen')).toBe('by a');
        } finally {
          await fresh.destroy();
        }
      });
    });
  });
}

describeStateStoreContract('SQLite', sqliteFixture);
describeStateStoreContract('PostgreSQL', postgresFixture);
