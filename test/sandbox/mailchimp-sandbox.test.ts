import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startMailchimpSandbox, subscriberHash, type MailchimpSandbox } from '../../sandbox/mailchimp/mailchimp-sandbox.js';

describe('Mailchimp sandbox', () => {
  let mc: MailchimpSandbox;
  const auth = (user: string, key: string) => `Basic ${Buffer.from(`${user}:${key}`).toString('base64')}`;
  const headers = { Authorization: auth('anystring', 'sandbox-key-us6'), 'Content-Type': 'application/json' };
  const send = (method: string, path: string, body?: unknown, h: Record<string, string> = headers) =>
    fetch(`${mc.url}/3.0${path}`, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = async (r: Response) => (await r.json()) as any;

  beforeAll(async () => {
    mc = await startMailchimpSandbox({ mergeFields: { FNAME: {}, LNAME: {}, SCORE: { type: 'number' } }, seed: { members: [{ email_address: 'old@example.com', merge_fields: { FNAME: 'Old' } }] } });
  });
  afterAll(() => mc.close());
  beforeEach(() => mc.reset());

  it('upserts a member at the MD5 of its lower-cased email: status_if_new for a new one, the status kept for an existing one', async () => {
    const hash = subscriberHash('Ada@Example.com');
    expect(hash).toBe('3e3417d7ef77d5932a6734b916515ed5');
    const created = await json(await send('PUT', `/lists/sandbox-list/members/${hash}`, { email_address: 'Ada@Example.com', status_if_new: 'pending', merge_fields: { FNAME: 'Ada', SCORE: '7' } }));
    expect(created).toMatchObject({ id: hash, email_address: 'Ada@Example.com', status: 'pending', full_name: 'Ada', merge_fields: { FNAME: 'Ada', LNAME: '', SCORE: 7 }, list_id: 'sandbox-list' });
    const again = await json(await send('PUT', `/lists/sandbox-list/members/${hash}`, { email_address: 'ada@example.com', status_if_new: 'subscribed', merge_fields: { LNAME: 'King' } }));
    expect(again).toMatchObject({ id: hash, status: 'pending', full_name: 'Ada King' });
    expect(mc.state.members).toHaveLength(2);
  });

  it('answers problem+json errors: an invalid email, a hash that is not the email\'s, an unknown merge field, no status', async () => {
    const bad = await send('PUT', `/lists/sandbox-list/members/${subscriberHash('nope')}`, { email_address: 'nope', status_if_new: 'subscribed' });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    expect(await bad.json()).toMatchObject({ type: 'https://mailchimp.com/developer/marketing/docs/errors/', title: 'Invalid Resource', status: 400, detail: 'nope looks fake or invalid, please enter a real email address.', instance: expect.any(String) });
    const mismatch = await json(await send('PUT', `/lists/sandbox-list/members/${subscriberHash('a@example.com')}`, { email_address: 'b@example.com', status_if_new: 'subscribed' }));
    expect(mismatch.detail).toBe('The subscriber hash you provided does not match the email address in the request body.');
    const field = await json(await send('PUT', `/lists/sandbox-list/members/${subscriberHash('c@example.com')}`, { email_address: 'c@example.com', status_if_new: 'subscribed', merge_fields: { SHOE: '42' } }));
    expect(field.detail).toBe('Your merge fields were invalid. Merge field "SHOE" does not exist.');
    const status = await json(await send('PUT', `/lists/sandbox-list/members/${subscriberHash('d@example.com')}`, { email_address: 'd@example.com' }));
    expect(status).toMatchObject({ title: 'Invalid Resource', errors: [{ field: 'status', message: 'Schema describes enum, NULL found instead' }] });
    expect((await send('GET', '/lists/other/members')).status).toBe(404);
  });

  it('batch subscribes up to 500 members with a result each: new, updated, or an error with its code', async () => {
    const res = await json(await send('POST', '/lists/sandbox-list', {
      members: [
        { email_address: 'old@example.com', status_if_new: 'subscribed', merge_fields: { FNAME: 'Olga' } },
        { email_address: 'new@example.com', status_if_new: 'subscribed' },
        { email_address: 'bad@nowhere', status_if_new: 'subscribed' },
      ],
      update_existing: true,
    }));
    expect(res.new_members.map((m: any) => m.email_address)).toEqual(['new@example.com']);
    expect(res.updated_members.map((m: any) => [m.email_address, m.merge_fields.FNAME])).toEqual([['old@example.com', 'Olga']]);
    expect(res.errors).toEqual([{ email_address: 'bad@nowhere', error: 'bad@nowhere looks fake or invalid, please enter a real email address.', error_code: 'ERROR_GENERIC', field: '', field_message: '' }]);
    expect([res.total_created, res.total_updated, res.error_count]).toEqual([1, 1, 1]);
    const exists = await json(await send('POST', '/lists/sandbox-list', { members: [{ email_address: 'old@example.com', status: 'subscribed' }] }));
    expect(exists.errors[0]).toMatchObject({ error_code: 'ERROR_CONTACT_EXISTS', error: 'old@example.com is already a list member. Use PUT to insert or update list members.' });
    const many = await send('POST', '/lists/sandbox-list', { members: Array.from({ length: 501 }, (_, i) => ({ email_address: `m${i}@example.com`, status: 'subscribed' })) });
    expect(many.status).toBe(400);
  });

  it('lists members with count (at most 1000), offset, total_items and since_last_changed', async () => {
    for (const n of [1, 2, 3]) await send('PUT', `/lists/sandbox-list/members/${subscriberHash(`p${n}@example.com`)}`, { email_address: `p${n}@example.com`, status_if_new: 'subscribed' });
    const page = await json(await send('GET', '/lists/sandbox-list/members?count=2&offset=2'));
    expect([page.total_items, page.members.map((m: any) => m.email_address)]).toEqual([4, ['p2@example.com', 'p3@example.com']]);
    const future = await json(await send('GET', `/lists/sandbox-list/members?since_last_changed=${encodeURIComponent('2999-01-01T00:00:00+00:00')}`));
    expect(future).toMatchObject({ members: [], total_items: 0 });
    expect((await send('GET', '/lists/sandbox-list/members?count=1001')).status).toBe(400);
  });

  it('takes Basic auth with any user name and the key as password; refuses a wrong key with 401 API Key Invalid', async () => {
    expect(await json(await send('GET', '/ping', undefined, { Authorization: auth('whatever', 'sandbox-key-us6') }))).toEqual({ health_status: "Everything's Chimpy!" });
    const wrong = await send('GET', '/ping', undefined, { Authorization: auth('anystring', 'nope-us6') });
    expect([wrong.status, (await json(wrong)).title]).toEqual([401, 'API Key Invalid']);
    expect((await json(await send('GET', '/ping', undefined, {}))).title).toBe('API Key Missing');
  });

  it('answers 429 Too Many Requests past its budget', async () => {
    mc.faults({ rate_limit: { remaining: 0 } });
    const res = await send('GET', '/ping');
    expect([res.status, (await json(res)).detail]).toEqual([429, 'You have exceeded the limit of 10 simultaneous connections.']);
  });
});
