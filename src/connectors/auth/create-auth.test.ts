import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../config/config-error.js';
import { connectorAuthSchema, type ConnectorAuth } from '../../config/connector-schema.js';
import { Redactor } from '../../log/redactor.js';
import type { HttpRequest } from '../../http/http-request.js';
import { createAuth, type CreateAuthOptions } from './create-auth.js';

const kind = (value: unknown): ConnectorAuth => connectorAuthSchema.parse(value);
const request: HttpRequest = {
  method: 'POST',
  url: 'https://api.example.com/v2/issues?count=1',
  headers: { 'content-type': 'application/json', authorization: 'stale' },
  body: '{}',
};
const base = { connectionName: 'crm', render: (t: string) => t } satisfies Partial<CreateAuthOptions>;

describe('createAuth with static kinds', () => {
  it('none leaves the request as it is', async () => {
    const auth = await createAuth({ ...base, kinds: [kind({ type: 'none' })], credentials: { type: 'none' } });
    expect(auth.kind).toBe('none');
    expect(await auth.apply(request)).toEqual(request);
    expect(auth.secrets()).toEqual([]);
  });

  it('api_key in the query adds the parameter and keeps the others', async () => {
    const auth = await createAuth({
      ...base,
      kinds: [kind({ type: 'api_key', in: 'query', name: 'apiKey' })],
      credentials: { type: 'api_key', key: 'k e/y+1' },
    });
    const applied = await auth.apply(request);
    const url = new URL(applied.url);
    expect(url.searchParams.get('apiKey')).toBe('k e/y+1');
    expect(url.searchParams.get('count')).toBe('1');
    expect(applied.headers).toEqual(request.headers);
    expect(request.url).toBe('https://api.example.com/v2/issues?count=1'); // never mutated
  });

  it('api_key in the query is sent as encodeURIComponent writes it, replacing an old value, the rest of the URL untouched', async () => {
    const auth = await createAuth({
      ...base,
      kinds: [kind({ type: 'api_key', in: 'query', name: 'apiKey' })],
      credentials: { type: 'api_key', key: 'k e/y+1' },
    });
    const applied = await auth.apply({ ...request, url: 'https://api.example.com/v2/issues?q=a%20b&apiKey=old&x=*' });
    // `k+e` would be the form URLSearchParams writes; `q=a+b` would change what the API reads for nothing.
    expect(applied.url).toBe('https://api.example.com/v2/issues?q=a%20b&x=*&apiKey=k%20e%2Fy%2B1');
    expect((await auth.apply({ ...request, url: 'https://api.example.com/v2/issues' })).url).toBe('https://api.example.com/v2/issues?apiKey=k%20e%2Fy%2B1');
  });

  it('api_key in a header, with and without a scheme', async () => {
    const plain = await createAuth({
      ...base,
      kinds: [kind({ type: 'api_key', in: 'header', name: 'X-Auth-Token' })],
      credentials: { type: 'api_key', key: 'secret-key' },
    });
    expect((await plain.apply(request)).headers['X-Auth-Token']).toBe('secret-key');
    const schemed = await createAuth({
      ...base,
      kinds: [kind({ type: 'api_key', name: 'Authorization', scheme: 'Token' })],
      credentials: { type: 'api_key', key: 'secret-key' },
    });
    const headers = (await schemed.apply(request)).headers;
    expect(headers).toEqual({ 'content-type': 'application/json', Authorization: 'Token secret-key' });
  });

  it('basic sends base64(username:password) and lists the encoded pair as a secret', async () => {
    const auth = await createAuth({
      ...base,
      kinds: [kind({ type: 'basic' })],
      credentials: { type: 'basic', username: 'ann', password: 'pa:ss word' },
    });
    const encoded = Buffer.from('ann:pa:ss word').toString('base64');
    expect((await auth.apply(request)).headers.Authorization).toBe(`Basic ${encoded}`);
    expect(auth.secrets()).toEqual(['pa:ss word', 'ann:pa:ss word', encoded]);
  });

  it('bearer uses the configured header and scheme', async () => {
    const auth = await createAuth({
      ...base,
      kinds: [kind({ type: 'bearer', header: 'X-Api-Token', scheme: '' })],
      credentials: { type: 'bearer', token: 'tok-123456' },
    });
    const headers = (await auth.apply(request)).headers;
    expect(headers['X-Api-Token']).toBe('tok-123456');
    expect(headers.authorization).toBe('stale');
    expect(await auth.refresh()).toBe(false);
  });

  it('picks the kind matching the credentials among several and registers its secrets', async () => {
    const redactor = new Redactor();
    const auth = await createAuth({
      ...base,
      redactor,
      kinds: [kind({ type: 'basic' }), kind({ type: 'bearer' })],
      credentials: { type: 'bearer', token: 'tok-abcdef' },
    });
    expect((await auth.apply(request)).headers.Authorization).toBe('Bearer tok-abcdef');
    expect(redactor.mask('sent tok-abcdef')).toBe('sent ****');
  });

  it('names the accepted kinds when the connection gives another one', async () => {
    const options = { ...base, kinds: [kind({ type: 'api_key', in: 'query', name: 'apiKey' }), kind({ type: 'bearer' })] };
    const wrong = createAuth({ ...options, credentials: { type: 'basic', username: 'a', password: 'b' } });
    await expect(wrong).rejects.toThrow(ConfigError);
    await expect(wrong).rejects.toThrow(
      'sluice.yaml: connections.crm.auth.type: connection "crm" gives auth type basic, but its connector accepts: api_key, bearer',
    );
    await expect(createAuth({ ...options, credentials: { type: 'none' } })).rejects.toThrow(
      'connection "crm" has no auth, but its connector needs one of: api_key, bearer',
    );
  });
});
