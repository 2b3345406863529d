import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startZendeskSandbox, type ZendeskSandbox } from '../../sandbox/zendesk/zendesk-sandbox.js';

describe('Zendesk sandbox', () => {
  let zd: ZendeskSandbox;
  const basic = (user: string, token: string) => `Basic ${Buffer.from(`${user}:${token}`).toString('base64')}`;
  const headers = { Authorization: basic('agent@sandbox.example/token', 'sandbox-zendesk-token'), 'Content-Type': 'application/json' };
  const send = (method: string, path: string, body?: unknown, h: Record<string, string> = headers) =>
    fetch(`${zd.url}/api/v2${path}`, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = async (r: Response) => (await r.json()) as any;

  beforeAll(async () => {
    zd = await startZendeskSandbox({ seed: { users: [{ name: 'Old', email: 'old@example.com', external_id: 'u-0' }] } });
  });
  afterAll(() => zd.close());
  beforeEach(() => zd.reset());

  it('runs create_or_update_many as a job: queued, working, then completed with a result per user in order', async () => {
    const submitted = await json(await send('POST', '/users/create_or_update_many.json', {
      users: [{ email: 'OLD@example.com', name: 'Olga' }, { email: 'new@example.com', name: 'Nina', user_fields: { plan: 'pro', shoe: 42 } }, { email: 'bad@', name: 'Bad' }, { email: 'x@example.com' }],
    }));
    expect(submitted.job_status).toMatchObject({ id: expect.stringMatching(/^[0-9a-f]{32}$/), url: `${zd.url}/api/v2/job_statuses/${submitted.job_status.id}.json`, total: 4, status: 'queued', results: null });
    expect(zd.state.users).toHaveLength(1);
    const poll = async () => (await json(await send('GET', `/job_statuses/${submitted.job_status.id}.json`))).job_status;
    expect((await poll()).status).toBe('working');
    const done = await poll();
    expect(done.status).toBe('completed');
    expect(done.results).toEqual([
      { index: 0, id: 360000000001, email: 'old@example.com', action: 'update', status: 'Updated', success: true },
      { index: 1, id: 360000000002, email: 'new@example.com', action: 'create', status: 'Created', success: true },
      { index: 2, email: 'bad@', error: 'InvalidFormat', details: 'Email: bad@ is not properly formatted', success: false },
      { index: 3, email: 'x@example.com', error: 'BlankValue', details: 'Name: cannot be blank', success: false },
    ]);
    expect(zd.state.users.map((u) => [u.name, u.user_fields])).toEqual([['Olga', { plan: null, score: null }], ['Nina', { plan: 'pro', score: null }]]);
    expect((await send('GET', '/job_statuses/ffff.json')).status).toBe(404);
  });

  it('refuses more than 100 users a job, and a 31st queued job with 429 TooManyJobs', async () => {
    const many = await send('POST', '/users/create_or_update_many.json', { users: Array.from({ length: 101 }, (_, i) => ({ name: `U${i}`, email: `u${i}@example.com` })) });
    expect([many.status, (await json(many)).description]).toEqual([400, 'Too many users: 101. The limit is 100']);
    for (let i = 0; i < 30; i++) await send('POST', '/users/create_or_update_many.json', { users: [] });
    const queued = await send('POST', '/users/create_or_update_many.json', { users: [] });
    expect([queued.status, (await json(queued)).error]).toEqual([429, 'TooManyJobs']);
  });

  it('create_or_update answers 201 for a new user, 200 for one matched by external_id, 422 RecordInvalid with details', async () => {
    const created = await send('POST', '/users/create_or_update.json', { user: { name: 'Ada', email: 'ada@example.com' } });
    expect([created.status, (await json(created)).user.email]).toEqual([201, 'ada@example.com']);
    const updated = await send('POST', '/users/create_or_update.json', { user: { external_id: 'u-0', name: 'Renamed' } });
    expect([updated.status, (await json(updated)).user]).toEqual([200, expect.objectContaining({ external_id: 'u-0', name: 'Renamed', email: 'old@example.com' })]);
    const invalid = await send('POST', '/users/create_or_update.json', { user: { name: 'X', email: 'x@' } });
    expect([invalid.status, await invalid.json()]).toEqual([422, { error: 'RecordInvalid', description: 'Record validation errors', details: { email: [{ description: 'Email: x@ is not properly formatted', error: 'InvalidFormat' }] } }]);
  });

  it('pages users with page[size] (at most 100), meta.has_more, after_cursor and links.next', async () => {
    for (let i = 1; i <= 4; i++) await send('POST', '/users/create_or_update.json', { user: { name: `P${i}`, email: `p${i}@example.com` } });
    const emails: string[] = [];
    let url: string | null = `${zd.url}/api/v2/users.json?page%5Bsize%5D=2`;
    let pages = 0;
    while (url) {
      const page = await json(await fetch(url, { headers }));
      emails.push(...page.users.map((u: any) => u.email));
      expect(page.meta.has_more).toBe(page.links.next !== null);
      url = page.links.next;
      pages++;
    }
    expect([pages, emails]).toEqual([3, ['old@example.com', 'p1@example.com', 'p2@example.com', 'p3@example.com', 'p4@example.com']]);
    expect((await send('GET', '/users.json?page[size]=101')).status).toBe(400);
    expect((await send('GET', '/users.json?page[after]=forged')).status).toBe(400);
  });

  it('authenticates {email}/token with an API token, or a bearer token; refuses others with 401', async () => {
    expect((await json(await send('GET', '/users/me.json'))).user).toMatchObject({ email: 'agent@sandbox.example', role: 'admin' });
    expect((await send('GET', '/users/me.json', undefined, { Authorization: 'Bearer sandbox-zendesk-token' })).status).toBe(200);
    const wrong = await send('GET', '/users/me.json', undefined, { Authorization: basic('agent@sandbox.example', 'sandbox-zendesk-token') });
    expect([wrong.status, await wrong.json()]).toEqual([401, { error: "Couldn't authenticate you" }]);
  });

  it('sends rate-limit headers, and 429 with Retry-After once the minute\'s budget is spent', async () => {
    const ok = await send('GET', '/users/me.json');
    expect([ok.headers.get('x-rate-limit'), ok.headers.get('x-rate-limit-remaining'), ok.headers.get('ratelimit-remaining')]).toEqual(['700', '699', '699']);
    zd.faults({ rate_limit: { remaining: 0 } });
    const limited = await send('GET', '/users/me.json');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await limited.json()).toEqual({ error: 'APIRateLimitExceeded', description: 'Number of allowed API requests per minute exceeded' });
  });
});
