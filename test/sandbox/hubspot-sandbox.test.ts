import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startHubSpotSandbox, type HubSpotSandbox } from '../../sandbox/hubspot/hubspot-sandbox.js';

describe('HubSpot sandbox', () => {
  let hs: HubSpotSandbox;
  const headers = { Authorization: 'Bearer sandbox-private-app-token', 'Content-Type': 'application/json' };
  const post = (path: string, body: unknown, h: Record<string, string> = headers) =>
    fetch(`${hs.url}/crm/v3/objects/contacts${path}`, { method: 'POST', headers: h, body: JSON.stringify(body) });

  beforeAll(async () => {
    hs = await startHubSpotSandbox({ seed: { contacts: [{ email: 'old@example.com', firstname: 'Old' }] } });
  });
  afterAll(() => hs.close());
  beforeEach(() => hs.reset());

  it('batch upsert by email creates and updates: 200 COMPLETE, results with new flags, not in input order', async () => {
    const res = await post('/batch/upsert', {
      inputs: [
        { idProperty: 'email', id: 'old@example.com', properties: { firstname: 'Olga' } },
        { idProperty: 'email', id: 'jane@example.com', properties: { firstname: 'Jane', lastname: 'Doe' } },
      ],
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body.status).toBe('COMPLETE');
    const byEmail = Object.fromEntries(body.results.map((r: any) => [r.properties.email, r]));
    expect(byEmail['old@example.com']).toMatchObject({ new: false, properties: { firstname: 'Olga' } });
    expect(byEmail['jane@example.com']).toMatchObject({ new: true, properties: { firstname: 'Jane', lastname: 'Doe' }, archived: false });
    expect(body.results[0].properties.email).toBe('jane@example.com');
    expect(hs.state.contacts.map((c) => c.properties.firstname)).toEqual(['Olga', 'Jane']);
  });

  it('batch create answers 207 with results and errors when traced inputs partly fail', async () => {
    const res = await post('/batch/create', {
      inputs: [
        { objectWriteTraceId: 't1', properties: { email: 'a@example.com' } },
        { objectWriteTraceId: 't2', properties: { email: 'not-an-email' } },
      ],
    });
    expect(res.status).toBe(207);
    const body = (await res.json()) as any;
    expect(body.results.map((r: any) => r.properties.email)).toEqual(['a@example.com']);
    expect(body.numErrors).toBe(1);
    expect(body.errors[0]).toMatchObject({
      status: 'error',
      category: 'VALIDATION_ERROR',
      context: { objectWriteTraceId: ['t2'] },
      errors: [{ message: 'Email address not-an-email is invalid', code: 'INVALID_EMAIL', in: 'email' }],
    });
    expect(body.errors[0].message).toContain('Property values were not valid');
  });

  it('refuses the whole batch with 400 when an untraced input fails, writing nothing', async () => {
    const res = await post('/batch/create', { inputs: [{ properties: { email: 'a@example.com' } }, { properties: { email: 'bad' } }] });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR', correlationId: expect.any(String) });
    expect(hs.state.contacts).toHaveLength(1);
  });

  it('answers 201 when a whole batch create succeeds, 409 CONFLICT for an existing email', async () => {
    expect((await post('/batch/create', { inputs: [{ properties: { email: 'n@example.com' } }] })).status).toBe(201);
    const dup = await post('/batch/create', { inputs: [{ properties: { email: 'old@example.com' } }] });
    expect(dup.status).toBe(409);
    expect(((await dup.json()) as any).message).toMatch(/^Contact already exists. Existing ID: \d+$/);
  });

  it('refuses more than 100 inputs and unknown properties with VALIDATION_ERROR', async () => {
    const inputs = Array.from({ length: 101 }, (_, i) => ({ properties: { email: `u${i}@example.com` } }));
    const big = await post('/batch/create', { inputs });
    expect(big.status).toBe(400);
    expect(((await big.json()) as any).category).toBe('VALIDATION_ERROR');
    const unknown = await post('/batch/update', { inputs: [{ id: hs.state.contacts[0]!.id, properties: { shoe_size: '42' } }] });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as any).message).toContain('Property \\"shoe_size\\" does not exist');
  });

  it('batch update by id answers 200; an unknown id fails the batch with 404 OBJECT_NOT_FOUND', async () => {
    const id = hs.state.contacts[0]!.id;
    const ok = await post('/batch/update', { inputs: [{ id, properties: { lastname: 'Updated' } }] });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as any).results[0]).toMatchObject({ id, properties: { lastname: 'Updated' } });
    const missing = await post('/batch/update', { inputs: [{ id: '999999', properties: { lastname: 'X' } }] });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as any).category).toBe('OBJECT_NOT_FOUND');
  });

  it('lists contacts with limit and the after cursor until paging is absent', async () => {
    await post('/batch/create', { inputs: [1, 2, 3, 4].map((n) => ({ properties: { email: `p${n}@example.com` } })) });
    const emails: string[] = [];
    let after: string | undefined;
    let pages = 0;
    do {
      const res = (await (await fetch(`${hs.url}/crm/v3/objects/contacts?limit=2${after ? `&after=${after}` : ''}&properties=email`, { headers })).json()) as any;
      emails.push(...res.results.map((r: any) => r.properties.email));
      after = res.paging?.next?.after;
      if (after) expect(res.paging.next.link).toContain(`after=${after}`);
      pages++;
    } while (after);
    expect(pages).toBe(3);
    expect(emails).toEqual(['old@example.com', 'p1@example.com', 'p2@example.com', 'p3@example.com', 'p4@example.com']);
  });

  it('answers 401 without a valid bearer token', async () => {
    const res = await post('/batch/create', { inputs: [] }, { 'Content-Type': 'application/json' });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ status: 'error', category: 'INVALID_AUTHENTICATION' });
    expect((await post('/batch/create', { inputs: [] }, { Authorization: 'Bearer wrong' })).status).toBe(401);
  });

  it('sends rate-limit headers and 429 RATE_LIMIT TEN_SECONDLY_ROLLING when the budget is spent', async () => {
    const ok = await fetch(`${hs.url}/crm/v3/objects/contacts`, { headers });
    expect(ok.headers.get('x-hubspot-ratelimit-max')).toBe('100');
    expect(ok.headers.get('x-hubspot-ratelimit-interval-milliseconds')).toBe('10000');
    expect(ok.headers.get('x-hubspot-ratelimit-remaining')).toBe('99');
    await fetch(`${hs.url}/_sandbox/faults`, { method: 'POST', body: JSON.stringify({ rate_limit: { remaining: 0 } }) });
    const limited = await fetch(`${hs.url}/crm/v3/objects/contacts`, { headers });
    expect(limited.status).toBe(429);
    expect(await limited.json()).toMatchObject({ status: 'error', message: 'You have reached your ten_secondly_rolling limit.', errorType: 'RATE_LIMIT', policyName: 'TEN_SECONDLY_ROLLING' });
  });
});
