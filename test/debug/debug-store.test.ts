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

  it('keeps a batch exchange once and lists it for each key it carried, with that key outcome', async () => {
    const ids = newExchangeIds();
    await store.putExchanges('s', [exchange(ids())]);
    const [a] = await store.listExchanges('s', 'a');
    const [b] = await store.listExchanges('s', 'b');
    expect(a).toMatchObject({ runId: 'run_1', outcome: 'delivered', error: null, records: 2, status: 207, requestBody: '{"inputs":[{"id":"a"},{"id":"b"}]}', at: '2026-12-07T10:00:00.000Z' });
    expect(a!.requestHeaders).toEqual({ 'content-type': 'application/json', authorization: 'Bearer ****' });
    expect(b).toMatchObject({ outcome: 'rejected', error: 'email is invalid' });
    expect(await store.listExchanges('s', 'c')).toEqual([]);
    expect(await store.listExchanges('other', 'a')).toEqual([]);
  });

  it('lists newest first, filters by run, and bounds the list', async () => {
    let t = 1_000_000;
    const ids = newExchangeIds(() => t++);
    await store.putExchanges('s', [exchange(ids(), { runId: 'r1', keys: [{ key: 'k', outcome: 'refused', error: 'x' }] })]);
    await store.putExchanges('s', [exchange(ids(), { runId: 'r2', status: null, responseBody: null, durationMs: null, keys: [{ key: 'k', outcome: 'delivered', error: null }] })]);
    const all = await store.listExchanges('s', 'k');
    expect(all.map((e) => e.runId)).toEqual(['r2', 'r1']);
    expect(all[0]).toMatchObject({ status: null, responseBody: null, durationMs: null });
    expect((await store.listExchanges('s', 'k', { runId: 'r1' })).map((e) => e.outcome)).toEqual(['refused']);
    expect(await store.listExchanges('s', 'k', { limit: 1 })).toHaveLength(1);
  });

  it('prunes exchanges older than the cutoff with their keys, at most limit a call', async () => {
    const day = 86_400_000;
    const now = Date.UTC(2026, 11, 7);
    let t = now - 10 * day;
    const ids = newExchangeIds(() => t);
    const old = [ids(), ids(), ids()];
    t = now;
    const fresh = ids();
    await store.putExchanges('s', [...old, fresh].map((id) => exchange(id)));
    await store.putExchanges('t', [exchange(old[0]!)]);
    const cutoff = exchangeIdBefore(new Date(now - 7 * day));
    expect(await store.pruneExchanges('s', { before: cutoff, limit: 2 })).toBe(2);
    expect(await store.listExchanges('s', 'a')).toHaveLength(2);
    expect(await store.pruneExchanges('s', { before: cutoff, limit: 2 })).toBe(1);
    expect(await store.pruneExchanges('s', { before: cutoff, limit: 2 })).toBe(0);
    expect(await store.listExchanges('s', 'a')).toHaveLength(1);
    // Another sync's exchanges are its own retention's business.
    expect(await store.listExchanges('t', 'a')).toHaveLength(1);
  });

  it('stores hostile keys and texts as given: quotes, a 10 KB key, unicode', async () => {
    const hostile = `'"; DROP TABLE debug_keys; --${'x'.repeat(10_000)}`;
    await store.putExchanges('s', [exchange(newExchangeIds()(), { requestBody: 'é"\\\n\u2028', keys: [{ key: hostile, outcome: 'rejected', error: "it's \"bad\"" }] })]);
    const [found] = await store.listExchanges('s', hostile);
    expect(found).toMatchObject({ requestBody: 'é"\\\n\u2028', error: "it's \"bad\"" });
  });
});
