import type { Column, ColumnType } from '../rows/row.js';
import { formatTableName, type TableName } from './table-name.js';

/** What a table column can hold, whatever the engine calls its type. */
export type TypeFamily = 'text' | 'integer' | 'decimal' | 'float' | 'boolean' | 'date' | 'timestamp' | 'json' | 'binary' | 'other';

/** An engine type read as a family; decimals carry their precision and scale when the type bounds them. */
export interface NativeType {
  family: TypeFamily;
  precision?: number;
  scale?: number;
}

/** A column of an existing table. */
export interface TableColumn extends NativeType {
  name: string;
  /** The type as the engine reports it (`numeric(12,2)`, `bigint(20)`, `TIMESTAMP WITH TIME ZONE`). */
  nativeType: string;
}

/** What a table looks like: its columns in order and its unique keys (primary key included). */
export interface TableShape {
  columns: TableColumn[];
  uniqueKeys: string[][];
}

/** The SQL dialect half of a table engine: naming, the type mapping and DDL. */
export interface TableDialect {
  /** The engine's name in messages (`PostgreSQL`). */
  readonly label: string;
  /** Quotes one identifier. */
  quote(identifier: string): string;
  /** The column type CREATE TABLE / ADD COLUMN gives a source column (key columns may need a bounded type). */
  columnType(column: Column, isKey: boolean): string;
  /** Reads a type as the engine reports it. */
  nativeType(type: string): NativeType;
  /** What CREATE TABLE adds after the column list (MySQL: the charset and collation), or ''. */
  readonly tableOptions: string;
  /** Whether a missing schema of a schema-qualified table is created (`CREATE SCHEMA IF NOT EXISTS`). */
  readonly createsSchemas: boolean;
}

/** Where one source column lands. */
export interface ColumnBinding {
  source: Column;
  target: TableColumn;
  isKey: boolean;
}

/** What must happen to a table before rows can be written, and where each source column goes. */
export interface TableSchemaPlan {
  /** CREATE / ALTER statements to run first, in order. */
  statements: string[];
  /** The columns written, in source order, as the table will be after `statements`. */
  bindings: ColumnBinding[];
  /** One message per source column the table's column cannot hold; nothing may be written when there is any. */
  conflicts: string[];
  /** Whether the key has a primary key or unique index (upserts need one). */
  keyIsUnique: boolean;
}

const ALL: readonly ColumnType[] = ['string', 'integer', 'decimal', 'number', 'boolean', 'date', 'timestamp', 'json', 'binary'];

/** Which source types a column family holds without loss (text holds everything as its text form). */
const HOLDS: Record<TypeFamily, readonly ColumnType[]> = {
  text: ALL,
  integer: ['integer', 'boolean'],
  decimal: ['integer', 'decimal', 'number'],
  float: ['number', 'integer'],
  boolean: ['boolean'],
  date: ['date'],
  timestamp: ['timestamp', 'date'],
  // A string going into a JSON column must be JSON text; the database checks each value.
  json: ['json', 'string'],
  binary: ['binary'],
  other: ['string'],
};

/** Whether a column of this family can hold values of this source type without loss. */
export function canHold(family: TypeFamily, type: ColumnType): boolean {
  return HOLDS[family].includes(type);
}

/** The source type a column of this family is read back as (the one each family holds natively). */
const FAMILY_TYPE: Record<TypeFamily, ColumnType> = {
  text: 'string',
  integer: 'integer',
  decimal: 'decimal',
  float: 'number',
  boolean: 'boolean',
  date: 'date',
  timestamp: 'timestamp',
  json: 'json',
  binary: 'binary',
  other: 'string',
};

/**
 * An existing table's columns as source columns, for a read that returned no records and so no columns of its own
 * (nothing is added to the table then). A key column matched without regard to case takes the key's spelling, as a
 * source column would.
 */
export function columnsOfTable(shape: TableShape, key: string[]): Column[] {
  return shape.columns.map((c) => {
    const k = key.find((name) => name === c.name) ?? key.find((name) => name.toLowerCase() === c.name.toLowerCase());
    return { name: k ?? c.name, type: FAMILY_TYPE[c.family], nativeType: c.nativeType };
  });
}

/** The table's name quoted for SQL, schema-qualified when the sync gave a schema. */
export function qualifiedName(dialect: TableDialect, table: TableName): string {
  return table.schema === null ? dialect.quote(table.name) : `${dialect.quote(table.schema)}.${dialect.quote(table.name)}`;
}

/** Plans CREATE TABLE (table missing) or ADD COLUMN (source columns missing), and checks every column's type. */
export function planTableSchema(options: {
  dialect: TableDialect;
  table: TableName;
  /** The table as it is, or null when it does not exist. */
  shape: TableShape | null;
  columns: Column[];
  key: string[];
}): TableSchemaPlan {
  const { dialect, table, shape, columns, key } = options;
  const qualified = qualifiedName(dialect, table);
  const planned = (c: Column): TableColumn => {
    const type = dialect.columnType(c, key.includes(c.name));
    return { name: c.name, nativeType: type, ...dialect.nativeType(type) };
  };
  if (shape === null) {
    const targets = columns.map(planned);
    const statements: string[] = [];
    if (table.schema !== null && dialect.createsSchemas) statements.push(`CREATE SCHEMA IF NOT EXISTS ${dialect.quote(table.schema)}`);
    const definitions = targets.map((t) => `${dialect.quote(t.name)} ${t.nativeType}`);
    if (key.length > 0) definitions.push(`PRIMARY KEY (${key.map((k) => dialect.quote(k)).join(', ')})`);
    statements.push(`CREATE TABLE ${qualified} (${definitions.join(', ')})${dialect.tableOptions}`);
    return {
      statements,
      bindings: columns.map((source, i) => ({ source, target: targets[i]!, isKey: key.includes(source.name) })),
      conflicts: [],
      keyIsUnique: key.length > 0,
    };
  }
  const statements: string[] = [];
  const conflicts: string[] = [];
  const bindings = columns.map((source): ColumnBinding => {
    const isKey = key.includes(source.name);
    const existing = findColumn(shape.columns, source.name);
    if (!existing) {
      const target = planned(source);
      statements.push(`ALTER TABLE ${qualified} ADD COLUMN ${dialect.quote(target.name)} ${target.nativeType}`);
      return { source, target, isKey };
    }
    if (!canHold(existing.family, source.type)) {
      conflicts.push(
        `table ${formatTableName(table)}, column ${existing.name}: the table's type ${existing.nativeType} cannot hold ` +
          `the source type ${source.type} (${source.nativeType}) without loss; change the column's type or map another column`,
      );
    }
    return { source, target: existing, isKey };
  });
  const keyTargets = bindings.filter((b) => b.isKey).map((b) => b.target.name);
  const keyIsUnique = keyTargets.length > 0 && shape.uniqueKeys.some((u) => sameSet(u, keyTargets));
  return { statements, bindings, conflicts, keyIsUnique };
}

/** The table's column of this name: exact first, then the one case-insensitive match (`Id` finds `id`). */
function findColumn(columns: TableColumn[], name: string): TableColumn | undefined {
  const exact = columns.find((c) => c.name === name);
  if (exact) return exact;
  const folded = columns.filter((c) => c.name.toLowerCase() === name.toLowerCase());
  return folded.length === 1 ? folded[0] : undefined;
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}
