import {
  DuckDBTypeId,
  type DuckDBType,
  type DuckDBValue,
  type DuckDBBlobValue,
  type DuckDBDecimalValue,
  type DuckDBListValue,
  type DuckDBMapValue,
  type DuckDBStructValue,
  type DuckDBTimestampValue,
} from '@duckdb/node-api';

/** A field of a BigQuery result schema (TableFieldSchema). */
export interface BigQueryField {
  name: string;
  type: string;
  mode: 'NULLABLE' | 'REQUIRED' | 'REPEATED';
  fields?: BigQueryField[];
}

/** One cell as the REST API encodes it: `{ v }`, with strings for scalars, `{ f }` for records, `[{ v }]` for arrays. */
export interface BigQueryCell {
  v: string | null | BigQueryCell[] | { f: BigQueryCell[] };
}

/** The BigQuery field for a DuckDB column (lists become REPEATED, structs RECORD, maps REPEATED key/value RECORDs). */
export function bigqueryField(name: string, type: DuckDBType): BigQueryField {
  switch (type.typeId) {
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY:
      return { ...bigqueryField(name, type.valueType), mode: 'REPEATED' };
    case DuckDBTypeId.STRUCT:
      return { name, type: 'RECORD', mode: 'NULLABLE', fields: type.entryNames.map((n, i) => bigqueryField(n, type.entryTypes[i]!)) };
    case DuckDBTypeId.MAP:
      return {
        name,
        type: 'RECORD',
        mode: 'REPEATED',
        fields: [bigqueryField('key', type.keyType), bigqueryField('value', type.valueType)],
      };
  }
  return { name, type: scalarType(type), mode: 'NULLABLE' };
}

function scalarType(type: DuckDBType): string {
  if (type.alias?.toUpperCase() === 'JSON') return 'JSON';
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return 'BOOLEAN';
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
      return 'INTEGER';
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return 'FLOAT';
    case DuckDBTypeId.DECIMAL:
      // NUMERIC holds 29 integer and 9 fractional digits; anything wider is BIGNUMERIC.
      return type.scale <= 9 && type.width - type.scale <= 29 ? 'NUMERIC' : 'BIGNUMERIC';
    case DuckDBTypeId.BLOB:
      return 'BYTES';
    case DuckDBTypeId.DATE:
      return 'DATE';
    case DuckDBTypeId.TIMESTAMP:
      return 'DATETIME';
    case DuckDBTypeId.TIMESTAMP_TZ:
      return 'TIMESTAMP';
    case DuckDBTypeId.TIME:
      return 'TIME';
    case DuckDBTypeId.INTERVAL:
      return 'INTERVAL';
  }
  return 'STRING';
}

/** One DuckDB value encoded as BigQuery's `v`. */
export function bigqueryCellValue(value: DuckDBValue, type: DuckDBType): BigQueryCell['v'] {
  if (value === null) return null;
  switch (type.typeId) {
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY:
      return (value as DuckDBListValue).items.map((x) => ({ v: bigqueryCellValue(x, type.valueType) }));
    case DuckDBTypeId.STRUCT: {
      const entries = (value as DuckDBStructValue).entries;
      return { f: type.entryNames.map((n, i) => ({ v: bigqueryCellValue(entries[n] ?? null, type.entryTypes[i]!) })) };
    }
    case DuckDBTypeId.MAP:
      return (value as DuckDBMapValue).entries.map((e) => ({
        v: { f: [{ v: bigqueryCellValue(e.key, type.keyType) }, { v: bigqueryCellValue(e.value, type.valueType) }] },
      }));
    case DuckDBTypeId.DECIMAL:
      return canonicalDecimal((value as DuckDBDecimalValue).toString());
    case DuckDBTypeId.BLOB:
      return Buffer.from((value as DuckDBBlobValue).bytes).toString('base64');
    case DuckDBTypeId.TIMESTAMP_TZ:
      return epochSecondsText((value as DuckDBTimestampValue).micros);
    case DuckDBTypeId.TIMESTAMP:
      return datetimeText((value as DuckDBTimestampValue).micros);
  }
  return String(value);
}

/** BigQuery prints NUMERIC without trailing fractional zeros ("12.5", "0.1", "3"). */
export function canonicalDecimal(text: string): string {
  if (!text.includes('.')) return text;
  const trimmed = text.replace(/0+$/, '').replace(/\.$/, '');
  return trimmed === '-0' ? '0' : trimmed;
}

/** A TIMESTAMP as BigQuery's float seconds since the epoch, e.g. "1.795338000123E9" (microsecond digits kept). */
export function epochSecondsText(micros: bigint): string {
  const negative = micros < 0n;
  const abs = negative ? -micros : micros;
  const whole = (abs / 1_000_000n).toString();
  const fraction = (abs % 1_000_000n).toString().padStart(6, '0').replace(/0+$/, '');
  const sign = negative ? '-' : '';
  if (whole === '0') return `${sign}0.${fraction || '0'}`;
  const mantissa = (whole.slice(1) + fraction).replace(/0+$/, '');
  return `${sign}${whole[0]}.${mantissa || '0'}E${whole.length - 1}`;
}

/** A DATETIME as "YYYY-MM-DDTHH:MM:SS[.ffffff]". */
function datetimeText(micros: bigint): string {
  const ms = Number(micros / 1000n);
  const iso = new Date(ms).toISOString().slice(0, 19);
  const us = Number(((micros % 1_000_000n) + 1_000_000n) % 1_000_000n);
  return us === 0 ? iso : `${iso}.${String(us).padStart(6, '0')}`;
}
