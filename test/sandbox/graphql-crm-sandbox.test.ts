import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGraphQLCrmSandbox, type GraphQLCrmSandbox } from '../../sandbox/graphql-crm/graphql-crm-sandbox.js';

// The GraphQL-over-HTTP conventions the example connector relies on, checked against the simulator directly.
describe('graphql-crm sandbox', () => {
  let api: GraphQLCrmSandbox;
  beforeAll(async () => {
    api = await startGraphQLCrmSandbox();
  });
  afterAll(async () => {
    await api?.close();
  });

  const post = async (body: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${api.url}/graphql`, {
      method: 'POST',
      headers: { Authorization: 'Bearer sandbox-graphql-token', 'Content-Type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
  };

  it('pages contacts with Relay cursors: endCursor on every page, hasNextPage false on the last', async () => {
    const query = 'query Page($first: Int!, $after: String) { contacts(first: $first, after: $after) { nodes { id email } pageInfo { endCursor hasNextPage } totalCount } }';
    const first = await post({ query, variables: { first: 3 } });
    expect(first.status).toBe(200);
    const page1 = (first.body.data as { contacts: { nodes: { id: string }[]; pageInfo: { endCursor: string; hasNextPage: boolean }; totalCount: number } }).contacts;
    expect(page1.nodes.map((n) => n.id)).toEqual(['ct_0001', 'ct_0002', 'ct_0003']);
    expect(page1.pageInfo.hasNextPage).toBe(true);
    expect(page1.totalCount).toBe(5);
    const second = await post({ query, variables: { first: 3, after: page1.pageInfo.endCursor } });
    const page2 = (second.body.data as typeof first.body.data & { contacts: typeof page1 }).contacts;
    expect(page2.nodes.map((n) => n.id)).toEqual(['ct_0004', 'ct_0005']);
    expect(page2.pageInfo).toEqual({ endCursor: expect.any(String), hasNextPage: false });
  });

  it('answers only the fields asked for, under their aliases', async () => {
    const { body } = await post({ query: '{ viewer { id } c: contact(id: "ct_0002") { mail: email } }' });
    expect(body).toEqual({ data: { viewer: { id: 'usr_0001' }, c: { mail: 'ben@example.com' } } });
  });

  it('a request error is HTTP 200 with errors and no data (validation, syntax, a missing variable)', async () => {
    expect((await post({ query: '{ contacts { nodes { phone } } }' })).body).toEqual({
      errors: [{ message: 'Cannot query field "phone" on type "Contact".', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }],
    });
    const syntax = await post({ query: '{ contacts { nodes { id }' });
    expect(syntax.status).toBe(200);
    expect(syntax.body.data).toBeUndefined();
    expect((syntax.body.errors as { message: string }[])[0]!.message).toMatch(/^Syntax Error: Expected /);
    const missing = await post({ query: 'mutation Up($inputs: [ContactInput!]!) { contactsUpsert(inputs: $inputs) { results { email } } }' });
    expect(missing.body).toEqual({ errors: [{ message: 'Variable "$inputs" of required type "[ContactInput!]!" was not provided.', extensions: { code: 'BAD_USER_INPUT' } }] });
  });

  it('a field error nulls that field and names its path; the other fields resolve', async () => {
    const { status, body } = await post({
      query: 'mutation Two($input: ContactInput!) { missing: contactUpdate(id: "ct_9999", input: $input) { contact { id } } ok: contactUpdate(id: "ct_0001", input: $input) { contact { id score } userErrors { message } } }',
      variables: { input: { email: 'aiko@example.com', score: 55 } },
    });
    expect(status).toBe(200);
    expect(body).toEqual({
      errors: [{ message: 'Contact "ct_9999" not found', path: ['missing'], extensions: { code: 'NOT_FOUND' } }],
      data: { missing: null, ok: { contact: { id: 'ct_0001', score: 55 }, userErrors: [] } },
    });
  });

  it('a bulk upsert answers one result per input, userErrors on the invalid one only; a malformed input refuses the whole call', async () => {
    const query = 'mutation Up($inputs: [ContactInput!]!) { contactsUpsert(inputs: $inputs) { results { email contact { id } userErrors { field message code } } } }';
    const { body } = await post({ query, variables: { inputs: [{ email: 'new@example.com', name: 'New' }, { email: 'nope' }, { email: 'BEN@example.com', score: 101 }] } });
    expect(body).toEqual({
      data: {
        contactsUpsert: {
          results: [
            { email: 'new@example.com', contact: { id: 'ct_0006' }, userErrors: [] },
            { email: 'nope', contact: null, userErrors: [{ field: ['inputs', 1, 'email'], message: 'Email is invalid', code: 'INVALID' }] },
            { email: 'BEN@example.com', contact: null, userErrors: [{ field: ['inputs', 2, 'score'], message: 'Score must be between 0 and 100', code: 'OUT_OF_RANGE' }] },
          ],
        },
      },
    });
    const before = api.state.contacts.length;
    const refused = await post({ query, variables: { inputs: [{ email: 'ok@example.com' }, { email: 'x@example.com', phone: '1' }] } });
    expect(refused.body).toEqual({ errors: [{ message: 'Variable got invalid value at "inputs.1"; Field "phone" is not defined by type "ContactInput".', extensions: { code: 'BAD_USER_INPUT' } }] });
    expect(api.state.contacts).toHaveLength(before);
  });

  it('HTTP-level refusals: no token 401, a body that is not JSON 400, a mutation over GET 405, another content type 415', async () => {
    const noToken = await fetch(`${api.url}/graphql`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"query":"{ viewer { id } }"}' });
    expect(noToken.status).toBe(401);
    expect(await noToken.json()).toEqual({ errors: [{ message: 'This endpoint requires you to be authenticated.', extensions: { code: 'UNAUTHENTICATED' } }] });
    expect((await post('{"query": ')).status).toBe(400);
    const viaGet = await fetch(`${api.url}/graphql?query=${encodeURIComponent('mutation { contactUpdate(id: "ct_0001", input: { email: "a@b.co" }) { contact { id } } }')}`, {
      headers: { Authorization: 'Bearer sandbox-graphql-token' },
    });
    expect(viaGet.status).toBe(405);
    expect(viaGet.headers.get('allow')).toBe('POST');
    const query = await fetch(`${api.url}/graphql?query=${encodeURIComponent('{ viewer { email } }')}`, { headers: { Authorization: 'Bearer sandbox-graphql-token' } });
    expect(await query.json()).toEqual({ data: { viewer: { email: 'admin@sandbox.example' } } });
    expect((await post({ query: '{ viewer { id } }' }, { 'Content-Type': 'text/plain' })).status).toBe(415);
  });

  it('hostile documents are refused with a message, not a crash: deep nesting, a huge document, fragments, an unreadable cursor', async () => {
    const deep = `{ ${'contacts { nodes { '.repeat(15)}id${' } }'.repeat(15)} }`;
    expect(((await post({ query: deep })).body.errors as { message: string }[])[0]!.message).toMatch(/nested deeper than 20|Cannot query field/);
    const huge = await post({ query: `{ viewer { ${'id '.repeat(40_000)}} }` });
    expect((huge.body.errors as { message: string }[])[0]!.message).toBe('Syntax Error: the document is longer than 100000 characters.');
    expect(((await post({ query: '{ viewer { ...F } }' })).body.errors as { message: string }[])[0]!.message).toBe('Fragments are not supported by this API.');
    const cursor = await post({ query: '{ contacts(after: "bm90LWEtY3Vyc29y") { nodes { id } } }' });
    expect(cursor.body).toEqual({ errors: [{ message: 'Invalid cursor "bm90LWEtY3Vyc29y"', path: ['contacts'], extensions: { code: 'BAD_USER_INPUT' } }], data: { contacts: null } });
  });
});
