/**
 * Rows as CSV text (RFC 4180), for APIs that take a batch as CSV (Salesforce Bulk API 2.0): a header line of every
 * field the rows have, in first-seen order, then one line per row, LF-terminated. A field with a comma, quote or line
 * break is quoted (quotes doubled); null and missing fields are empty; objects and arrays are written as JSON.
 */
export function csvText(rows: unknown): string {
  const list = Array.isArray(rows) ? rows : rows === null || rows === undefined ? [] : [rows];
  const records = list.filter((r): r is Record<string, unknown> => r !== null && typeof r === 'object' && !Array.isArray(r));
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const r of records) {
    for (const k of Object.keys(r)) {
      if (!seen.has(k)) {
        seen.add(k);
        columns.push(k);
      }
    }
  }
  if (columns.length === 0) return '';
  const lines = [columns.map(csvField).join(',')];
  for (const r of records) lines.push(columns.map((c) => csvField(r[c])).join(','));
  return lines.join('\n') + '\n';
}

function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text =
    typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' ? String(value)
      : value instanceof Date ? value.toISOString() : JSON.stringify(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
