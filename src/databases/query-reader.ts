import type { Column, Row } from '../rows/row.js';
import type { ReadOptions, Source } from '../sources/source.js';

/** The part of an engine's reader every query shares: the query's source describes and reads through the reader's own. */
export abstract class QueryReader {
  query(sql: string): Source {
    return {
      describe: () => this.describe(sql),
      read: (options) => this.read(sql, options),
    };
  }

  /** The query's columns, without reading its rows. */
  protected abstract describe(sql: string): Promise<Column[]>;

  /** The query's rows, in batches of `batchSize` (default 1000). */
  protected abstract read(sql: string, options?: ReadOptions): AsyncGenerator<Row[]>;
}
