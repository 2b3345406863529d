import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startMarketoSandbox, type MarketoSandbox } from '../../sandbox/marketo/marketo-sandbox.js';

describe('Marketo sandbox', () => {
  let mk: MarketoSandbox;
  let token: string;
  const json = async (r: Response) => (await r.json()) as any;
  const identity = (query: string, init?: RequestInit) => fetch(`${mk.url}/identity/oauth/token?${query}`, init);
  const getToken = async () => (await json(await identity('grant_type=client_credentials&client_id=sandbox-client&client_secret=sandbox-secret'))).access_token as string;
  const push = async (body: unknown, t = token) =>
    json(await fetch(`${mk.url}/rest/v1/leads.json`, { method: 'POST', headers: { Authorization: `Bearer ${t}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) }));
  const get = async (path: string, t = token) => json(await fetch(`${mk.url}${path}`, { headers: { Authorization: `Bearer ${t}` } }));

  beforeAll(async () => {
    mk = await startMarketoSandbox({ seed: { leads: [{ email: 'old@example.com', firstName: 'Old' }], lists: { '1001': ['old@example.com'] } } });
  });
  afterAll(() => mk.close());
  beforeEach(async () => {
    mk.reset();
    token = await getToken();
  });

  it('issues a token for the client credentials, in the query (GET) or a form body (POST), and the same one while it is valid', async () => {
    expect(token).toMatch(/^[0-9a-f-]{36}:ab$/);
    const again = await json(await identity('', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials&client_id=sandbox-client&client_secret=sandbox-secret' }));
    expect(again).toMatchObject({ access_token: token, token_type: 'bearer', scope: 'apis@sandbox.example' });
    expect(again.expires_in).toBeLessThanOrEqual(3599);
    const bad = await identity('grant_type=client_credentials&client_id=sandbox-client&client_secret=nope');
    expect([bad.status, await bad.json()]).toEqual([401, { error: 'invalid_client', error_description: 'Bad client credentials' }]);
  });

  it('pushes leads with createOrUpdate: a status per lead in the order sent, skipped ones with reasons', async () => {
    const res = await push({
      action: 'createOrUpdate',
      lookupField: 'email',
      input: [{ email: 'OLD@example.com', firstName: 'Olga' }, { email: 'new@example.com', leadScore: '12' }, { email: 'x@example.com', shoeSize: 42 }, { email: 'y@example.com', leadScore: 'high' }],
    });
    expect(res).toMatchObject({ requestId: expect.stringMatching(/^[0-9a-f]+#[0-9a-f]+$/), success: true });
    expect(res.result).toEqual([
      { id: 1001, status: 'updated' },
      { id: 1002, status: 'created' },
      { status: 'skipped', reasons: [{ code: '1006', message: "Field 'shoeSize' not found" }] },
      { status: 'skipped', reasons: [{ code: '1003', message: "Invalid value 'high'. Required of type 'integer' for field 'leadScore'" }] },
    ]);
    expect(mk.state.leads.map((l) => [l.id, l.fields.email, l.fields.firstName ?? null, l.fields.leadScore ?? null])).toEqual([
      [1001, 'OLD@example.com', 'Olga', null],
      [1002, 'new@example.com', null, 12],
    ]);
  });

  it('createOnly skips an existing lead (1005), updateOnly a missing one (1004); more than 300 is refused as a whole', async () => {
    expect((await push({ action: 'createOnly', input: [{ email: 'old@example.com' }] })).result).toEqual([{ status: 'skipped', reasons: [{ code: '1005', message: 'Lead already exists' }] }]);
    expect((await push({ action: 'updateOnly', input: [{ email: 'none@example.com' }] })).result).toEqual([{ status: 'skipped', reasons: [{ code: '1004', message: 'Lead not found' }] }]);
    const big = await push({ input: Array.from({ length: 301 }, (_, i) => ({ email: `u${i}@example.com` })) });
    expect(big).toMatchObject({ success: false, errors: [{ code: '1003' }] });
    expect(big.result).toBeUndefined();
    expect(mk.state.leads).toHaveLength(1);
  });

  it('answers token errors with HTTP 200 and success false: 600 missing, 601 invalid, 602 expired', async () => {
    const missing = await fetch(`${mk.url}/rest/v1/stats/usage.json`);
    expect([missing.status, (await missing.json() as any).errors]).toEqual([200, [{ code: '600', message: 'Access token missing' }]]);
    expect((await get('/rest/v1/stats/usage.json', 'forged:ab')).errors).toEqual([{ code: '601', message: 'Access token invalid' }]);
    mk.expireTokens();
    expect((await get('/rest/v1/stats/usage.json')).errors).toEqual([{ code: '602', message: 'Access token expired' }]);
    const fresh = await getToken();
    expect(fresh).not.toBe(token);
    expect((await get('/rest/v1/stats/usage.json', fresh)).success).toBe(true);
  });

  it('refuses past 100 calls in 20 seconds with 606', async () => {
    mk.faults({ rate_limit: { remaining: 0 } });
    expect(await get('/rest/v1/stats/usage.json')).toMatchObject({ success: false, errors: [{ code: '606', message: "Max rate limit '100' exceeded with in '20' secs" }] });
  });

  it('reads a static list with batchSize and nextPageToken, absent on the last page', async () => {
    const created = await push({ input: [1, 2, 3, 4].map((n) => ({ email: `l${n}@example.com`, firstName: `L${n}` })) });
    await fetch(`${mk.url}/rest/v1/lists/1001/leads.json`, { method: 'POST', headers: { Authorization: `Bearer ${token}` }, body: JSON.stringify({ input: created.result.map((r: any) => ({ id: r.id })) }) });
    const emails: string[] = [];
    let next: string | undefined;
    let pages = 0;
    do {
      const page = await get(`/rest/v1/lists/1001/leads.json?batchSize=2&fields=email,firstName${next ? `&nextPageToken=${next}` : ''}`);
      expect(page.success).toBe(true);
      emails.push(...page.result.map((l: any) => l.email));
      expect(Object.keys(page.result[0])).toEqual(['id', 'email', 'firstName']);
      next = page.nextPageToken;
      pages++;
    } while (next);
    expect(pages).toBe(3);
    expect(emails).toEqual(['old@example.com', 'l1@example.com', 'l2@example.com', 'l3@example.com', 'l4@example.com']);
    expect((await get('/rest/v1/lists/1001/leads.json?nextPageToken=FORGED')).errors[0].code).toBe('1003');
  });
});
