import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { updateYamlEntry } from '../../src/server/update-yaml-entry.js';

const sync = { from: { connection: 'db', sql: 'select 1' }, to: { connection: 'api', endpoint: 'post' }, mode: 'insert', key: 'id' };

describe('updateYamlEntry', () => {
  it('adds a new entry after the last one, every other byte as written (comments beside keys too)', () => {
    const text = [
      'version: 1',
      '# the syncs',
      'syncs:',
      '  first:   # written by hand',
      '    from: { connection: db, table: t }',
      '    mode: append',
      'pipelines: {}   # none yet',
      '',
    ].join('\n');
    const out = updateYamlEntry(text, ['syncs', 'second'], sync);
    expect(out).toBe(
      [
        'version: 1',
        '# the syncs',
        'syncs:',
        '  first:   # written by hand',
        '    from: { connection: db, table: t }',
        '    mode: append',
        '  second:',
        '    from:',
        '      connection: db',
        '      sql: select 1',
        '    to:',
        '      connection: api',
        '      endpoint: post',
        '    mode: insert',
        '    key: id',
        'pipelines: {}   # none yet',
        '',
      ].join('\n'),
    );
  });

  it('puts the entry at the indent of a map indented by four spaces, in a file without a final newline', () => {
    const text = 'syncs:\n    first:\n        mode: append';
    const out = updateYamlEntry(text, ['syncs', 'second'], { mode: 'insert', mapping: { a: 'b' } });
    expect(out).toBe('syncs:\n    first:\n        mode: append\n    second:\n      mode: insert\n      mapping:\n        a: b\n');
    expect(parse(out)).toEqual({ syncs: { first: { mode: 'append' }, second: { mode: 'insert', mapping: { a: 'b' } } } });
  });

  it('writes into an empty or flow map, and a new section, as valid YAML with the same data', () => {
    for (const text of ['version: 1\nsyncs: {}\n', 'version: 1\n', 'version: 1\nsyncs: { a: { mode: append } }\n']) {
      const out = updateYamlEntry(text, ['syncs', 'second'], sync);
      expect(parse(out).syncs.second).toEqual(sync);
      expect(parse(out).version).toBe(1);
    }
  });

  it('keeps a multi-line SQL text intact', () => {
    const text = 'syncs:\n  a:\n    mode: append\n';
    const sql = 'select id,\n  name -- the name\nfrom t\nwhere note = \'a: b # c\'';
    const out = updateYamlEntry(text, ['syncs', 'b'], { from: { connection: 'db', sql } });
    expect(parse(out).syncs.b.from.sql).toBe(sql);
    expect(parse(out).syncs.a).toEqual({ mode: 'append' });
  });
});
