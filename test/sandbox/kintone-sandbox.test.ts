import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startKintoneSandbox, type KintoneSandbox } from '../../sandbox/kintone/kintone-sandbox.js';

describe('kintone sandbox', () => {
  let k: KintoneSandbox;
  const headers = { 'X-Cybozu-API-Token': 'sandbox-api-token', 'Content-Type': 'application/json' };
  const call = (method: string, body: unknown, h: Record<string, string> = headers) =>
    fetch(`${k.url}/k/v1/records.json`, { method, headers: h, body: JSON.stringify(body) });
  const cells = (r: Record<string, unknown>) => Object.fromEntries(Object.entries(r).map(([f, v]) => [f, { value: v }]));
  const get = async (query: string, extra = '') =>
    (await fetch(`${k.url}/k/v1/records.json?app=1&query=${encodeURIComponent(query)}${extra}`, { headers: { 'X-Cybozu-API-Token': 'sandbox-api-token' } }));

  beforeAll(async () => {
    k = await startKintoneSandbox({ seed: { records: [{ code: 'C-1', name: 'Old', age: 50 }] } });
  });
  afterAll(() => k.close());
  beforeEach(() => k.reset());

  it('adds records and answers their ids and revisions in the order sent', async () => {
    const res = await call('POST', { app: 1, records: [cells({ code: 'C-2', name: 'Ada' }), cells({ code: 'C-3', name: 'Grace', age: '41' })] });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ids: ['2', '3'], revisions: ['1', '1'] });
    expect(k.state.records.map((r) => [r.id, r.values.code, r.values.name])).toEqual([
      ['1', 'C-1', 'Old'],
      ['2', 'C-2', 'Ada'],
      ['3', 'C-3', 'Grace'],
    ]);
  });

  it('refuses the whole request when one record is invalid, naming it by path, and writes nothing', async () => {
    const res = await call('POST', { app: 1, records: [cells({ code: 'C-2' }), cells({ code: 'C-3', age: 'forty' }), cells({ name: 'no code' })] });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      code: 'CB_VA01',
      id: expect.stringMatching(/^\d+-\d+$/),
      message: 'Missing or invalid input.',
      errors: { 'records[1].age.value': { messages: ['Only numbers are allowed.'] } },
    });
    expect(k.state.records).toHaveLength(1);
    const dup = await call('POST', { app: 1, records: [cells({ code: 'C-1' })] });
    expect(((await dup.json()) as any).errors).toEqual({ 'records[0].code.value': { messages: ['This value already exists in another record.'] } });
  });

  it('refuses more than 100 records and an unknown app', async () => {
    const many = Array.from({ length: 101 }, (_, i) => cells({ code: `M-${i}` }));
    const big = await call('POST', { app: 1, records: many });
    expect(big.status).toBe(400);
    expect(((await big.json()) as any).errors).toEqual({ records: { messages: ['Only up to 100 records can be specified.'] } });
    const other = await call('POST', { app: 7, records: [] });
    expect(other.status).toBe(404);
    expect(await other.json()).toMatchObject({ code: 'GAIA_AP01' });
  });

  it('updates by id (revision checked) and upserts by a unique field, with the operation of each', async () => {
    const upd = await call('PUT', { app: 1, records: [{ id: 1, record: cells({ name: 'New' }) }] });
    expect(await upd.json()).toEqual({ records: [{ id: '1', revision: '2' }] });
    const stale = await call('PUT', { app: 1, records: [{ id: 1, revision: 1, record: cells({ name: 'X' }) }] });
    expect(stale.status).toBe(409);
    expect(await stale.json()).toMatchObject({ code: 'GAIA_CO02' });
    const missing = await call('PUT', { app: 1, records: [{ id: 99, record: cells({ name: 'X' }) }] });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: 'GAIA_RE01', message: 'The specified record (ID: 99) is not found.' });
    const up = await call('PUT', {
      app: 1,
      upsert: true,
      records: [
        { updateKey: { field: 'code', value: 'C-1' }, record: cells({ name: 'Upserted' }) },
        { updateKey: { field: 'code', value: 'C-5' }, record: cells({ name: 'Fresh' }) },
      ],
    });
    expect(await up.json()).toEqual({ records: [{ id: '1', revision: '3', operation: 'UPDATE' }, { id: '2', revision: '1', operation: 'INSERT' }] });
    expect(k.state.records.map((r) => [r.values.code, r.values.name])).toEqual([['C-1', 'Upserted'], ['C-5', 'Fresh']]);
    const notUnique = await call('PUT', { app: 1, upsert: true, records: [{ updateKey: { field: 'name', value: 'x' }, record: {} }] });
    expect(notUnique.status).toBe(400);
  });

  it('deletes records by id, all or nothing: an unknown id fails the request and deletes none', async () => {
    await call('POST', { app: 1, records: [2, 3].map((n) => cells({ code: `C-${n}` })) });
    const missing = await call('DELETE', { app: 1, ids: [2, 99] });
    expect([missing.status, ((await missing.json()) as any).code]).toEqual([404, 'GAIA_RE01']);
    expect(k.state.records).toHaveLength(3);
    expect(await (await call('DELETE', { app: 1, ids: [1, 3] })).json()).toEqual({});
    expect(k.state.records.map((r) => r.id)).toEqual(['2']);
  });

  it('reads records with a query: fields typed, limit up to 500, offset up to 10,000, totalCount on request', async () => {
    await call('POST', { app: 1, records: [2, 3, 4].map((n) => cells({ code: `C-${n}` })) });
    const page = (await (await get('$id > 1 order by $id asc limit 2', '&totalCount=true')).json()) as any;
    expect(page.records.map((r: any) => r.$id.value)).toEqual(['2', '3']);
    expect(page.records[0].code).toEqual({ type: 'SINGLE_LINE_TEXT', value: 'C-2' });
    expect(page.records[0].age).toEqual({ type: 'NUMBER', value: null });
    expect(page.totalCount).toBe('3');
    const byDefault = (await (await get('')).json()) as any;
    expect(byDefault.records.map((r: any) => r.$id.value)).toEqual(['4', '3', '2', '1']);
    expect(byDefault.totalCount).toBeNull();
    expect((await get('limit 501')).status).toBe(400);
    const far = await get('limit 1 offset 10001');
    expect(far.status).toBe(400);
    expect(((await far.json()) as any).errors).toEqual({ query: { messages: ['The offset must be 10,000 or less.'] } });
  });

  it('walks a cursor until next is false, then the cursor is gone', async () => {
    await call('POST', { app: 1, records: [2, 3, 4].map((n) => cells({ code: `C-${n}` })) });
    const created = await fetch(`${k.url}/k/v1/records/cursor.json`, { method: 'POST', headers, body: JSON.stringify({ app: 1, size: 3, query: 'order by $id asc', fields: ['$id', 'code'] }) });
    const { id, totalCount } = (await created.json()) as any;
    expect(totalCount).toBe('4');
    const read = async () => (await (await fetch(`${k.url}/k/v1/records/cursor.json?id=${id}`, { headers })).json()) as any;
    const first = await read();
    expect(first.next).toBe(true);
    expect(first.records.map((r: any) => Object.keys(r))).toEqual([['$id', 'code'], ['$id', 'code'], ['$id', 'code']]);
    const second = await read();
    expect([second.next, second.records.map((r: any) => r.code.value)]).toEqual([false, ['C-4']]);
    expect(((await read()) as any).code).toBe('GAIA_CU01');
  });

  it('answers 401 without a token or with a wrong one; the app is the connection test', async () => {
    const none = await call('POST', { app: 1, records: [] }, { 'Content-Type': 'application/json' });
    expect([none.status, ((await none.json()) as any).code]).toEqual([401, 'CB_AU01']);
    const wrong = await call('POST', { app: 1, records: [] }, { 'X-Cybozu-API-Token': 'nope', 'Content-Type': 'application/json' });
    expect(await wrong.json()).toMatchObject({ code: 'GAIA_IA02', message: 'The API token is invalid.' });
    const app = await fetch(`${k.url}/k/v1/app.json?id=1`, { headers });
    expect(await app.json()).toMatchObject({ appId: '1', name: 'Customers' });
  });

  it('refuses requests past the daily budget with 403 GAIA_DA02', async () => {
    k.faults({ rate_limit: { remaining: 0 } });
    const res = await get('');
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ code: 'GAIA_DA02' });
  });
});
