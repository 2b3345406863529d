import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startBigCommerceSandbox, type BigCommerceSandbox } from '../../sandbox/bigcommerce/bigcommerce-sandbox.js';

describe('BigCommerce sandbox', () => {
  let bc: BigCommerceSandbox;
  const headers = { 'X-Auth-Token': 'sandbox-access-token', 'Content-Type': 'application/json', Accept: 'application/json' };
  const customers = (method: string, body?: unknown, query = '') =>
    fetch(`${bc.url}/stores/sandbox/v3/customers${query}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const people = (n: number, from = 1) => Array.from({ length: n }, (_, i) => ({ email: `c${from + i}@example.com`, first_name: 'C', last_name: `${from + i}` }));

  beforeAll(async () => {
    bc = await startBigCommerceSandbox();
  });
  afterAll(() => bc.close());
  beforeEach(() => bc.reset());

  it('creates customers from an array: 200 {data, meta}', async () => {
    const res = await customers('POST', people(2));
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body.data.map((c: any) => [c.id, c.email])).toEqual([
      [1, 'c1@example.com'],
      [2, 'c2@example.com'],
    ]);
    expect(body.data[0].date_created).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  });

  it('pages with page/limit and meta.pagination', async () => {
    await customers('POST', people(10));
    await customers('POST', people(2, 11));
    const page2 = (await (await customers('GET', undefined, '?page=2&limit=5')).json()) as any;
    expect(page2.data.map((c: any) => c.id)).toEqual([6, 7, 8, 9, 10]);
    expect(page2.meta.pagination).toEqual({
      total: 12,
      count: 5,
      per_page: 5,
      current_page: 2,
      total_pages: 3,
      links: { previous: '?page=1&limit=5', current: '?page=2&limit=5', next: '?page=3&limit=5' },
    });
    const last = (await (await customers('GET', undefined, '?page=3&limit=5')).json()) as any;
    expect(last.meta.pagination.links.next).toBeUndefined();
    expect(last.data).toHaveLength(2);
  });

  it('answers 422 with field errors for an invalid customer and a taken email, writing nothing', async () => {
    const invalid = await customers('POST', [{ email: 'ok@example.com', first_name: 'A', last_name: 'B' }, { email: 'nope', first_name: 'A' }]);
    expect(invalid.status).toBe(422);
    expect(await invalid.json()).toEqual({
      status: 422,
      title: 'JSON data is missing or is invalid',
      type: 'https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes',
      errors: { '1.email': 'nope is not a valid email address', '1.last_name': 'error.path.missing' },
    });
    expect(bc.state.customers).toHaveLength(0);
    await customers('POST', people(1));
    const taken = await customers('POST', people(1));
    expect(taken.status).toBe(422);
    expect(((await taken.json()) as any).title).toBe('The email address c1@example.com is already in use by another customer.');
  });

  it('refuses more than 10 customers in one request with 413', async () => {
    const res = await customers('POST', people(11));
    expect(res.status).toBe(413);
  });

  it('updates customers with PUT by id', async () => {
    await customers('POST', people(2));
    const res = await customers('PUT', [{ id: 2, company: 'Acme' }]);
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).data[0]).toMatchObject({ id: 2, company: 'Acme' });
    expect((await customers('PUT', [{ id: 99, company: 'X' }])).status).toBe(422);
  });

  it('filters by date_modified:min for incremental reads', async () => {
    await fetch(`${bc.url}/_sandbox/seed`, { method: 'POST', body: JSON.stringify({ customers: [{ email: 'old@example.com', first_name: 'O', last_name: 'L', date_created: '2020-01-01T00:00:00Z', date_modified: '2020-01-01T00:00:00Z' }] }) });
    await customers('POST', people(1));
    const res = (await (await customers('GET', undefined, '?date_modified:min=2021-01-01T00:00:00Z')).json()) as any;
    expect(res.data.map((c: any) => c.email)).toEqual(['c1@example.com']);
  });

  it('needs X-Auth-Token: 401 without it', async () => {
    const res = await fetch(`${bc.url}/stores/sandbox/v3/customers`);
    expect(res.status).toBe(401);
    expect(((await fetch(`${bc.url}/stores/other/v3/customers`, { headers })).status)).toBe(404);
  });

  it('sends X-Rate-Limit headers and 429 with X-Retry-After when the quota is spent', async () => {
    const ok = await customers('GET');
    expect(ok.headers.get('x-rate-limit-requests-quota')).toBe('150');
    expect(ok.headers.get('x-rate-limit-requests-left')).toBe('149');
    expect(ok.headers.get('x-rate-limit-time-window-ms')).toBe('30000');
    expect(Number(ok.headers.get('x-rate-limit-time-reset-ms'))).toBeLessThanOrEqual(30000);
    bc.faults({ rate_limit: { remaining: 0 } });
    const limited = await customers('GET');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('x-retry-after'))).toBeGreaterThan(0);
    expect(limited.headers.get('x-rate-limit-requests-left')).toBe('0');
  });
});
