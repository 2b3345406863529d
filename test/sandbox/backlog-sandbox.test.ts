import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startBacklogSandbox, type BacklogSandbox } from '../../sandbox/backlog/backlog-sandbox.js';

const form = (fields: [string, string | number][]) => fields.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`).join('&');

describe('Backlog sandbox', () => {
  let backlog: BacklogSandbox;
  let key: string;
  beforeAll(async () => {
    backlog = await startBacklogSandbox({ validateToken: (t) => t === 'provider-token' });
    key = '?apiKey=sandbox-api-key';
  });
  afterAll(() => backlog.close());
  beforeEach(() => backlog.reset());

  const addForm = (fields: [string, string | number][], query = key) =>
    fetch(`${backlog.url}/api/v2/issues${query}`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: form(fields) });

  it('adds an issue from a form body: 201, Location, issueKey PROJ-1, arrays as categoryId[]', async () => {
    const res = await addForm([['projectId', 1], ['summary', 'first issue'], ['issueTypeId', 2], ['priorityId', 3], ['description', 'a\nb'], ['categoryId[]', 1], ['categoryId[]', 2]]);
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`${backlog.url}/view/PROJ-1`);
    const issue = (await res.json()) as any;
    expect(issue).toMatchObject({ id: 1, projectId: 1, issueKey: 'PROJ-1', keyId: 1, summary: 'first issue', description: 'a\nb', priority: { id: 3, name: 'Normal' }, status: { id: 1, name: 'Open' }, issueType: { id: 2, name: 'Task' } });
    expect(issue.category.map((c: any) => c.id)).toEqual([1, 2]);
    expect(issue.created).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  });

  it('adds an issue from a JSON body too (the TROCCO reference posts JSON)', async () => {
    const res = await fetch(`${backlog.url}/api/v2/issues${key}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ projectId: 1, summary: 'json "quoted"', issueTypeId: 1, priorityId: 2, categoryId: [2] }),
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ issueKey: 'PROJ-1', summary: 'json "quoted"', priority: { id: 2, name: 'High' }, category: [{ id: 2 }] });
  });

  it('refuses JSON when configured strict, as the documented contract is form encoding', async () => {
    const strict = await startBacklogSandbox({ acceptJson: false });
    try {
      const res = await fetch(`${strict.url}/api/v2/issues?apiKey=sandbox-api-key`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"projectId":1}' });
      expect(res.status).toBe(400);
      expect(((await res.json()) as any).errors[0].code).toBe(7);
    } finally {
      await strict.close();
    }
  });

  it('answers a missing summary with 400 and the errors body', async () => {
    const res = await addForm([['projectId', 1], ['issueTypeId', 2], ['priorityId', 3]]);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ errors: [{ message: 'Missing required parameter: summary.', code: 7, moreInfo: '' }] });
  });

  it('answers an unknown project with 404 "No project." code 6, and an unknown parameter with 400', async () => {
    const noProject = await addForm([['projectId', 99], ['summary', 's'], ['issueTypeId', 2], ['priorityId', 3]]);
    expect(noProject.status).toBe(404);
    expect(await noProject.json()).toEqual({ errors: [{ message: 'No project.', code: 6, moreInfo: '' }] });
    const unknown = await addForm([['projectId', 1], ['summary', 's'], ['issueTypeId', 2], ['priorityId', 3], ['colour', 'red']]);
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as any).errors[0].message).toBe('Unknown parameter: colour.');
    expect(backlog.state.issues).toHaveLength(0);
  });

  it('answers a bad API key or no credentials with 401 code 11', async () => {
    const bad = await addForm([['projectId', 1]], '?apiKey=wrong');
    expect(bad.status).toBe(401);
    expect(await bad.json()).toEqual({ errors: [{ message: 'Authentication failure.', code: 11, moreInfo: '' }] });
    expect((await fetch(`${backlog.url}/api/v2/space`)).status).toBe(401);
  });

  it('accepts bearer tokens the validator accepts, and refuses others with WWW-Authenticate invalid_token', async () => {
    const ok = await fetch(`${backlog.url}/api/v2/space`, { headers: { Authorization: 'Bearer provider-token' } });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as any).spaceKey).toBe('sandbox');
    const refused = await fetch(`${backlog.url}/api/v2/space`, { headers: { Authorization: 'Bearer other' } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('runs its own OAuth flow: code, token (expires_in 3600), refresh; expired tokens answer 401', async () => {
    const redirect = 'http://127.0.0.1:9/callback';
    const auth = await fetch(`${backlog.url}/OAuth2AccessRequest.action?response_type=code&client_id=sandbox-client&redirect_uri=${encodeURIComponent(redirect)}&state=xyz`, { redirect: 'manual' });
    expect(auth.status).toBe(302);
    const location = new URL(auth.headers.get('location')!);
    expect(location.searchParams.get('state')).toBe('xyz');
    const tokenRes = await fetch(`${backlog.url}/api/v2/oauth2/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: form([['grant_type', 'authorization_code'], ['code', location.searchParams.get('code')!], ['redirect_uri', redirect], ['client_id', 'sandbox-client'], ['client_secret', 'sandbox-secret']]),
    });
    expect(tokenRes.status).toBe(200);
    const tokens = (await tokenRes.json()) as any;
    expect(tokens).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    const me = await fetch(`${backlog.url}/api/v2/users/myself`, { headers: { Authorization: `Bearer ${tokens.access_token}` } });
    expect(me.status).toBe(200);
    backlog.faults({ expire_tokens: true });
    const expired = await fetch(`${backlog.url}/api/v2/users/myself`, { headers: { Authorization: `Bearer ${tokens.access_token}` } });
    expect(expired.status).toBe(401);
    const refreshed = (await (
      await fetch(`${backlog.url}/api/v2/oauth2/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: form([['grant_type', 'refresh_token'], ['refresh_token', tokens.refresh_token], ['client_id', 'sandbox-client'], ['client_secret', 'sandbox-secret']]),
      })
    ).json()) as any;
    expect((await fetch(`${backlog.url}/api/v2/users/myself`, { headers: { Authorization: `Bearer ${refreshed.access_token}` } })).status).toBe(200);
  });

  it('updates an issue by key with PATCH and answers 404 code 6 for an unknown one', async () => {
    await addForm([['projectId', 1], ['summary', 'old'], ['issueTypeId', 2], ['priorityId', 3]]);
    const res = await fetch(`${backlog.url}/api/v2/issues/PROJ-1${key}`, { method: 'PATCH', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: form([['summary', 'new'], ['statusId', 2]]) });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: 1, summary: 'new', status: { id: 2, name: 'In Progress' } });
    const missing = await fetch(`${backlog.url}/api/v2/issues/PROJ-9${key}`, { method: 'PATCH', body: 'summary=x', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as any).errors[0]).toEqual({ message: 'No issue.', code: 6, moreInfo: '' });
  });

  it('lists issues as a bare array with count/offset paging, order and updatedSince', async () => {
    backlog.faults({});
    await fetch(`${backlog.url}/_sandbox/seed`, {
      method: 'POST',
      body: JSON.stringify({
        issues: [1, 2, 3, 4, 5].map((n) => ({ projectId: 1, summary: `issue ${n}`, issueTypeId: 2, priorityId: 3, created: `2024-01-0${n}T00:00:00Z` })),
      }),
    });
    const page = async (q: string) => (await (await fetch(`${backlog.url}/api/v2/issues${key}&${q}`)).json()) as any[];
    expect((await page('projectId[]=1&sort=created&order=asc&count=2&offset=0')).map((i) => i.keyId)).toEqual([1, 2]);
    expect((await page('projectId[]=1&sort=created&order=asc&count=2&offset=4')).map((i) => i.keyId)).toEqual([5]);
    expect((await page('sort=created&count=2')).map((i) => i.keyId)).toEqual([5, 4]);
    expect((await page('updatedSince=2024-01-04&sort=created&order=asc')).map((i) => i.keyId)).toEqual([4, 5]);
    expect((await page('projectId[]=2')).length).toBe(0);
    const tooMany = await fetch(`${backlog.url}/api/v2/issues${key}&count=101`);
    expect(tooMany.status).toBe(400);
    expect(await (await fetch(`${backlog.url}/api/v2/issues/count${key}&updatedSince=2024-01-03`)).json()).toEqual({ count: 3 });
  });

  it('sends X-RateLimit headers on every response and 429 code 13 past the limit', async () => {
    const limited = await startBacklogSandbox({ rateLimit: { update: 2, read: 5 } });
    try {
      const statuses: number[] = [];
      let last: Response | undefined;
      for (let i = 0; i < 3; i++) {
        last = await fetch(`${limited.url}/api/v2/issues?apiKey=sandbox-api-key`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: form([['projectId', 1], ['summary', `s${i}`], ['issueTypeId', 2], ['priorityId', 3]]) });
        statuses.push(last.status);
        if (i === 0) {
          expect(last.headers.get('x-ratelimit-limit')).toBe('2');
          expect(last.headers.get('x-ratelimit-remaining')).toBe('1');
        }
      }
      expect(statuses).toEqual([201, 201, 429]);
      expect(await last!.json()).toEqual({ errors: [{ message: 'Too many requests.', code: 13, moreInfo: '' }] });
      const reset = Number(last!.headers.get('x-ratelimit-reset'));
      expect(reset).toBeGreaterThan(Date.now() / 1000);
      expect(reset).toBeLessThanOrEqual(Date.now() / 1000 + 61);
      // Reads have their own bucket.
      expect((await fetch(`${limited.url}/api/v2/issues?apiKey=sandbox-api-key`)).status).toBe(200);
      expect(limited.state.issues).toHaveLength(2);
    } finally {
      await limited.close();
    }
  });
});
