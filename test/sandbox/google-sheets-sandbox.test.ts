import { generateKeyPairSync, sign } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGoogleSheetsSandbox, type GoogleSheetsSandbox } from '../../sandbox/google-sheets/google-sheets-sandbox.js';

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

describe('Google Sheets sandbox', () => {
  let gs: GoogleSheetsSandbox;
  let token: string;
  const json = async (r: Response) => (await r.json()) as any;
  const jwt = (claims: Record<string, unknown>, key = gs.serviceAccountKey!.private_key, alg = 'RS256') => {
    const head = `${b64({ alg, typ: 'JWT', kid: gs.serviceAccountKey!.private_key_id })}.${b64(claims)}`;
    return `${head}.${sign('sha256', Buffer.from(head), key).toString('base64url')}`;
  };
  const claims = (over: Record<string, unknown> = {}) => {
    const now = Math.floor(Date.now() / 1000);
    return { iss: gs.serviceAccountKey!.client_email, scope: 'https://www.googleapis.com/auth/spreadsheets', aud: `${gs.url}/token`, iat: now, exp: now + 3600, ...over };
  };
  const exchange = (assertion: string) =>
    fetch(`${gs.url}/token`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }) });
  const values = (path: string, init: RequestInit = {}) =>
    fetch(`${gs.url}/v4/spreadsheets/${gs.spreadsheetId}${path}`, { ...init, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' } });

  beforeAll(async () => {
    gs = await startGoogleSheetsSandbox({ sheets: { Sheet1: [['email', 'name']], 'Leads 2024': [] } });
  });
  afterAll(() => gs.close());
  beforeEach(async () => {
    gs.reset();
    token = (await json(await exchange(jwt(claims())))).access_token;
  });

  it('exchanges an RS256 JWT signed by the service account for a bearer token; refuses another key, aud or scope', async () => {
    expect(token).toMatch(/^ya29\./);
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    expect(await json(await exchange(jwt(claims(), other as any)))).toEqual({ error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
    expect((await json(await exchange(jwt(claims({ aud: 'https://elsewhere/token' }))))).error).toBe('invalid_grant');
    expect(await json(await exchange(jwt(claims({ scope: 'https://www.googleapis.com/auth/calendar' }))))).toEqual({ error: 'invalid_scope', error_description: 'Invalid OAuth scope or ID token audience provided.' });
    expect((await json(await exchange(jwt(claims({ exp: Math.floor(Date.now() / 1000) + 7200 }))))).error_description).toContain('short-lived');
    const key = await json(await fetch(`${gs.url}/sandbox-service-account.json`));
    expect(key).toMatchObject({ type: 'service_account', client_email: gs.serviceAccountKey!.client_email, token_uri: `${gs.url}/token` });
  });

  it('appends after the table and answers the updated range', async () => {
    const res = await values('/values/Sheet1:append?valueInputOption=RAW', { method: 'POST', body: JSON.stringify({ values: [['a@example.com', 'A', 1], ['b@example.com', 'B', true]] }) });
    expect(await json(res)).toEqual({
      spreadsheetId: gs.spreadsheetId,
      tableRange: 'Sheet1!A1:B1',
      updates: { spreadsheetId: gs.spreadsheetId, updatedRange: 'Sheet1!A2:C3', updatedRows: 2, updatedColumns: 3, updatedCells: 6 },
    });
    const quoted = await values(`/values/${encodeURIComponent("'Leads 2024'!A:C")}:append?valueInputOption=RAW`, { method: 'POST', body: JSON.stringify({ values: [['x']] }) });
    expect((await json(quoted)).updates.updatedRange).toBe("'Leads 2024'!A1:A1");
    expect(gs.state.sheets.get('Sheet1')).toEqual([['email', 'name'], ['a@example.com', 'A', 1], ['b@example.com', 'B', true]]);
  });

  it('rewrites ranges with values:batchUpdate, all or nothing, and reads them back formatted', async () => {
    await values('/values/Sheet1:append?valueInputOption=RAW', { method: 'POST', body: JSON.stringify({ values: [['a@example.com', 'A']] }) });
    const ok = await json(await values('/values:batchUpdate', { method: 'POST', body: JSON.stringify({ valueInputOption: 'RAW', data: [{ range: 'Sheet1!A2:B2', values: [[null, 'Ada']] }] }) }));
    expect(ok).toMatchObject({ totalUpdatedRows: 1, totalUpdatedCells: 2, responses: [{ updatedRange: 'Sheet1!A2:B2' }] });
    const bad = await values('/values:batchUpdate', { method: 'POST', body: JSON.stringify({ valueInputOption: 'RAW', data: [{ range: 'Sheet1!A2', values: [['changed']] }, { range: 'Nope!A1', values: [['x']] }] }) });
    expect([bad.status, await bad.json()]).toEqual([400, { error: { code: 400, message: 'Unable to parse range: Nope!A1', status: 'INVALID_ARGUMENT' } }]);
    const wide = await values('/values:batchUpdate', { method: 'POST', body: JSON.stringify({ valueInputOption: 'RAW', data: [{ range: 'Sheet1!Z1', values: [['a', 'b']] }] }) });
    expect((await json(wide)).error.message).toBe('Range (Sheet1!Z1:AA1) exceeds grid limits. Max rows: 1000, max columns: 26');
    const missing = await values('/values:batchUpdate', { method: 'POST', body: JSON.stringify({ data: [] }) });
    expect((await json(missing)).error.message).toBe("'valueInputOption' is required but not specified");
    expect(await json(await values('/values/Sheet1!A1:B5'))).toEqual({ range: 'Sheet1!A1:B5', majorDimension: 'ROWS', values: [['email', 'name'], ['a@example.com', 'Ada']] });
  });

  it('answers 401 UNAUTHENTICATED without a valid token, 404 for another spreadsheet', async () => {
    const res = await fetch(`${gs.url}/v4/spreadsheets/${gs.spreadsheetId}`, { headers: { Authorization: 'Bearer ya29.forged' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('invalid_token');
    expect((await json(res)).error.status).toBe('UNAUTHENTICATED');
    const other = await fetch(`${gs.url}/v4/spreadsheets/other`, { headers: { Authorization: `Bearer ${token}` } });
    expect([other.status, (await json(other)).error.status]).toEqual([404, 'NOT_FOUND']);
    expect(await json(await values(''))).toMatchObject({ spreadsheetId: gs.spreadsheetId, sheets: [{ properties: { title: 'Sheet1' } }, { properties: { title: 'Leads 2024' } }] });
  });

  it('refuses writes past the per-minute quota with 429 RESOURCE_EXHAUSTED', async () => {
    gs.faults({ rate_limit: { remaining: 0 } });
    const res = await values('/values/Sheet1:append?valueInputOption=RAW', { method: 'POST', body: JSON.stringify({ values: [['x']] }) });
    expect(res.status).toBe(429);
    const body = await json(res);
    expect(body.error).toMatchObject({ code: 429, status: 'RESOURCE_EXHAUSTED', details: [{ reason: 'RATE_LIMIT_EXCEEDED' }] });
    expect(body.error.message).toContain("Quota exceeded for quota metric 'Write requests'");
  });
});
