import { describe, expect, it } from 'vitest';
import { bodyCursorPathProblem } from '../config/body-cursor-path.js';
import { nextPage, withBodyToken } from './paginate.js';

describe('a cursor sent in the body (paginate in: body)', () => {
  it('sets the token at the dotted path, creating the objects on the way, leaving the rest as it was', () => {
    const body = '{"query":"query($after: String) { contacts(first: 50, after: $after) { nodes { id } } }","variables":{"first":50}}';
    expect(JSON.parse(withBodyToken(body, 'variables.after', 'Y3Vyc29y'))).toEqual({
      query: 'query($after: String) { contacts(first: 50, after: $after) { nodes { id } } }',
      variables: { first: 50, after: 'Y3Vyc29y' },
    });
    expect(JSON.parse(withBodyToken('{"a":null}', 'a.b.c', 't'))).toEqual({ a: { b: { c: 't' } } });
    expect(JSON.parse(withBodyToken('{}', 'after', '"quoted" \\ token'))).toEqual({ after: '"quoted" \\ token' });
  });

  it('refuses a body that is not a JSON object, a path through a value, and paths that would reach a prototype', () => {
    expect(() => withBodyToken(null, 'after', 't')).toThrow("paginate in: body sets the token in the JSON object the stream sends as its body, and this stream's body is not one");
    expect(() => withBodyToken('[1]', 'after', 't')).toThrow('is not one');
    expect(() => withBodyToken('{"variables":"x"}', 'variables.after', 't')).toThrow('paginate.cursor_param variables.after: variables in the body is not an object');
    for (const path of ['__proto__.polluted', 'variables.constructor.prototype', 'a..b', '']) {
      expect(() => withBodyToken('{}', path, 't')).toThrow('paginate.cursor_param');
      expect(bodyCursorPathProblem(path)).not.toBeNull();
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('nextPage hands the token and its path over instead of a query parameter', () => {
    const paginate = { type: 'cursor', cursor: '$.next', cursor_param: 'variables.after', in: 'body' } as const;
    const page = { body: { next: 'abc' }, headers: {}, records: 50, query: {}, pages: 1, total: 50 };
    expect(nextPage(paginate as never, page, new Set())).toEqual({ bodyToken: { path: 'variables.after', token: 'abc' } });
  });
});
