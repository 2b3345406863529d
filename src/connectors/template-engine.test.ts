import { describe, expect, it } from 'vitest';
import { createTemplateEngine } from './template-engine.js';
import { RawJson } from './raw-json.js';

const engine = createTemplateEngine();
const nasty = 'He said "hi" \\ back\ttab\r\nnew line \u0001 ctrl 😀 日本語テキスト';

describe('template engine', () => {
  it('JSON mode escapes every output for a JSON string, on the compiled and the Liquid path alike', () => {
    const compiled = engine.render('{ "s": "{{ row.s }}" }', { row: { s: nasty } }, 'json');
    const liquid = engine.render('{ "s": "{% if row.s %}{{ row.s }}{% endif %}" }', { row: { s: nasty } }, 'json');
    expect(JSON.parse(compiled)).toEqual({ s: nasty });
    expect(liquid).toBe(compiled);
  });

  it('| json is written raw in JSON mode, not escaped again', () => {
    expect(engine.render('{ "s": {{ row.s | json }} }', { row: { s: nasty } }, 'json')).toBe(`{ "s": ${JSON.stringify(nasty)} }`);
  });

  it('URL mode percent-encodes outputs, text mode leaves them', () => {
    expect(engine.render('/issues/{{ id }}', { id: 'a b/c?d' }, 'url')).toBe('/issues/a%20b%2Fc%3Fd');
    expect(engine.render('/issues/{{ id }}', { id: 'a b/c?d' }, 'text')).toBe('/issues/a b/c?d');
  });

  it('objects and arrays output as JSON, nil as empty', () => {
    expect(engine.render('{{ o }}|{{ n }}', { o: { a: [1, 'x'] }, n: null })).toBe('{"a":[1,"x"]}|');
  });

  it('pre-rendered JSON items are written whole in JSON mode', () => {
    const items = [new RawJson('{"a":1}'), new RawJson('{"b":"x"}')];
    expect(engine.render('{ "inputs": {{ items }} }', { items }, 'json')).toBe('{ "inputs": [{"a":1},{"b":"x"}] }');
  });

  it('an unknown variable is an error naming it and the template role', () => {
    expect(() => engine.render('{ "s": {{ row.sumary | json }} }', { row: { summary: 'x' } }, 'json', { role: 'body' })).toThrow(
      'unknown variable "row.sumary" in body',
    );
    expect(() => engine.render('{% if row.a %}{{ row.sumary }}{% endif %}', { row: { a: 1 } }, 'text', { role: 'body' })).toThrow(
      'unknown variable "row.sumary" in body',
    );
  });

  it('a null column renders empty, not as an error', () => {
    expect(engine.render('[{{ row.d }}]', { row: { d: null } })).toBe('[]');
  });

  it('lenient rendering leaves missing properties empty but still rejects an unknown top-level name', () => {
    const context = { response: { body: 'plain text' } };
    expect(engine.render('{{ response.body.errors[0].message }}', context, 'text', { strict: false })).toBe('');
    expect(() => engine.render('{{ respons.body }}', context, 'text', { strict: false, role: 'error_message' })).toThrow(
      'unknown variable "respons" in error_message',
    );
  });

  it('a syntax error names the role, line and column', () => {
    expect(() => engine.parse('{\n  "a": {% if x %}1\n}', 'body')).toThrow(/^invalid template in body: tag \{% if x %\} not closed, line:2, col:8/);
  });

  it('evaluates conditions as in {% if %}', () => {
    const response = { status: 200, body: { ok: false, results: [1] } };
    expect(engine.evaluate("response.status == 200 and response.body.ok == false", { response })).toBe(true);
    expect(engine.evaluate('response.body.results.size > 0', { response })).toBe(true);
    expect(engine.evaluate("result.status != 'error'", { result: { status: 'error' } })).toBe(false);
    // A property the response lacks is false, not an error (its shape is the API's).
    expect(engine.evaluate('response.body[0].errorCode == "X"', { response })).toBe(false);
    expect(() => engine.evaluate('respons.status == 200', { response }, 'responses.when')).toThrow('unknown variable "respons" in responses.when');
  });

  it('value keeps the type of an expression', () => {
    expect(engine.value('row.tags | uniq', { row: { tags: [1, 1, 2] } })).toEqual([1, 2]);
  });

  it('stops a template that runs too long', () => {
    const started = Date.now();
    expect(() => engine.render('{% for i in (1..100000000) %}{{ i }}{% endfor %}', {}, 'text', { role: 'body' })).toThrow(/limit exceeded/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('renders a cached template fast (the per-row hot path)', () => {
    const template = '{ "id": {{ row.email | json }}, "properties": { "firstname": "{{ row.first }}", "n": {{ row.n }} } }';
    const row = { email: 'u@example.com', first: 'Jane "J"', n: 1 };
    const n = 50_000;
    const started = performance.now();
    for (let i = 0; i < n; i++) engine.render(template, { row }, 'json');
    const perSecond = n / ((performance.now() - started) / 1000);
    expect(perSecond).toBeGreaterThan(100_000);
  });
});
