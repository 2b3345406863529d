import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startIntercomSandbox, type IntercomSandbox } from '../../sandbox/intercom/intercom-sandbox.js';

describe('Intercom sandbox', () => {
  let ic: IntercomSandbox;
  const headers = { Authorization: 'Bearer sandbox-intercom-token', 'Content-Type': 'application/json', 'Intercom-Version': '2.11' };
  const send = (method: string, path: string, body?: unknown, h: Record<string, string> = headers) =>
    fetch(`${ic.url}${path}`, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = async (r: Response) => (await r.json()) as any;

  beforeAll(async () => {
    ic = await startIntercomSandbox({ seed: { contacts: [{ email: 'old@example.com', external_id: 'u-0', name: 'Old' }] } });
  });
  afterAll(() => ic.close());
  beforeEach(() => ic.reset());

  it('creates a contact with custom attributes and answers the contact object', async () => {
    const res = await send('POST', '/contacts', { external_id: 'u-1', email: 'ada@example.com', name: 'Ada', custom_attributes: { plan: 'pro', score: 3 } });
    expect(res.status).toBe(200);
    const c = await json(res);
    expect(c).toMatchObject({ type: 'contact', id: expect.stringMatching(/^[0-9a-f]{24}$/), workspace_id: 'ecahpwf5', role: 'user', email: 'ada@example.com', custom_attributes: { plan: 'pro', score: 3, vip: null } });
    expect(c.created_at).toBe(c.updated_at);
    expect(Number.isInteger(c.created_at)).toBe(true);
  });

  it('refuses with error.list bodies: a duplicate (409 conflict), an unknown custom attribute, a bad email, no identity', async () => {
    const dup = await send('POST', '/contacts', { email: 'OLD@example.com' });
    expect(dup.status).toBe(409);
    const body = await json(dup);
    expect(body).toMatchObject({ type: 'error.list', request_id: expect.any(String), errors: [{ code: 'conflict', message: `A contact matching those details already exists with id=${ic.state.contacts[0]!.id}` }] });
    const attr = await json(await send('POST', '/contacts', { email: 'x@example.com', custom_attributes: { shoe: '42' } }));
    expect(attr.errors).toEqual([{ code: 'parameter_not_found', message: "Custom attribute 'shoe' does not exist" }]);
    const bad = await send('POST', '/contacts', { email: 'not-an-email' });
    expect([bad.status, (await json(bad)).errors[0].message]).toEqual([400, 'Email address is invalid']);
    expect((await send('POST', '/contacts', { name: 'nobody' })).status).toBe(400);
    expect(ic.state.contacts).toHaveLength(1);
  });

  it('updates by id, deletes, and answers 404 not_found for an unknown id', async () => {
    const id = ic.state.contacts[0]!.id;
    expect(await json(await send('PUT', `/contacts/${id}`, { name: 'New', custom_attributes: { vip: true } }))).toMatchObject({ id, name: 'New', email: 'old@example.com', custom_attributes: { vip: true } });
    expect(await json(await send('DELETE', `/contacts/${id}`))).toEqual({ id, external_id: 'u-0', type: 'contact', deleted: true });
    const gone = await send('PUT', `/contacts/${id}`, { name: 'X' });
    expect([gone.status, (await json(gone)).errors]).toEqual([404, [{ code: 'not_found', message: 'User Not Found' }]]);
  });

  it('searches by external_id or email (case-insensitive), with AND of conditions', async () => {
    const by = async (query: unknown) => (await json(await send('POST', '/contacts/search', { query }))).data.map((c: any) => c.external_id);
    expect(await by({ field: 'external_id', operator: '=', value: 'u-0' })).toEqual(['u-0']);
    expect(await by({ field: 'email', operator: '=', value: 'Old@Example.com' })).toEqual(['u-0']);
    expect(await by({ operator: 'AND', value: [{ field: 'email', operator: '~', value: 'old' }, { field: 'role', operator: '=', value: 'lead' }] })).toEqual([]);
    const none = await json(await send('POST', '/contacts/search', { query: { field: 'email', operator: '=', value: 'no@example.com' } }));
    expect(none).toMatchObject({ type: 'list', data: [], total_count: 0 });
  });

  it('lists contacts with per_page (at most 150) and pages.next.starting_after until it is absent', async () => {
    for (let i = 1; i <= 4; i++) await send('POST', '/contacts', { email: `p${i}@example.com` });
    const emails: string[] = [];
    let after: string | undefined;
    let pages = 0;
    do {
      const page = await json(await send('GET', `/contacts?per_page=2${after ? `&starting_after=${encodeURIComponent(after)}` : ''}`));
      expect(page).toMatchObject({ type: 'list', total_count: 5, pages: { type: 'pages', per_page: 2, total_pages: 3, page: pages + 1 } });
      emails.push(...page.data.map((c: any) => c.email));
      after = page.pages.next?.starting_after;
      pages++;
    } while (after);
    expect(pages).toBe(3);
    expect(emails).toEqual(['old@example.com', 'p1@example.com', 'p2@example.com', 'p3@example.com', 'p4@example.com']);
    expect((await send('GET', '/contacts?per_page=151')).status).toBe(400);
    expect((await send('GET', '/contacts?starting_after=forged')).status).toBe(400);
  });

  it('answers 401 unauthorized for a wrong token, 400 for an unknown Intercom-Version, and records the version asked for', async () => {
    const wrong = await send('GET', '/me', undefined, { Authorization: 'Bearer nope' });
    expect([wrong.status, (await json(wrong)).errors]).toEqual([401, [{ code: 'unauthorized', message: 'Access Token Invalid' }]]);
    const version = await send('GET', '/me', undefined, { ...headers, 'Intercom-Version': '9.9' });
    expect([version.status, (await json(version)).errors[0].code]).toEqual([400, 'intercom_version_invalid']);
    expect(await json(await send('GET', '/me'))).toMatchObject({ type: 'admin', app: { id_code: 'ecahpwf5' } });
    expect(ic.state.versions).toEqual(['2.11']);
  });

  it('sends X-RateLimit headers and 429 rate_limit_exceeded once the 10-second budget is spent', async () => {
    const ok = await send('GET', '/me');
    expect(ok.headers.get('x-ratelimit-limit')).toBe('1666');
    expect(ok.headers.get('x-ratelimit-remaining')).toBe('1665');
    expect(Number(ok.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
    ic.faults({ rate_limit: { remaining: 0 } });
    const limited = await send('GET', '/me');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    expect((await json(limited)).errors[0].code).toBe('rate_limit_exceeded');
  });
});
