// CSV as jobs read it (parseCsv: Salesforce's result files) and as batches write it (the csv filter), hostile values included.
import { describe, expect, it } from 'vitest';
import { csvText } from '../../src/connectors/csv-text.js';
import { parseCsv } from '../../src/connectors/job/parse-csv.js';
import { createTemplateEngine } from '../../src/connectors/template-engine.js';

describe('parseCsv', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks, CRLF or LF, a BOM, and no record for a blank last line', () => {
    const text = '\uFEFF"Id","Name",Note\r\n"1","Acme, ""Inc""","two\r\nlines"\r\n2,Beta,\n\n';
    expect(parseCsv(text)).toEqual([
      { Id: '1', Name: 'Acme, "Inc"', Note: 'two\r\nlines' },
      { Id: '2', Name: 'Beta', Note: '' },
    ]);
  });

  it('gives missing trailing fields as empty, and refuses more fields than the header or a quote never closed', () => {
    expect(parseCsv('a,b,c\n1\n')).toEqual([{ a: '1', b: '', c: '' }]);
    expect(() => parseCsv('a,b\n1,2\n3,4,5\n')).toThrow('CSV line 3 has 3 fields, but the header names 2');
    expect(() => parseCsv('a,b\n1,"open\n2,3\n')).toThrow('CSV line 2: a quoted field is never closed');
  });

  it('keeps field names that look like object keys as plain data', () => {
    const [row] = parseCsv('__proto__,constructor\nx,y\n');
    expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
    expect(Object.keys(row!)).toEqual(['constructor']);
  });
});

describe('the csv filter', () => {
  it('writes a header of every field in first-seen order and a line a row, quoting what needs it', () => {
    expect(csvText([{ id: 1, name: 'Acme, "Inc"' }, { id: 2, note: 'two\nlines', ok: true, tags: ['a'], gone: null }])).toBe(
      'id,name,note,ok,tags,gone\n1,"Acme, ""Inc""",,,,\n2,,"two\nlines",true,"[""a""]",\n',
    );
    expect(csvText([])).toBe('');
  });

  it('renders rows in a template, a value with a quote and a line break staying one field', () => {
    const engine = createTemplateEngine();
    const rows = [{ LastName: 'O"Brien\nX', Company: '=HYPERLINK("evil")' }];
    expect(engine.render('{{ rows | csv }}', { rows }, 'text')).toBe('LastName,Company\n"O""Brien\nX","=HYPERLINK(""evil"")"\n');
  });
});
