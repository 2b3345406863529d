import { describe, expect, it } from 'vitest';
import { parseTableName } from './table-name.js';

describe('parseTableName', () => {
  it('reads plain, schema-qualified and quoted names', () => {
    expect(parseTableName('sf_leads')).toEqual({ schema: null, name: 'sf_leads' });
    expect(parseTableName('analytics.sf_leads')).toEqual({ schema: 'analytics', name: 'sf_leads' });
    expect(parseTableName('"My Schema"."Leads.2026"')).toEqual({ schema: 'My Schema', name: 'Leads.2026' });
    expect(parseTableName('"say ""hi"""')).toEqual({ schema: null, name: 'say "hi"' });
  });

  it('refuses names it cannot read', () => {
    expect(() => parseTableName('a.b.c')).toThrow('table name "a.b.c" must be "table" or "schema.table"');
    expect(() => parseTableName('a.')).toThrow('table name "a." must be "table" or "schema.table"');
    expect(() => parseTableName('"open')).toThrow('table name "\\"open" has an unclosed double quote');
  });
});
