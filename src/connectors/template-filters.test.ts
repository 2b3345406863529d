import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createTemplateEngine } from './template-engine.js';

const engine = createTemplateEngine();
const render = (template: string, context: object = {}): string => engine.render(template, context);

describe('template filters', () => {
  it('json writes a safe literal of any value, bigint digits exact', () => {
    expect(render('{{ v | json }}', { v: 'a "b"\n\\' })).toBe('"a \\"b\\"\\n\\\\"');
    expect(render('{{ v | json }}', { v: { a: [1, null, true], b: 12345678901234567890n } })).toBe('{"a":[1,null,true],"b":12345678901234567890}');
    expect(render('{{ v | json }}', { v: null })).toBe('null');
    expect(render('{{ v | json }}', { v: 9007199254740993n })).toBe('9007199254740993');
  });

  it('sha256 is lower-case hex of the UTF-8 text', () => {
    expect(render('{{ "abc" | sha256 }}')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(render('{{ v | sha256 }}', { v: '日本語' })).toBe(createHash('sha256').update('日本語', 'utf8').digest('hex'));
  });

  it('base64 encodes UTF-8 text', () => {
    expect(render('{{ v | base64 }}', { v: 'user:pässword' })).toBe(Buffer.from('user:pässword').toString('base64'));
  });

  it('form encodes an object, arrays as a[]=1&a[]=2, spaces as +', () => {
    expect(render('{{ v | form }}', { v: { a: [1, 2], name: 'Jane Doe & co', n: null, nested: { k: 'v' } } })).toBe(
      'a[]=1&a[]=2&name=Jane+Doe+%26+co&n=&nested[k]=v',
    );
  });

  it('date takes strftime formats, renders UTC by default and takes a timezone', () => {
    const v = '2026-03-04T23:30:05.000Z';
    expect(render('{{ v | date: "%Y-%m-%d %H:%M:%S" }}', { v })).toBe('2026-03-04 23:30:05');
    expect(render('{{ v | date: "%Y-%m-%d %H:%M:%S %z", "Asia/Tokyo" }}', { v })).toBe('2026-03-05 08:30:05 +0900');
    expect(render('{{ v | date: "%Y/%m/%d" }}', { v: '2026-01-02' })).toBe('2026/01/02');
  });

  it('url_encode encodes a query value', () => {
    expect(render('{{ v | url_encode }}', { v: 'a b&c/d' })).toBe('a+b%26c%2Fd');
  });

  it('an unknown filter is an error naming it', () => {
    expect(() => engine.render('{{ v | jsn }}', { v: 1 }, 'text', { role: 'body' })).toThrow('invalid template in body: undefined filter: jsn');
  });
});
