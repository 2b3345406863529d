import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Destination } from '../../destinations/destination.js';
import type { DeliveryResult } from '../../rows/delivery-item.js';
import { openDuckdbDatabase } from '../../databases/duckdb/duckdb-database.js';
import type { Row } from '../../rows/row.js';
import type { Source } from '../../sources/source.js';
import type { SqlDatabase } from '../../databases/sql-database.js';
import { openStateStore } from '../../state/open-state-store.js';
import type { SqliteStateStore } from '../../state/sqlite-state-store.js';
import type { StateStore } from '../../state/state-store.js';
import { createRowMapper } from '../apply-mapping.js';
import { deliverPlan } from '../deliver-plan.js';
import { planSync, PlanError, type PlannedItem, type PlanSyncOptions } from './plan-sync.js';

/** The source without its capability of running in the plan workspace: planned row by row through read(). */
const throughSource = (source: Source): Source => ({ describe: () => source.describe(), read: (o) => source.read(o) });

/** A destination that accepts everything, giving remote ids r1, r2... */
function acceptingDestination(): Destination & { received: string[] } {
  let next = 1;
  const received: string[] = [];
  return {
    received,
    supports: (op) => op !== 'lookup',
    batchSize: () => 50,
    concurrency: 2,
    async write(items): Promise<DeliveryResult[]> {
      received.push(...items.map((i) => i.key));
      return items.map((i) => ({ key: i.key, ok: true, remoteId: i.remoteId ?? `r${next++}` }));
    },
    preview: async () => [],
    close: async () => undefined,
  };
}

describe('plan snapshot and the DuckDB SQL path', () => {
  let dir: string;
  let file: string;
  let store: StateStore;
  let model: SqlDatabase;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-snap-'));
    file = join(dir, 'model.duckdb');
    store = await openStateStore({ state: join(dir, 'state'), projectDir: dir });
    model = await openDuckdbDatabase(file);
    await model.execute(`CREATE TABLE customers AS SELECT i AS id, 'customer ' || i AS name, i % 7 AS score,
      TIMESTAMP '2026-11-01' + to_seconds(i) AS updated_at, [i, i + 1] AS tags FROM range(1, 501) r(i)`);
  });
  afterEach(async () => {
    await model.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  const sql = 'SELECT * FROM customers';
  const options = (over: Partial<PlanSyncOptions> = {}): PlanSyncOptions => ({
    source: model.query(sql),
    store,
    sync: 's',
    mode: 'mirror',
    key: ['id'],
    mapRow: (r: Row) => r,
    spillDir: join(dir, 'state', 'tmp'),
    snapshotDir: join(dir, 'state', 'plans'),
    ...over,
  });

  /** Plans and delivers one run, returning the counts and the items as sent. */
  async function run(over: Partial<PlanSyncOptions> = {}) {
    const plan = await planSync(options(over));
    const items: PlannedItem[] = [];
    try {
      const collect = async function* () {
        for await (const batch of plan.items({ batchSize: 64 })) {
          items.push(...batch);
          yield batch;
        }
      };
      await deliverPlan({ items: collect(), destination: acceptingDestination(), store, sync: 's', runId: 'r', mode: 'mirror' });
    } finally {
      await plan.close();
    }
    return { counts: plan.counts, items: items.sort((a, b) => a.key.localeCompare(b.key)), readVia: plan.readVia, ledgerVia: plan.ledgerVia, fingerprinted: plan.fingerprinted };
  }

  /** The ledger as the store has it, for comparing. */
  async function ledger() {
    const out: [string, string | null, string | null][] = [];
    for await (const batch of store.readLedger('s')) for (const e of batch) out.push([e.key, e.fingerprint, e.remoteId]);
    return out;
  }

  it('plans the same items, fingerprints and rows in SQL as through the Source, run after run', async () => {
    const viaSql = await run();
    expect(viaSql.counts).toMatchObject({ read: 500, added: 500, planned: 500 });
    expect([viaSql.readVia, viaSql.ledgerVia]).toEqual(['sql', 'rebuilt']);
    const ledgerAfterSql = await ledger();
    // The same first run through the JS path, on a fresh state, gives the same ledger.
    const other = await openStateStore({ state: join(dir, 'state2'), projectDir: dir });
    const jsPlan = await planSync({ ...options(), source: throughSource(model.query(sql)), store: other, snapshotDir: undefined });
    expect([jsPlan.readVia, jsPlan.ledgerVia]).toEqual(['source', 'ledger']);
    const jsItems: PlannedItem[] = [];
    for await (const b of jsPlan.items()) jsItems.push(...b);
    await jsPlan.close();
    await other.close();
    const strip = (i: PlannedItem) => ({ key: i.key, change: i.change, fingerprint: i.fingerprint, row: i.row });
    expect(viaSql.items.map(strip)).toEqual(jsItems.sort((a, b) => a.key.localeCompare(b.key)).map(strip));
    expect(ledgerAfterSql.map(([k, fp]) => [k, fp])).toEqual(jsItems.map((i) => [i.key, i.fingerprint]).sort((a, b) => a[0]!.localeCompare(b[0]!)));

    await model.execute(`UPDATE customers SET score = 99 WHERE id IN (3, 30); DELETE FROM customers WHERE id = 7; INSERT INTO customers VALUES (1000, 'new', 1, TIMESTAMP '2026-01-01', [])`);
    const second = await run();
    expect(second.counts).toMatchObject({ read: 500, added: 1, changed: 2, removed: 1, unchanged: 497 });
    expect([second.readVia, second.ledgerVia]).toEqual(['sql', 'snapshot']);
    // Only the rows whose values changed (or are new) were fingerprinted: the rest matched by value hash.
    expect(second.fingerprinted).toBe(3);
    expect(second.items.map((i) => [i.key, i.change])).toEqual([['1000', 'added'], ['3', 'changed'], ['30', 'changed'], ['7', 'removed']]);
    expect(second.items[1]!.row).toEqual({ id: 3, name: 'customer 3', score: 99, updated_at: '2026-11-01T00:00:03.000Z', tags: [3, 4] });
    expect((await run()).counts).toMatchObject({ planned: 0, unchanged: 500 });

    // Another rendering of the same values (a mapping) cannot reuse the kept hashes: every row is fingerprinted again.
    const renamed = await run({ mapRow: createRowMapper({ points: 'score' }) });
    expect(renamed).toMatchObject({ fingerprinted: 500, counts: { changed: 500, unchanged: 0 } });
    expect(renamed.items[0]!.row).toMatchObject({ points: 1 });
    const after = await run({ mapRow: createRowMapper({ points: 'score' }) });
    expect(after).toMatchObject({ fingerprinted: 0, counts: { planned: 0, unchanged: 500 } });
    expect(await ledger()).toHaveLength(500);
  });

  it('stages a large run in chunks and applies every line of it to the snapshot', async () => {
    // 6,000 staged lines: more than one chunk is written during the run, and the rest at close.
    await model.execute('CREATE OR REPLACE TABLE customers AS SELECT i AS id, repeat(\'x\', 40) || i AS name FROM range(1, 6001) r(i)');
    expect((await run()).counts).toMatchObject({ added: 6000 });
    // The snapshot alone answers the next plan: a key missing from it would be planned as added again.
    const next = await run();
    expect([next.ledgerVia, next.counts.planned, next.counts.unchanged]).toEqual(['snapshot', 0, 6000]);
  });

  it('trusts the snapshot only while the stored token matches it; any other ledger change makes the next plan rebuild', async () => {
    await run();
    const token = await store.getPlanMark('s');
    expect(token).toMatch(/^t:/);
    expect(existsSync(join(dir, 'state', 'plans', 's.duckdb'))).toBe(true);

    // A write that bypasses the store is not seen: this proves the plan read the snapshot, not the ledger.
    const stateDb = new Database((store as SqliteStateStore).file);
    stateDb.prepare("DELETE FROM ledger WHERE sync = 's' AND key = '1'").run();
    stateDb.close();
    const blind = await run();
    expect(blind.counts).toMatchObject({ added: 0, unchanged: 500 });
    expect(blind.ledgerVia).toBe('snapshot');

    // A delivery that does not carry the snapshot (a retry, the server, another process) marks it stale first.
    await deliverPlan({
      items: (async function* () {
        yield [{ key: '2', change: 'changed', operation: 'upsert', row: { id: 2 }, remoteId: 'x', fingerprint: 'other', wasFailed: false } satisfies PlannedItem];
      })(),
      destination: acceptingDestination(), store, sync: 's', runId: 'retry', mode: 'mirror',
    });
    expect(await store.getPlanMark('s')).toMatch(/^dirty:/);
    const rebuilt = await run();
    expect(rebuilt.ledgerVia).toBe('rebuilt');
    expect(rebuilt.items.map((i) => [i.key, i.change])).toEqual([['1', 'added'], ['2', 'changed']]);
    expect(await store.getPlanMark('s')).toMatch(/^t:/);
    expect((await run()).counts).toMatchObject({ planned: 0, unchanged: 500 });

    // Forgetting the ledger marks it stale too: everything is added again.
    await store.applyLedgerChanges('s', { put: [], deleted: (await store.listLedger('s')).map((e) => e.key), rejected: [], cleared: [] });
    expect((await run()).counts).toMatchObject({ added: 500, unchanged: 0 });
  });

  it('does not publish when someone else changed the ledger during the run, nor when the run stopped mid-way', async () => {
    await run();
    await model.execute('UPDATE customers SET score = -1 WHERE id <= 10');
    const plan = await planSync(options());
    // Another process: its own store on the same state.
    const elsewhere = await openStateStore({ state: join(dir, 'state'), projectDir: dir });
    let seen = 0;
    await deliverPlan({
      items: (async function* () {
        for await (const batch of plan.items({ batchSize: 5 })) {
          seen += batch.length;
          yield batch;
          // Another process writes while this run delivers.
          await deliverPlan({
            items: (async function* () {
              yield [{ key: '400', change: 'changed', operation: 'upsert', row: {}, remoteId: 'x', fingerprint: 'elsewhere', wasFailed: false } satisfies PlannedItem];
            })(),
            destination: acceptingDestination(), store: elsewhere, sync: 's', runId: 'other', mode: 'mirror',
          });
        }
      })(),
      destination: acceptingDestination(), store, sync: 's', runId: 'r', mode: 'mirror',
    });
    await plan.close();
    await elsewhere.close();
    expect(seen).toBe(10);
    expect(await store.getPlanMark('s')).toMatch(/^dirty:/);
    const next = await run();
    expect(next.items.map((i) => [i.key, i.change])).toEqual([['400', 'changed']]);

    // Stopped after marking and writing (as a kill -9 would leave it): the value stays dirty, the next plan rebuilds.
    await model.execute('UPDATE customers SET score = -2 WHERE id = 1');
    const stopped = await planSync(options());
    await store.applyLedgerChanges('s', {
      put: [{ key: '1', fingerprint: 'half-done', remoteId: 'r1', status: 'delivered', lastError: null, runId: 'x', updatedAt: '' }],
      deleted: [], rejected: [], cleared: [],
    });
    expect(await store.getPlanMark('s')).toMatch(/^dirty:/);
    // (closing without its write confirmed: what a crash leaves behind)
    await store.setPlanMark('s', 'dirty:crashed');
    await stopped.close();
    expect((await run()).items.map((i) => [i.key, i.change])).toEqual([['1', 'changed']]);
  });

  it('keeps keys and remote ids of any text through the snapshot: commas, quotes, newlines, empty, Unicode', async () => {
    const odd = ['a,b', 'say "hi"', 'line\nbreak', 'cr\r\nlf', '', ' ', 'ünï😀', '"', ',', 'null', 'NULL'];
    await model.execute(`CREATE TABLE odd AS SELECT unnest(${'[' + odd.map((k) => `'${k.replaceAll("'", "''")}'`).join(', ') + ']'}) AS code, 1 AS v`);
    const oddSql = 'SELECT * FROM odd';
    const over = { key: ['code'], source: model.query(oddSql) };
    const first = await run(over);
    expect(first.items.map((i) => i.key).sort()).toEqual([...odd].sort());
    expect(first.ledgerVia).toBe('rebuilt');
    const delivered = await ledger();
    // The next plan reads the published snapshot: every key is known, with its fingerprint and remote id.
    const second = await run({ ...over, source: model.query(oddSql) });
    expect([second.ledgerVia, second.counts.unchanged, second.items.length]).toEqual(['snapshot', odd.length, 0]);
    await model.execute(`UPDATE odd SET v = 2 WHERE code IN ('a,b', '')`);
    const third = await run({ ...over, source: model.query(oddSql) });
    expect(third.items.map((i) => [i.key, i.change, i.remoteId])).toEqual(
      ['', 'a,b'].map((k) => [k, 'changed', delivered.find(([key]) => key === k)![2]]),
    );
  });

  it('follows the mapping, composite keys, NULL keys and duplicate keys as the JS path does', async () => {
    await model.execute(`INSERT INTO customers VALUES (NULL, 'no key', 0, NULL, NULL), (NULL, 'no key either', 0, NULL, NULL)`);
    const mapRow = createRowMapper({ customer_id: 'id', label: 'name' });
    const viaSql = await planSync(options({ mapRow, key: ['customer_id', 'label'] }));
    const viaJs = await planSync(options({ mapRow, key: ['customer_id', 'label'], source: throughSource(model.query(sql)), snapshotDir: undefined }));
    expect(viaSql.counts).toEqual(viaJs.counts);
    expect([viaSql.readVia, viaJs.readVia]).toEqual(['sql', 'source']);
    expect(viaSql.counts).toMatchObject({ read: 502, invalid: 2 });
    expect(viaSql.invalid.map((i) => [i.key, i.error, i.row.label])).toEqual(viaJs.invalid.map((i) => [i.key, i.error, i.row.label]));
    const first = async (p: typeof viaSql) => {
      for await (const b of p.items()) return b.sort((a, c) => a.key.localeCompare(c.key))[0];
    };
    expect(await first(viaSql)).toEqual(await first(viaJs));
    expect((await first(viaSql))!.key).toBe('["1","customer 1"]');
    await viaSql.close();
    await viaJs.close();

    await model.execute(`INSERT INTO customers VALUES (5, 'again', 0, NULL, NULL)`);
    await expect(planSync(options())).rejects.toThrow(
      new PlanError('1 key value(s) appear more than once in the source of sync "s" (key id): "5" (2 rows). Each record must have one row: fix the query or choose a key that is unique.'),
    );
  });

  it('falls back to the Source for types it cannot render, and reads files of a :memory: connection from the project folder', async () => {
    const withJson = `SELECT id, '{"a": 1.0}'::JSON AS doc FROM customers`;
    const plan = await planSync(options({ source: model.query(withJson) }));
    expect(plan.readVia).toBe('source');
    for await (const b of plan.items()) expect(b[0]!.row.doc).toEqual({ a: 1 });
    await plan.close();

    await writeFile(join(dir, 'people.csv'), 'id,name\n1,Ada\n2,Grace\n');
    const mem = await openDuckdbDatabase(':memory:', { fileSearchPath: dir });
    const csv = `SELECT * FROM read_csv('people.csv')`;
    const viaSql = await planSync(options({ source: mem.query(csv), sync: 'csv' }));
    expect(viaSql.readVia).toBe('sql');
    const items: PlannedItem[] = [];
    for await (const b of viaSql.items()) items.push(...b);
    await viaSql.close();
    await mem.close();
    expect(items.map((i) => i.row).sort((a, b) => Number(a.id) - Number(b.id))).toEqual([{ id: 1, name: 'Ada' }, { id: 2, name: 'Grace' }]);
  });

  it('stops planning when the run is cancelled, with the reason', async () => {
    const abort = new AbortController();
    abort.abort(new Error('cancelled by the user'));
    await expect(planSync(options({ signal: abort.signal }))).rejects.toThrow('cancelled by the user');
  });
});

