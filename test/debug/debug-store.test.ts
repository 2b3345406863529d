import { describe, expect, it } from 'vitest';
import { exchangeIdBefore, newExchangeIds } from '../../src/state/exchange-id.js';
import type { RecordedExchange, StateStore } from '../../src/state/state-store.js';
import { openStoreForEachTest, STATE_KINDS } from '../state/state-fixtures.js';

const exchange = (id: string, over: Partial<RecordedExchange> = {}): RecordedExchange => ({
  id,
  runId: 'run_1',
  at: '2026-12-07T10:00:00.000Z',
  attempt: 1,
  endpoint: 'upsert_contacts',
  operation: 'upsert',
  method: 'POST',
  url: 'https://api.example.com/contacts?hapikey=****',
  requestHeaders: { 'content-type': 'application/json', authorization: 'Bearer ****' },
  requestBody: '{"inputs":[{"id":"a"},{"id":"b"}]}',
  auth: 'bearer',
  status: 207,
  responseHeaders: { 'content-type': 'application/json' },
  responseBody: '{"results":[]}',
  durationMs: 12,
  keys: [
    { key: 'a', outcome: 'delivered', error: null },
    { key: 'b', outcome: 'rejected', error: 'email is invalid' },
  ],
  ...over,
});

describe.each(STATE_KINDS)('%s debug store', (_name, createFixture) => {
  let store: StateStore;
  openStoreForEachTest(createFixture, (opened) => {
    store = opened;
  });
  const list = async (sync: string, key: string, options?: { runId?: string; limit?: number }) => (await store.listExchanges(sync, key, options)).exchanges;

  it('keeps a batch exchange once and lists it for each key it carried, with that key outcome', async () => {
    const ids = newExchangeIds();
    await store.putExchanges('s', [exchange(ids())]);
    const [a] = await list('s', 'a');
    const [b] = await list('s', 'b');
    expect(a).toMatchObject({ runId: 'run_1', outcome: 'delivered', error: null, records: 2, status: 207, requestBody: '{"inputs":[{"id":"a"},{"id":"b"}]}', at: '2026-12-07T10:00:00.000Z' });
    // Every field comes back as it was kept.
    const { id: _id, keys: _keys, ...kept } = exchange('x');
    expect(a).toEqual({ ...kept, records: 2, outcome: 'delivered', error: null });
    expect(b).toMatchObject({ outcome: 'rejected', error: 'email is invalid' });
    expect(await list('s', 'c')).toEqual([]);
    expect(await list('other', 'a')).toEqual([]);
  });

  it('lists newest first, filters by run, and bounds the list', async () => {
    let t = 1_000_000;
    const ids = newExchangeIds(() => t++);
    await store.putExchanges('s', [exchange(ids(), { runId: 'r1', keys: [{ key: 'k', outcome: 'refused', error: 'x' }] })]);
    await store.putExchanges('s', [exchange(ids(), { runId: 'r2', status: null, responseBody: null, durationMs: null, keys: [{ key: 'k', outcome: 'delivered', error: null }] })]);
    const all = await list('s', 'k');
    expect(all.map((e) => e.runId)).toEqual(['r2', 'r1']);
    expect(all[0]).toMatchObject({ status: null, responseBody: null, durationMs: null });
    expect((await list('s', 'k', { runId: 'r1' })).map((e) => e.outcome)).toEqual(['refused']);
    expect(await list('s', 'k', { limit: 1 })).toHaveLength(1);
  });

  it('prunes pages of exchanges older than the cutoff with their keys, at most limit a call', async () => {
    const day = 86_400_000;
    const now = Date.UTC(2026, 11, 7);
    let t = now - 10 * day;
    const ids = newExchangeIds(() => t);
    const old = [ids(), ids(), ids()];
    t = now;
    const fresh = ids();
    // A page a write, as a recorder writes them; a page goes once its last exchange is past the cutoff.
    for (const id of [...old, fresh]) await store.putExchanges('s', [exchange(id)]);
    await store.putExchanges('s', [exchange(ids(), { runId: 'run_2' }), exchange(old[0]!.replace(/.$/, 'z'), { runId: 'run_2' })]);
    await store.putExchanges('t', [exchange(old[0]!)]);
    const cutoff = exchangeIdBefore(new Date(now - 7 * day));
    expect(await store.pruneExchanges('s', { before: cutoff, limit: 2 })).toBe(2);
    expect(await list('s', 'a')).toHaveLength(4);
    expect(await store.pruneExchanges('s', { before: cutoff, limit: 2 })).toBe(1);
    expect(await store.pruneExchanges('s', { before: cutoff, limit: 2 })).toBe(0);
    // The fresh one, and the page that mixes an old exchange with a fresh one (kept whole until its last is old).
    expect((await list('s', 'a')).map((e) => e.runId).sort()).toEqual(['run_1', 'run_2', 'run_2']);
    // Another sync's exchanges are its own retention's business.
    expect(await list('t', 'a')).toHaveLength(1);
  });

  it('stores hostile keys and texts as given: quotes, a 10 KB key, unicode', async () => {
    const hostile = `'"; DROP TABLE debug_pages; --${'x'.repeat(10_000)}`;
    await store.putExchanges('s', [exchange(newExchangeIds()(), { requestBody: 'é"\\\n\u2028', keys: [{ key: hostile, outcome: 'rejected', error: "it's \"bad\"" }] })]);
    const [found] = await list('s', hostile);
    expect(found).toMatchObject({ requestBody: 'é"\\\n\u2028', error: "it's \"bad\"" });
  });

  it('finds a key whose text sits inside another key, and only where it went', async () => {
    // The JSON text of key `b"` is `"b\""`: inside it, `"` followed by nothing is no key of its own.
    const ids = newExchangeIds();
    await store.putExchanges('s', [exchange(ids(), { keys: [{ key: 'x"b"', outcome: 'delivered', error: null }] })]);
    await store.putExchanges('s', [exchange(ids(), { keys: [{ key: 'b', outcome: 'rejected', error: 'no' }] })]);
    expect((await list('s', 'b')).map((e) => e.outcome)).toEqual(['rejected']);
    expect((await list('s', 'x"b"')).map((e) => e.outcome)).toEqual(['delivered']);
  });

  it('searches past a window of pages, and says when its time budget cut the search short', async () => {
    let t = 2_000_000;
    const ids = newExchangeIds(() => (t += 10));
    // The key's oldest exchange, then 1,200 writes of other keys: the search reads more than two windows of pages.
    await store.putExchanges('s', [exchange(ids(), { runId: 'r_old', keys: [{ key: 'needle', outcome: 'delivered', error: null }] })]);
    for (let i = 0; i < 1200; i += 100) {
      await store.putExchanges('s', Array.from({ length: 100 }, (_, j) => exchange(ids(), { keys: [{ key: `k${i + j}`, outcome: 'delivered', error: null }] })));
    }
    // (One page a write of exchanges: single-exchange writes pass the window size.)
    for (let i = 0; i < 1100; i++) await store.putExchanges('s', [exchange(ids(), { keys: [{ key: `z${i}`, outcome: 'delivered', error: null }] })]);
    await store.putExchanges('s', [exchange(ids(), { runId: 'r_new', keys: [{ key: 'needle', outcome: 'rejected', error: 'e' }] })]);
    const all = await store.listExchanges('s', 'needle');
    expect({ runs: all.exchanges.map((e) => e.runId), searchedAll: all.searchedAll }).toEqual({ runs: ['r_new', 'r_old'], searchedAll: true });
    const cut = await store.listExchanges('s', 'needle', { budgetMs: 0 });
    expect({ runs: cut.exchanges.map((e) => e.runId), searchedAll: cut.searchedAll }).toEqual({ runs: ['r_new'], searchedAll: false });
    // In one run, the run's blocks alone are read.
    expect((await list('s', 'needle', { runId: 'r_old' })).map((e) => e.runId)).toEqual(['r_old']);
  }, 60_000);

  it('keeps the exchanges a state of the previous schema held, findable by key with their outcomes', async () => {
    const old = await createFixture();
    try {
      await (await old.openAt(7)).close();
      const columns = `(sync, id, run_id, at, attempt, endpoint, operation, records, method, url, request_headers, request_body, auth,
        status, response_headers, response_body, duration_ms, key, outcome, error)`;
      await old.exec(`
        INSERT INTO debug_exchanges ${columns} VALUES
          ('s', '0001', 'run_a', '2026-12-01T10:00:00.000Z', 1, 'post', 'create', 1, 'POST', 'http://x/1', '{}', '{"id":1}', NULL, 201, '{}', '{}', 5, 'k1', 'delivered', NULL),
          ('s', '0002', 'run_a', '2026-12-01T10:00:01.000Z', 1, 'post_batch', 'create', 3, 'POST', 'http://x/b', '{}', '[1,2,3]', NULL, 207, '{}', '[]', 7, NULL, NULL, NULL);
        INSERT INTO debug_keys (sync, key, exchange_id, outcome, error) VALUES
          ('s', 'k1', '0002', 'rejected', 'bad "email"'), ('s', 'k2', '0002', 'delivered', NULL), ('s', 'k3', '0002', 'delivered', NULL);
      `);
      const upgraded = await old.open();
      const k1 = (await upgraded.listExchanges('s', 'k1')).exchanges;
      expect(k1.map((e) => [e.url, e.outcome, e.error, e.records])).toEqual([
        ['http://x/b', 'rejected', 'bad "email"', 3],
        ['http://x/1', 'delivered', null, 1],
      ]);
      expect((await upgraded.listExchanges('s', 'k3')).exchanges.map((e) => [e.url, e.outcome])).toEqual([['http://x/b', 'delivered']]);
      expect(await upgraded.pruneExchanges('s', { before: '0003', limit: 10 })).toBe(2);
      expect((await upgraded.listExchanges('s', 'k1')).exchanges).toEqual([]);
    } finally {
      await old.destroy();
    }
  });
});
