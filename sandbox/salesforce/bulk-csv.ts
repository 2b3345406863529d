/** CSV as Bulk API 2.0 reads and writes it (RFC 4180; the simulator's own copy, independent of the engine's). */

/** The rows of a CSV text: each line's fields (quoted fields may hold the delimiter, "" and line breaks). */
export function readCsv(text: string, delimiter = ','): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const end = () => {
    row.push(field);
    rows.push(row);
    row = [];
    field = '';
  };
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
      } else if (c === '"') {
        quoted = false;
        i++;
      } else {
        field += c;
        i++;
      }
    } else if (c === '"' && field === '') {
      quoted = true;
      i++;
    } else if (c === delimiter) {
      row.push(field);
      field = '';
      i++;
    } else if (c === '\r' && text[i + 1] === '\n') {
      end();
      i += 2;
    } else if (c === '\n') {
      end();
      i++;
    } else {
      field += c;
      i++;
    }
  }
  if (quoted) throw new Error('a quoted field is never closed');
  if (field !== '' || row.length > 0) end();
  return rows;
}

/** One CSV line of values, every value quoted as Salesforce writes its result files ("" inside, null as ""). */
export function csvLine(values: readonly unknown[], delimiter = ','): string {
  return values.map((v) => `"${v === null || v === undefined ? '' : String(v).replace(/"/g, '""')}"`).join(delimiter);
}
