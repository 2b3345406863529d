// The Mailchimp simulator's batch operations, as the public contract says: operations with a JSON-string body, a batch
// moving pending -> started -> finished a poll at a time, results as a .tar.gz of JSON files on another origin (S3's
// stand-in), each { status_code, operation_id, response } with the operation's answer as JSON text; a wrong signature 403.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMailchimpSandbox, subscriberHash, type MailchimpSandbox } from '../../sandbox/mailchimp/mailchimp-sandbox.js';
import { readTarGz } from '../../src/connectors/job/read-tar-gz.js';

const auth = { Authorization: `Basic ${Buffer.from('any:sandbox-key-us6').toString('base64')}`, 'Content-Type': 'application/json' };

describe('Mailchimp sandbox: batch operations', () => {
  let mc: MailchimpSandbox;
  beforeAll(async () => {
    mc = await startMailchimpSandbox();
  });
  afterAll(async () => {
    await mc.close();
  });
  const call = async (method: string, path: string, body?: unknown) => {
    const r = await fetch(`${mc.url}${path}`, { method, headers: auth, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: r.status, json: (await r.json()) as Record<string, unknown> };
  };

  it('refuses an operation whose body is not a JSON string, with a problem+json naming it', async () => {
    const r = await call('POST', '/3.0/batches', { operations: [{ method: 'PUT', path: '/lists/sandbox-list/members/x', body: { email_address: 'a@x.com' } }] });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ title: 'Invalid Resource', errors: [{ field: 'operations.item:0.body', message: 'Schema describes string, object found instead' }] });
  });

  it('runs a batch to finished and leaves its results in an archive on another origin', async () => {
    const ok = { email_address: 'ada@example.com', status_if_new: 'subscribed' };
    const created = await call('POST', '/3.0/batches', { operations: [
      { method: 'PUT', path: `/lists/sandbox-list/members/${subscriberHash(ok.email_address)}`, operation_id: 'ada', body: JSON.stringify(ok) },
      { method: 'PUT', path: `/lists/sandbox-list/members/${subscriberHash('bad@nowhere')}`, operation_id: 'bad', body: JSON.stringify({ email_address: 'bad@nowhere', status_if_new: 'subscribed' }) },
    ] });
    expect(created.json).toMatchObject({ status: 'pending', total_operations: 2, response_body_url: '' });
    const id = String(created.json.id);
    expect((await call('GET', `/3.0/batches/${id}`)).json.status).toBe('started');
    const done = (await call('GET', `/3.0/batches/${id}`)).json;
    expect(done).toMatchObject({ status: 'finished', finished_operations: 2, errored_operations: 1 });
    const url = String(done.response_body_url);
    expect(new URL(url).origin).toBe(mc.objectStore.url);
    expect(new URL(url).origin).not.toBe(mc.url);

    const archive = await fetch(url);
    expect(archive.status).toBe(200);
    const files = readTarGz(Buffer.from(await archive.arrayBuffer()));
    const results = files.flatMap((f) => JSON.parse(f.data.toString()) as { status_code: number; operation_id: string; response: string }[]);
    expect(results.map((r) => [r.operation_id, r.status_code])).toEqual([['ada', 200], ['bad', 400]]);
    expect(JSON.parse(results[0]!.response)).toMatchObject({ email_address: 'ada@example.com', id: subscriberHash('ada@example.com') });
    expect(JSON.parse(results[1]!.response)).toMatchObject({ title: 'Invalid Resource', detail: 'bad@nowhere looks fake or invalid, please enter a real email address.' });

    const forged = await fetch(url.replace(/X-Amz-Signature=[0-9a-f]+/, 'X-Amz-Signature=forged'));
    expect(forged.status).toBe(403);
    expect(await forged.text()).toContain('SignatureDoesNotMatch');
  });
});
