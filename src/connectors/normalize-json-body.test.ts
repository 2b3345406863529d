import { describe, expect, it } from 'vitest';
import { normalizeJsonBody } from './normalize-json-body.js';

describe('normalizeJsonBody', () => {
  it('keeps valid JSON as it is', () => {
    expect(normalizeJsonBody('{ "a": [1, 2] }')).toBe('{ "a": [1, 2] }');
  });

  it('drops trailing commas before ] and }, never touching string contents', () => {
    expect(normalizeJsonBody('{ "a": "x,}", "b": [1, {"c": ",]",},], }')).toBe('{ "a": "x,}", "b": [1, {"c": ",]"}] }');
  });

  it('rejects what is still not JSON with the problem, its place and the rendered text', () => {
    expect(() => normalizeJsonBody('{\n  "projectId": ,\n  "summary": "x"\n}')).toThrow(
      'body is not valid JSON: value expected at line 2 column 16\n{\n  "projectId": ,\n  "summary": "x"\n}',
    );
    expect(() => normalizeJsonBody('{"a": 1} // note', 'batch.item')).toThrow(/^batch\.item is not valid JSON: invalid comment token at line 1 column 10/);
    expect(() => normalizeJsonBody('')).toThrow(/^body is not valid JSON: value expected at line 1 column 1/);
  });
});
