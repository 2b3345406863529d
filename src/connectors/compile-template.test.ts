import { describe, expect, it } from 'vitest';
import { normalizeJsonBody } from './normalize-json-body.js';
import { createTemplateEngine, type RenderMode } from './template-engine.js';

const engine = createTemplateEngine();
const context = {
  row: {
    s: 'quote " backslash \\ tab \t newline \n ctrl \u0007 emoji 😀 日本語 lone \ud800',
    n: 12.5,
    big: 12345678901234567890n,
    t: true,
    nil: null,
    list: ['a', 'b', 'c'],
    obj: { size: 'own size', first: 'own first', nested: { deep: 'x' } },
    'odd key': 'spaced',
  },
};
// Each template renders through the compiled path; wrapped in a tag it renders through liquidjs.
const templates = [
  '{{ row.s }}',
  '{{ row.n }}|{{ row.big }}|{{ row.t }}|{{ row.nil }}',
  '{{ row.list }}|{{ row.list.size }}|{{ row.list.first }}|{{ row.list.last }}|{{ row.list[-1] }}|{{ row.list[1] }}',
  '{{ row.obj }}|{{ row.obj.size }}|{{ row.obj.first }}|{{ row.obj.nested.deep }}|{{ row.s.size }}',
  '{{ row["odd key"] }}|{{ row.s | json }}|{{ row.obj | json }}|{{ row.s | sha256 }}|{{ row.s | base64 }}',
];

describe('compiled templates', () => {
  for (const mode of ['text', 'json', 'url'] as RenderMode[]) {
    it(`render exactly as liquidjs does in ${mode} mode`, () => {
      for (const t of templates) {
        expect(engine.render(t, context, mode), t).toBe(engine.render(`{% if true %}${t}{% endif %}`, context, mode));
      }
    });
  }

  it('prove JSON validity without parsing, and agree with render-then-validate', () => {
    const bodies = [
      '{ "s": "{{ row.s }}", "n": {{ row.n }}, "t": {{ row.t }}, "list": {{ row.list | json }}, "{{ row.s }}": 1 }',
      '[{{ row.n }}, "{{ row.list }}", {{ row.obj | json }}]',
    ];
    for (const b of bodies) {
      const viaLiquid = normalizeJsonBody(engine.render(`{% if true %}${b}{% endif %}`, context, 'json'));
      expect(engine.renderJson(b, context)).toBe(viaLiquid);
      expect(() => JSON.parse(engine.renderJson(b, context))).not.toThrow();
    }
  });

  it('fall back to validation when a value cannot stand bare in JSON', () => {
    expect(() => engine.renderJson('{ "n": {{ row.s }} }', context)).toThrow(/^body is not valid JSON: /);
    expect(() => engine.renderJson('{ "n": {{ row.nil }} }', context, 'batch.item')).toThrow(/^batch\.item is not valid JSON: value expected/);
    expect(engine.renderJson('{ "n": {{ row.n }}, }', context)).toBe('{ "n": 12.5 }');
  });

  it('report the first unknown variable as liquidjs would', () => {
    expect(() => engine.render('{{ row.s }}{{ row.missing.deep }}', context, 'text', { role: 'body' })).toThrow('unknown variable "row.missing" in body');
    expect(() => engine.renderJson('{ "a": "{{ rows.s }}" }', context, 'body')).toThrow('unknown variable "rows" in body');
  });

  it('read data as liquidjs does: own properties only, drops and functions through Liquid, odd numbers validated', () => {
    const odd = {
      row: {
        inherited: Object.assign(Object.create({ hidden: 'from the prototype' }) as object, { own: 'mine' }),
        drop: { toLiquid: () => ({ via: 'the drop' }), via: 'not the drop' },
        fn: () => 'called',
        zero: -0,
        inf: Infinity,
        list: [{ id: 'first' }],
      },
    };
    for (const t of ['{{ row.inherited.own }}|{{ row.inherited.hidden }}', '{{ row.drop.via }}', '{{ row.fn }}', '{{ row.zero }}|{{ row.list[0].id }}']) {
      const lenient = { strict: false };
      expect(engine.render(t, odd, 'text', lenient), t).toBe(engine.render(`{% if true %}${t}{% endif %}`, odd, 'text', lenient));
    }
    expect(engine.render('{{ row.inherited.own }}|{{ row.inherited.hidden }}', odd, 'text', { strict: false })).toBe('mine|');
    expect(() => engine.render('{{ row.inherited.hidden }}', odd)).toThrow('unknown variable "row.inherited.hidden"');
    expect(engine.renderJson('{ "z": {{ row.zero }}, "id": "{{ row.list[0].id }}" }', odd)).toBe('{ "z": 0, "id": "first" }');
    expect(() => engine.renderJson('{ "n": {{ row.inf }} }', odd)).toThrow(/^body is not valid JSON: /);
    expect(engine.jsonRenderer('{ "id": {{ row.list[0].id | json }} }', 'batch.item')(odd)).toBe('{ "id": "first" }');
  });

  it('treat template text as data, never as code', () => {
    const t = '"; throw new Error("injected"); "{{ row["\\"); process.exit(1); //"] }}';
    expect(() => engine.render(t, context)).toThrow(/unknown variable/);
  });
});
