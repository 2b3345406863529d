import { quoteIdentifier, type SqlEngine } from '../config/quote-identifier.js';
import { DATABASE_LABELS } from './database-labels.js';
import type { TableEngine } from './table-engine.js';

/**
 * What sets one engine's table writing apart, declared once per engine. What it leaves out is what most engines do:
 * no MERGE, no NaN or ±Infinity in double columns, nothing after CREATE TABLE's column list, no schema created.
 */
export type TableEngineTraits = { engine: SqlEngine } & Pick<TableEngine, 'batchSize' | 'columnType' | 'nativeType'> &
  Partial<Pick<TableEngine, 'supportsMerge' | 'storesNonFinite' | 'tableOptions' | 'createsSchemas'>>;

/**
 * The part every table engine shares: its traits as the fields TableEngine reads, the engine's identifier quoting,
 * the driver's own message for an error, and closing: the connection first, then what `onClose` releases (an SSH
 * tunnel).
 */
export abstract class SqlTableEngine {
  readonly label: string;
  readonly batchSize: number;
  readonly supportsMerge: boolean;
  readonly storesNonFinite: boolean;
  readonly tableOptions: string;
  readonly createsSchemas: boolean;
  readonly columnType: TableEngine['columnType'];
  readonly nativeType: TableEngine['nativeType'];
  private readonly engine: SqlEngine;

  constructor(
    traits: TableEngineTraits,
    private readonly onClose?: () => Promise<void>,
  ) {
    this.engine = traits.engine;
    this.label = DATABASE_LABELS[traits.engine];
    this.batchSize = traits.batchSize;
    this.supportsMerge = traits.supportsMerge ?? false;
    this.storesNonFinite = traits.storesNonFinite ?? false;
    this.tableOptions = traits.tableOptions ?? '';
    this.createsSchemas = traits.createsSchemas ?? false;
    this.columnType = traits.columnType;
    this.nativeType = traits.nativeType;
  }

  quote(identifier: string): string {
    return quoteIdentifier(identifier, this.engine);
  }

  messageOf(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
  }

  async close(): Promise<void> {
    try {
      await this.closeConnection();
    } finally {
      await this.onClose?.();
    }
  }

  /** Ends the engine's connection. */
  protected abstract closeConnection(): Promise<void>;
}
