import { DuckDBTypeId, type DuckDBType } from '@duckdb/node-api';
import { DUCKDB_BOOLEANS_AND_SMALL_INTEGERS } from '../../databases/duckdb/duckdb-database.js';
import type { Row } from '../../rows/row.js';

/** SQL expressions over a query's columns (renamed c0, c1...) that yield what the JS planner computes per row. */
export interface RowJsonSql {
  /** The record key text (recordKey of the mapped row), NULL when a key column is NULL. */
  key: string;
  /** The mapped row's JSON text, byte-identical to stringifyRow(mapRow(row)) of the row read through the DuckDB Source. */
  row: string;
  /** False for a row holding a value the SQL cannot render identically (then the whole query takes the JS path). */
  ok: string;
}

/** Macros the expressions use; created once in the workspace (TEMP, so they never reach a user's file). */
export const ROW_JSON_MACROS = [
  // JSON.stringify of a string: DuckDB's to_json writes the same text except for \u00XX escapes (uppercase hex), which
  // only appear for the rarer control characters (or a literal `\u00`): those strings are escaped here instead.
  `CREATE OR REPLACE TEMP MACRO sluice_jstr(s) AS CASE WHEN contains(to_json(s)::VARCHAR, '\\u00')
    THEN '"' || ${controlEscapes('replace(replace(s, \'\\\', \'\\\\\'), \'"\', \'\\"\')')} || '"' ELSE to_json(s)::VARCHAR END`,
  // A finite non-zero double's shortest digits `s` and decimal point position `n` laid out as JavaScript's Number#toString.
  `CREATE OR REPLACE TEMP MACRO sluice_jsfmt(s, n) AS CASE
    WHEN length(s) <= n AND n <= 21 THEN s || repeat('0', (n - length(s))::BIGINT)
    WHEN 0 < n AND n <= 21 THEN s[1:n] || '.' || s[n + 1:]
    WHEN -6 < n AND n <= 0 THEN '0.' || repeat('0', (-n)::BIGINT) || s
    ELSE CASE WHEN length(s) = 1 THEN s ELSE s[1:1] || '.' || s[2:] END || 'e' || CASE WHEN n - 1 >= 0 THEN '+' ELSE '-' END || abs(n - 1)::VARCHAR END`,
  `CREATE OR REPLACE TEMP MACRO sluice_jsmant(m, e) AS sluice_jsfmt(rtrim(ltrim(replace(m, '.', ''), '0'), '0'),
    length(split_part(m, '.', 1)) - (length(replace(m, '.', '')) - length(ltrim(replace(m, '.', ''), '0'))) + e)`,
  `CREATE OR REPLACE TEMP MACRO sluice_jspos(t) AS sluice_jsmant(split_part(t, 'e', 1), CASE WHEN contains(t, 'e') THEN split_part(t, 'e', 2)::INTEGER ELSE 0 END)`,
  // DuckDB prints a double's shortest round-trip digits too; only the layout differs from JavaScript's.
  `CREATE OR REPLACE TEMP MACRO sluice_jsnum(x) AS CASE WHEN isnan(x) OR isinf(x) THEN 'null' WHEN x = 0 THEN '0'
    WHEN x < 0 THEN '-' || sluice_jspos((-x)::VARCHAR) ELSE sluice_jspos(x::VARCHAR) END`,
];

function controlEscapes(expr: string): string {
  const short: Record<number, string> = { 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r' };
  let out = expr;
  for (let c = 0; c < 32; c++) {
    const esc = short[c] ?? `\\u${c.toString(16).padStart(4, '0')}`;
    out = `replace(${out}, chr(${c}), '${esc}')`;
  }
  return out;
}

const SAFE = '9007199254740991';

/** How one value renders: its JSON text, its key text, and a guard; each yields NULL for a NULL value. */
interface Encoding {
  json: (v: string) => string;
  /** The key part text (recordKey's keyPart): the string itself for strings, the JSON text otherwise. */
  text: (v: string) => string;
  ok?: (v: string) => string;
}

const quoted = (text: (v: string) => string): Encoding => ({ json: (v) => `sluice_jstr(${text(v)})`, text });

/** The encoding of a DuckDB type as the DuckDB Source converts it (duckdbConverter), or null when not supported. */
function encoding(type: DuckDBType, nested: boolean, depth: number): Encoding | null {
  if (type.alias) return null;
  if (DUCKDB_BOOLEANS_AND_SMALL_INTEGERS.has(type.typeId)) return { json: (v) => `${v}::VARCHAR`, text: (v) => `${v}::VARCHAR` };
  switch (type.typeId) {
    case DuckDBTypeId.VARCHAR:
      return quoted((v) => v);
    case DuckDBTypeId.ENUM:
    case DuckDBTypeId.UUID:
      return quoted((v) => `${v}::VARCHAR`);
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
      // Integers beyond 2^53 are exact decimal strings.
      return {
        json: (v) => `CASE WHEN ${v} BETWEEN -${SAFE} AND ${SAFE} THEN ${v}::VARCHAR ELSE '"' || ${v}::VARCHAR || '"' END`,
        text: (v) => `${v}::VARCHAR`,
      };
    case DuckDBTypeId.DECIMAL:
      return { json: (v) => `'"' || ${v}::VARCHAR || '"'`, text: (v) => `${v}::VARCHAR` };
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      // A key of floats would need String(NaN) etc.: rare enough to leave to the JS path.
      return { json: (v) => `sluice_jsnum(${v}::DOUBLE)`, text: () => 'NULL' };
    case DuckDBTypeId.DATE:
      if (nested) return null;
      return { ...quoted((v) => `${v}::VARCHAR`), ok: (v) => `${v} BETWEEN DATE '0001-01-01' AND DATE '9999-12-31'` };
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
      if (nested) return null;
      return {
        ...quoted((v) => `strftime(${v}::TIMESTAMP, '%Y-%m-%dT%H:%M:%S.%gZ')`),
        ok: (v) => `${v}::TIMESTAMP BETWEEN TIMESTAMP '0001-01-01' AND TIMESTAMP '9999-12-31 23:59:59.999999'`,
      };
    case DuckDBTypeId.BLOB:
      return quoted((v) => `base64(${v})`);
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY: {
      const item = encoding(type.valueType, true, depth + 1);
      if (!item) return null;
      const x = `sluice_x${depth}`;
      const json = (v: string) =>
        `'[' || array_to_string(list_transform(${v}, lambda ${x}: coalesce(${item.json(x)}, 'null')), ',') || ']'`;
      return { json, text: json };
    }
    case DuckDBTypeId.STRUCT: {
      const fields = type.entryNames.map((name, i) => ({ name, enc: encoding(type.entryTypes[i]!, true, depth + 1) }));
      if (fields.some((f) => !f.enc) || type.entryNames.some(unsafeName)) return null;
      // JSON.stringify orders an object's keys as JavaScript does (integer-like keys first): ask an object.
      const order = objectKeyOrder([...type.entryNames]);
      const json = (v: string) => {
        const object = jsonObject(
          order.map((name) => ({ name, value: fields.find((x) => x.name === name)!.enc!.json(`struct_extract(${v}, ${sqlString(name)})`) })),
        );
        return `CASE WHEN ${v} IS NULL THEN NULL ELSE ${object} END`;
      };
      return { json, text: json };
    }
    default:
      return null;
  }
}

/**
 * A JSON object from (name, value SQL) pairs in order, as one concat() (one allocation per row, unlike a chain of ||);
 * a NULL value (or a null field) is written as null, so every value expression must yield NULL for NULL.
 */
function jsonObject(fields: { name: string; value: string | null }[]): string {
  const args: string[] = [];
  let text = '{';
  fields.forEach((f, i) => {
    text += `${i ? ',' : ''}${JSON.stringify(f.name)}:`;
    if (f.value === null) {
      text += 'null';
      return;
    }
    args.push(sqlString(text), `coalesce(${f.value}, 'null')`);
    text = '';
  });
  args.push(sqlString(text + '}'));
  return `concat(${args.join(', ')})`;
}

function objectKeyOrder(names: string[]): string[] {
  const o: Record<string, true> = {};
  for (const n of names) o[n] = true;
  return Object.keys(o);
}

function unsafeName(name: string): boolean {
  return name === '__proto__';
}

/** A SQL string literal. */
export function sqlString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** The names the DuckDB Source gives a result's columns (a repeated name gets `:1`, `:2`...). */
export function deduplicatedNames(names: string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((n) => {
    const count = (seen.get(n) ?? 0) + 1;
    seen.set(n, count);
    return count > 1 ? `${n}:${count - 1}` : n;
  });
}

/**
 * SQL computing the key, row JSON and guard of a query's rows (columns renamed c0, c1...), as the JS planner would
 * from the DuckDB Source's rows after `mapRow`; null when a column type or the mapping cannot be rendered identically.
 */
export function duckdbRowJsonSql(columns: { name: string; type: DuckDBType }[], key: string[], mapRow: (row: Row) => Row): RowJsonSql | null {
  const names = deduplicatedNames(columns.map((c) => c.name));
  if (names.some((n) => unsafeName(n) || n === 'constructor' || n === 'toString' || n === 'valueOf' || n === 'hasOwnProperty')) return null;
  const encodings = columns.map((c) => encoding(c.type, false, 0));
  // Which source column each output field holds: map a row of markers and see where each one went.
  const markers = names.map((_, i) => ({ column: i }));
  const markerRow: Row = {};
  names.forEach((n, i) => (markerRow[n] = markers[i]));
  const mapped = mapRow(markerRow);
  const fields: { name: string; column: number | null }[] = [];
  for (const [name, value] of Object.entries(mapped)) {
    if (value === null || value === undefined) {
      if (value === undefined) return null;
      fields.push({ name, column: null });
      continue;
    }
    const i = markers.indexOf(value as { column: number });
    if (i < 0) return null;
    fields.push({ name, column: i });
  }
  const col = (i: number) => `"c${i}"`;
  const used = new Set(fields.map((f) => f.column).filter((c): c is number => c !== null));
  for (const i of used) if (!encodings[i]) return null;

  const row = jsonObject(
    fields.map((f) => ({ name: f.name, value: f.column === null ? null : encodings[f.column]!.json(col(f.column)) })),
  );
  const guards = [...used].flatMap((i) => (encodings[i]!.ok ? [`(${col(i)} IS NULL OR ${encodings[i]!.ok!(col(i))})`] : []));

  let keySql = 'NULL';
  if (key.length) {
    const keyFields = key.map((k) => fields.find((f) => f.name === k));
    if (keyFields.some((f) => !f)) return null;
    const texts: string[] = [];
    for (const f of keyFields) {
      if (f!.column === null) {
        texts.push('NULL');
        continue;
      }
      const t = columns[f!.column]!.type.typeId;
      if (t === DuckDBTypeId.FLOAT || t === DuckDBTypeId.DOUBLE) return null;
      const v = col(f!.column);
      texts.push(encodings[f!.column]!.text(v));
    }
    // A composite key is the JSON array of its parts as strings; NULL propagates through ||.
    keySql = texts.length === 1 ? texts[0]! : `'[' || ${texts.map((t) => `sluice_jstr(${t})`).join(` || ',' || `)} || ']'`;
  }
  return { key: keySql, row, ok: guards.length ? guards.join(' AND ') : 'true' };
}
