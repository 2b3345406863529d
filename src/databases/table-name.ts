/** A table as a sync names it: `sf_leads`, `analytics.sf_leads` or `"My Schema"."Leads"`. */
export interface TableName {
  schema: string | null;
  name: string;
}

/** Splits a table name on dots outside double quotes; quoted parts keep their case, dots and doubled quotes. */
export function parseTableName(text: string): TableName {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  let wasQuoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        current += '"';
        i++;
      } else if (c === '"') quoted = false;
      else current += c;
    } else if (c === '"') {
      quoted = true;
      wasQuoted = true;
    } else if (c === '.') {
      parts.push(wasQuoted ? current : current.trim());
      current = '';
      wasQuoted = false;
    } else current += c;
  }
  if (quoted) throw new Error(`table name ${JSON.stringify(text)} has an unclosed double quote`);
  parts.push(wasQuoted ? current : current.trim());
  if (parts.length > 2 || parts.some((p) => p === '')) {
    throw new Error(`table name ${JSON.stringify(text)} must be "table" or "schema.table"`);
  }
  return parts.length === 2 ? { schema: parts[0]!, name: parts[1]! } : { schema: null, name: parts[0]! };
}

/** The name as users write it, for messages: `analytics.sf_leads`. */
export function formatTableName(table: TableName): string {
  return table.schema === null ? table.name : `${table.schema}.${table.name}`;
}
