import { describe, expect, it } from 'vitest';
import { fieldRulesSchema, MAX_FIELD_RULES } from '../config/project-schema.js';
import { compileFieldRules } from './field-rules.js';

const rules = compileFieldRules({ phone: { skip_null: true }, lead_source: { on: 'create' }, owner: { value: 'sluice' } });

describe('field rules on a row', () => {
  it('sets a constant (added after the source columns when missing), leaves out a null skip_null field, keeps the rest', () => {
    expect(rules.apply({ email: 'a@x.test', phone: null, lead_source: 'ads' })).toEqual({ email: 'a@x.test', lead_source: 'ads', owner: 'sluice' });
    expect(Object.keys(rules.apply({ owner: 'someone', email: 'a@x.test', phone: '555' }))).toEqual(['owner', 'email', 'phone']);
    expect(rules.apply({ owner: 'someone', email: 'a@x.test' }).owner).toBe('sluice');
    // Missing counts as null; the row given is not changed.
    const row = { email: 'b@x.test', phone: undefined };
    expect(rules.apply(row)).toEqual({ email: 'b@x.test', owner: 'sluice' });
    expect(row).toHaveProperty('phone');
  });

  it('a constant may be null, a number or a boolean, and is set even over a source value', () => {
    const r = compileFieldRules({ a: { value: null }, b: { value: 2.5 }, c: { value: false } });
    expect(r.apply({ a: 'x', b: 1 })).toEqual({ a: null, b: 2.5, c: false });
  });

  it('create-only fields leave rows sent as updates, and native upserts of keys already delivered', () => {
    const row = { email: 'a@x.test', lead_source: 'ads', owner: 'sluice' };
    expect(rules.withoutCreateOnly(row)).toEqual({ email: 'a@x.test', owner: 'sluice' });
    expect(rules.createOnly).toEqual(['lead_source']);
    const item = (operation: 'create' | 'update' | 'upsert' | 'delete', change?: string) => ({ key: 'a', operation, row, remoteId: null, change });
    expect(rules.sendsCreateOnly(item('create'))).toBe(true);
    expect(rules.sendsCreateOnly(item('update', 'added'))).toBe(false);
    expect(rules.sendsCreateOnly(item('upsert', 'added'))).toBe(true);
    expect(rules.sendsCreateOnly(item('upsert', 'changed'))).toBe(false);
    // An upsert whose change nobody knows is taken as an update: an existing value is never overwritten by it.
    expect(rules.sendsCreateOnly(item('upsert'))).toBe(false);
  });

  it('without rules a row passes through as the same object', () => {
    const none = compileFieldRules(undefined);
    const row = { a: 1 };
    expect(none.empty).toBe(true);
    expect(none.apply(row)).toBe(row);
    expect(none.withoutCreateOnly(row)).toBe(row);
    expect(compileFieldRules({ a: { on: 'always' } }).empty).toBe(true);
  });
});

describe('hostile field rules', () => {
  const parse = (yamlValue: unknown) => fieldRulesSchema.safeParse(yamlValue);
  const messages = (yamlValue: unknown) => parse(yamlValue).error?.issues.map((i) => [i.path.join('.'), i.code]);

  it('refuses a rule named __proto__ when compiled (the schema drops it silently; sluice validate reports it, see test/sync)', () => {
    const hostile = JSON.parse('{ "__proto__": { "value": "polluted" } }') as Record<string, never>;
    expect(() => compileFieldRules(hostile)).toThrow('fields: "__proto__" cannot be a field name');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a rule for "constructor" is an ordinary field: the row gets its own property, Object.prototype is untouched', () => {
    const r = compileFieldRules({ constructor: { value: 'x' }, toString: { skip_null: true } });
    const row = r.apply({ toString: null, a: 1 });
    expect(Object.hasOwn(row, 'constructor')).toBe(true);
    expect(row).toEqual({ a: 1, constructor: 'x' });
    expect(Object.hasOwn(row, 'toString')).toBe(false);
    expect(typeof ({}).constructor).toBe('function');
    // A field that is only inherited is missing, not "present": skip_null sees no value.
    expect(compileFieldRules({ constructor: { skip_null: true } }).apply({ a: 1 })).toEqual({ a: 1 });
  });

  it('a source column named __proto__ stays data when a rule rebuilds the row', () => {
    const row = JSON.parse('{ "__proto__": { "admin": true }, "a": 1 }') as Record<string, unknown>;
    const out = rules.apply(row);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect((out as { admin?: boolean }).admin).toBeUndefined();
    expect(Object.keys(out)).toEqual(['__proto__', 'a', 'owner']);
  });

  it('refuses a 10,000-character name, a constant that is an object, an array or too long a string, and both value and skip_null', () => {
    expect(messages({ ['f'.repeat(10_000)]: { skip_null: true } })).toEqual([['f'.repeat(10_000), 'invalid_key']]);
    expect(() => compileFieldRules({ ['f'.repeat(10_000)]: { skip_null: true } })).toThrow('fields: a field name has 1 to 255 characters');
    expect(messages({ owner: { value: { $ne: 1 } } })).toEqual([['owner.value', 'invalid_union']]);
    expect(messages({ owner: { value: ['a'] } })).toEqual([['owner.value', 'invalid_union']]);
    expect(messages({ owner: { value: 'x'.repeat(70_000) } })).toEqual([['owner.value', 'too_big']]);
    expect(() => compileFieldRules({ owner: { value: { $ne: 1 } as never } })).toThrow('fields.owner.value: a constant is a string, a finite number, a boolean or null');
    expect(() => compileFieldRules({ n: { value: Infinity } })).toThrow('fields.n.value');
    expect(parse({ phone: { value: null, skip_null: true } }).error?.issues.map((i) => i.message)).toEqual(['give value or skip_null, not both (a constant is never null)']);
    expect(() => compileFieldRules({ phone: { value: null, skip_null: true } })).toThrow('fields.phone: give value or skip_null, not both');
  });

  it('refuses unknown rule keys, an unknown on, and more rules than the bound', () => {
    expect(messages({ phone: { skipnull: true } })).toEqual([['phone', 'unrecognized_keys']]);
    expect(messages({ phone: { on: 'update' } })).toEqual([['phone.on', 'invalid_value']]);
    const many = Object.fromEntries(Array.from({ length: MAX_FIELD_RULES + 1 }, (_, i) => [`f${i}`, { skip_null: true }]));
    expect(parse(many).error?.issues.map((i) => i.message)).toEqual([`at most ${MAX_FIELD_RULES} field rules`]);
    expect(parse(Object.fromEntries(Object.entries(many).slice(1))).success).toBe(true);
  });
});
