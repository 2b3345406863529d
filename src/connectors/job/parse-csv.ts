/** The most records one CSV answer may hold (its size is already bounded by the client's body limit). */
export const MAX_CSV_RECORDS = 10_000_000;

/**
 * The records of a CSV text (RFC 4180): the first line names the fields, each later line is one record of them as
 * strings. Quoted fields may hold commas, quotes ("") and line breaks; CRLF and LF both end a line; a blank last line
 * is no record. A line with more fields than the header, or a quote left open, is an error naming the line.
 */
export function parseCsv(text: string, delimiter = ','): Record<string, string>[] {
  const rows = csvRows(text, delimiter);
  if (rows.length === 0) return [];
  const header = rows[0]!.fields;
  const records: Record<string, string>[] = [];
  for (let r = 1; r < rows.length; r++) {
    const { fields, line } = rows[r]!;
    if (fields.length === 1 && fields[0] === '' && header.length > 1) continue;
    if (fields.length > header.length) throw new Error(`CSV line ${line} has ${fields.length} fields, but the header names ${header.length}`);
    if (records.length >= MAX_CSV_RECORDS) throw new Error(`the CSV holds more than ${MAX_CSV_RECORDS} records`);
    const record: Record<string, string> = {};
    for (let i = 0; i < header.length; i++) record[header[i]!] = fields[i] ?? '';
    records.push(record);
  }
  return records;
}

/** Each line's fields, with the line number it starts on (from 1). */
function csvRows(text: string, delimiter: string): { fields: string[]; line: number }[] {
  const rows: { fields: string[]; line: number }[] = [];
  const start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let rowLine = 1;
  let quoted = false;
  let quoteLine = 0;
  let i = start;
  const n = text.length;
  const endRow = () => {
    fields.push(field);
    rows.push({ fields, line: rowLine });
    fields = [];
    field = '';
  };
  while (i < n) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      if (c === '\n') line++;
      // Copy a run of plain characters at once: most of a CSV body is field text.
      let j = i + 1;
      while (j < n && text[j] !== '"' && text[j] !== '\n') j++;
      field += text.slice(i, j);
      i = j;
      continue;
    }
    if (c === '"' && field === '') {
      quoted = true;
      quoteLine = line;
      i++;
    } else if (c === delimiter) {
      fields.push(field);
      field = '';
      i++;
    } else if (c === '\r' && text[i + 1] === '\n') {
      endRow();
      i += 2;
      rowLine = ++line;
    } else if (c === '\n') {
      endRow();
      i++;
      rowLine = ++line;
    } else {
      let j = i + 1;
      while (j < n && text[j] !== delimiter && text[j] !== '\n' && text[j] !== '\r' && text[j] !== '"') j++;
      field += text.slice(i, j);
      i = j;
    }
  }
  if (quoted) throw new Error(`CSV line ${quoteLine}: a quoted field is never closed`);
  if (field !== '' || fields.length > 0) endRow();
  return rows;
}
