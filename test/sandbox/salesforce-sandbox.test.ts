import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseSoql } from '../../sandbox/salesforce/parse-soql.js';
import { salesforceId, salesforceId18 } from '../../sandbox/salesforce/salesforce-id.js';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../sandbox/salesforce/salesforce-sandbox.js';

const v = '/services/data/v59.0';
const seedLeads = [
  { FirstName: 'Ann', LastName: 'Lee', Company: 'A Co', Email: 'ann@a.example', LeadScore__c: 10, External_Id__c: 'ext-1', LastModifiedDate: '2024-01-01T00:00:00.000+0000' },
  { FirstName: 'Bob', LastName: 'Kim', Company: 'B Co', Email: 'bob@b.example', LeadScore__c: 50, External_Id__c: 'ext-2', LastModifiedDate: '2024-02-01T00:00:00.000+0000' },
  { FirstName: 'Cy', LastName: 'Ng', Company: 'C Co', Email: 'cy@c.example', LeadScore__c: null, LastModifiedDate: '2024-03-01T00:00:00.000+0000' },
];

describe('Salesforce ids and SOQL parsing', () => {
  it('computes the 18-character checksum suffix', () => {
    expect(salesforceId18('001A0000006Vm9r')).toBe('001A0000006Vm9rIAC');
    expect(salesforceId('00Q', 1)).toMatch(/^00Q[A-Za-z0-9]{15}$/);
  });

  it('parses fields, WHERE with AND/OR/IN/LIKE, ORDER BY and LIMIT', () => {
    const q = parseSoql("SELECT Id, Email FROM Lead WHERE (LeadScore__c >= 10 OR Email LIKE '%@b.example') AND Company NOT IN ('X', 'Y') ORDER BY LastModifiedDate DESC LIMIT 5");
    expect(q).toMatchObject({ fields: ['Id', 'Email'], object: 'Lead', limit: 5, orderBy: [{ field: 'LastModifiedDate', descending: true }] });
    expect(() => parseSoql('SELECT FROM Lead')).toThrow("unexpected token: 'Lead'");
  });
});

describe('Salesforce sandbox', () => {
  let sf: SalesforceSandbox;
  const auth = { Authorization: 'Bearer sandbox-session-token', 'Content-Type': 'application/json' };
  const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(`${sf.url}${v}${path}`, { method, headers: { ...auth, ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });

  beforeAll(async () => {
    sf = await startSalesforceSandbox({ seed: { Lead: seedLeads }, queryBatchSize: 2 });
  });
  afterAll(() => sf.close());
  beforeEach(() => sf.reset());

  it('creates a Lead: 201 {id, success, errors} with an 18-character 00Q id, and reads it back', async () => {
    const res = await call('POST', '/sobjects/Lead', { LastName: 'Doe', Company: 'Acme', Email: 'jane@acme.example' });
    expect(res.status).toBe(201);
    const body = (await res.json()) as any;
    expect(body).toEqual({ id: expect.stringMatching(/^00Q[A-Za-z0-9]{15}$/), success: true, errors: [] });
    expect(res.headers.get('sforce-limit-info')).toMatch(/^api-usage=\d+\/100000$/);
    const got = (await (await call('GET', `/sobjects/Lead/${body.id}`)).json()) as any;
    expect(got).toMatchObject({ attributes: { type: 'Lead', url: `${v}/sobjects/Lead/${body.id}` }, Id: body.id, LastName: 'Doe', Status: 'Open - Not Contacted' });
    expect(got.LastModifiedDate).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/);
  });

  it('answers validation failures with an error array: REQUIRED_FIELD_MISSING, INVALID_FIELD, INVALID_EMAIL_ADDRESS', async () => {
    const missing = await call('POST', '/sobjects/Lead', { LastName: 'Doe' });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual([{ message: 'Required fields are missing: [Company]', errorCode: 'REQUIRED_FIELD_MISSING', fields: ['Company'] }]);
    const unknown = await call('POST', '/sobjects/Lead', { LastName: 'Doe', Company: 'A', Colour__c: 'red' });
    expect(((await unknown.json()) as any)[0]).toMatchObject({ errorCode: 'INVALID_FIELD', message: "No such column 'Colour__c' on sobject of type Lead" });
    const email = await call('POST', '/sobjects/Lead', { LastName: 'Doe', Company: 'A', Email: 'nope' });
    expect(((await email.json()) as any)[0]).toMatchObject({ errorCode: 'INVALID_EMAIL_ADDRESS', fields: ['Email'] });
  });

  it('updates with PATCH → 204, and answers 404 NOT_FOUND for an unknown id', async () => {
    const id = String(sf.state.objects.Lead![0]!.Id);
    const res = await call('PATCH', `/sobjects/Lead/${id}`, { LeadScore__c: 99 });
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    expect(sf.state.objects.Lead![0]!.LeadScore__c).toBe(99);
    const missing = await call('PATCH', `/sobjects/Lead/00Q5g0000000000ZZZ`, { LeadScore__c: 1 });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual([{ message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' }]);
  });

  it('upserts by external id: 201 created:true, then 200 created:false (v46+), 204 on older versions', async () => {
    const created = await call('PATCH', '/sobjects/Lead/External_Id__c/ext-9', { LastName: 'New', Company: 'N' });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ success: true, errors: [], created: true });
    const updated = await call('PATCH', '/sobjects/Lead/External_Id__c/ext-9', { LeadScore__c: 5 });
    expect(updated.status).toBe(200);
    expect(await updated.json()).toMatchObject({ success: true, created: false });
    const old = await fetch(`${sf.url}/services/data/v45.0/sobjects/Lead/External_Id__c/ext-9`, { method: 'PATCH', headers: auth, body: '{"LeadScore__c":6}' });
    expect(old.status).toBe(204);
    expect(sf.state.objects.Lead!.filter((l) => l.External_Id__c === 'ext-9')).toHaveLength(1);
    const badField = await call('PATCH', '/sobjects/Lead/Email/x', { LastName: 'X' });
    expect(badField.status).toBe(404);
  });

  it('sObject Collections create: per-record results in order, errors with statusCode', async () => {
    const res = await call('POST', '/composite/sobjects', {
      allOrNone: false,
      records: [
        { attributes: { type: 'Lead' }, LastName: 'A', Company: 'X' },
        { attributes: { type: 'Lead' }, LastName: 'B' },
      ],
    });
    expect(res.status).toBe(200);
    const results = (await res.json()) as any[];
    expect(results[0]).toEqual({ id: expect.stringMatching(/^00Q/), success: true, errors: [] });
    expect(results[1]).toEqual({ success: false, errors: [{ statusCode: 'REQUIRED_FIELD_MISSING', message: 'Required fields are missing: [Company]', fields: ['Company'] }] });
    expect(sf.state.objects.Lead).toHaveLength(4);
  });

  it('sObject Collections honour allOrNone: nothing is written, valid records say ALL_OR_NONE_OPERATION_ROLLED_BACK', async () => {
    const id = String(sf.state.objects.Lead![0]!.Id);
    const res = await call('PATCH', '/composite/sobjects', {
      allOrNone: true,
      records: [
        { attributes: { type: 'Lead' }, id, LeadScore__c: 77 },
        { attributes: { type: 'Lead' }, id, Email: 'bad' },
      ],
    });
    const results = (await res.json()) as any[];
    expect(results[0].errors[0].statusCode).toBe('ALL_OR_NONE_OPERATION_ROLLED_BACK');
    expect(results[1].errors[0].statusCode).toBe('INVALID_EMAIL_ADDRESS');
    expect(sf.state.objects.Lead![0]!.LeadScore__c).toBe(10);
  });

  it('sObject Collections refuse more than 200 records with 400', async () => {
    const records = Array.from({ length: 201 }, (_, i) => ({ attributes: { type: 'Lead' }, LastName: `L${i}`, Company: 'C' }));
    const res = await call('POST', '/composite/sobjects', { records });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any)[0].errorCode).toBe('EXCEEDED_ID_LIMIT');
  });

  it('upserts a collection by external id with created flags', async () => {
    const res = await call('PATCH', '/composite/sobjects/Lead/External_Id__c', {
      records: [
        { attributes: { type: 'Lead' }, External_Id__c: 'ext-1', LeadScore__c: 11 },
        { attributes: { type: 'Lead' }, External_Id__c: 'ext-7', LastName: 'Z', Company: 'Z' },
      ],
    });
    const results = (await res.json()) as any[];
    expect(results.map((r) => [r.success, r.created])).toEqual([
      [true, false],
      [true, true],
    ]);
  });

  it('runs SOQL with WHERE and ORDER BY, paging through nextRecordsUrl until done', async () => {
    const q = encodeURIComponent('SELECT Id, Email, LeadScore__c FROM Lead ORDER BY LastModifiedDate DESC');
    const first = (await (await call('GET', `/query?q=${q}`)).json()) as any;
    expect(first).toMatchObject({ totalSize: 3, done: false });
    expect(first.nextRecordsUrl).toMatch(/^\/services\/data\/v59\.0\/query\/01g[A-Za-z0-9]+-2$/);
    expect(first.records.map((r: any) => r.Email)).toEqual(['cy@c.example', 'bob@b.example']);
    expect(Object.keys(first.records[0])).toEqual(['attributes', 'Id', 'Email', 'LeadScore__c']);
    const second = (await (await fetch(`${sf.url}${first.nextRecordsUrl}`, { headers: auth })).json()) as any;
    expect(second).toMatchObject({ totalSize: 3, done: true });
    expect(second.nextRecordsUrl).toBeUndefined();
    expect(second.records.map((r: any) => r.Email)).toEqual(['ann@a.example']);
    const where = encodeURIComponent("SELECT Email FROM Lead WHERE LastModifiedDate > 2024-01-15T00:00:00Z AND LeadScore__c != null");
    expect(((await (await call('GET', `/query?q=${where}`)).json()) as any).records.map((r: any) => r.Email)).toEqual(['bob@b.example']);
  });

  it('answers bad SOQL with 400 MALFORMED_QUERY and an unknown column with INVALID_FIELD', async () => {
    const bad = await call('GET', `/query?q=${encodeURIComponent('SELEC Id FROM Lead')}`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any)[0].errorCode).toBe('MALFORMED_QUERY');
    const col = await call('GET', `/query?q=${encodeURIComponent('SELECT Nope FROM Lead')}`);
    expect(((await col.json()) as any)[0]).toMatchObject({ errorCode: 'INVALID_FIELD', message: expect.stringContaining("No such column 'Nope' on entity 'Lead'") });
  });

  it('answers a bad or expired token with 401 INVALID_SESSION_ID', async () => {
    const res = await fetch(`${sf.url}${v}/sobjects/Lead`, { method: 'POST', headers: { Authorization: 'Bearer nope' }, body: '{}' });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
    sf.faults({ expire_tokens: true });
    expect((await call('GET', '/limits')).status).toBe(401);
  });

  it('answers 403 REQUEST_LIMIT_EXCEEDED once the request budget is spent', async () => {
    sf.faults({ rate_limit: { remaining: 1 } });
    expect((await call('GET', '/limits')).status).toBe(200);
    const res = await call('GET', '/limits');
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual([{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]);
  });

  it('runs the OAuth web-server flow: token response with instance_url and no expires_in, refresh without a new refresh token', async () => {
    const redirect = 'http://127.0.0.1:9/cb';
    const auth1 = await fetch(`${sf.url}/services/oauth2/authorize?response_type=code&client_id=sandbox-client&redirect_uri=${encodeURIComponent(redirect)}&state=s1`, { redirect: 'manual' });
    const code = new URL(auth1.headers.get('location')!).searchParams.get('code')!;
    const form = (o: Record<string, string>) => new URLSearchParams(o).toString();
    const tokenRes = await fetch(`${sf.url}/services/oauth2/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: form({ grant_type: 'authorization_code', code, client_id: 'sandbox-client', client_secret: 'sandbox-secret', redirect_uri: redirect }),
    });
    const tokens = (await tokenRes.json()) as any;
    expect(tokens).toMatchObject({ token_type: 'Bearer', instance_url: sf.url, scope: 'api refresh_token' });
    expect(tokens.expires_in).toBeUndefined();
    expect(tokens.refresh_token).toBeTruthy();
    expect((await fetch(`${sf.url}${v}/limits`, { headers: { Authorization: `Bearer ${tokens.access_token}` } })).status).toBe(200);
    const again = await fetch(`${sf.url}/services/oauth2/token`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: form({ grant_type: 'authorization_code', code, client_id: 'sandbox-client', client_secret: 'sandbox-secret', redirect_uri: redirect }) });
    expect(again.status).toBe(400);
    expect(((await again.json()) as any).error).toBe('invalid_grant');
    const refreshed = (await (
      await fetch(`${sf.url}/services/oauth2/token`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: form({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: 'sandbox-client', client_secret: 'sandbox-secret' }) })
    ).json()) as any;
    expect(refreshed.access_token).toBeTruthy();
    expect(refreshed.refresh_token).toBeUndefined();
    expect(refreshed.instance_url).toBe(sf.url);
  });
});
