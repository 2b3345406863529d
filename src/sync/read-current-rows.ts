import type { Row } from '../rows/row.js';
import type { Source } from '../sources/source.js';
import { recordKey } from './plan/record-key.js';

/**
 * The current (mapped) rows of some keys, read from the sync's source as a run reads it.
 * The whole source is read and the wanted keys kept: no engine is asked for only those keys, which is simple and
 * correct for every source kind, at the cost of a full read (a retry concerns few rows, but its read does not).
 */
export async function readCurrentRows(options: {
  source: Source;
  key: string[];
  mapRow: (row: Row) => Row;
  keys: ReadonlySet<string>;
  signal?: AbortSignal;
}): Promise<Map<string, Row>> {
  const { source, key, mapRow, keys, signal } = options;
  const found = new Map<string, Row>();
  if (!keys.size || !key.length) return found;
  for await (const batch of source.read({ batchSize: 2000, signal })) {
    for (const raw of batch) {
      const row = mapRow(raw);
      const k = recordKey(row, key);
      if (k !== null && keys.has(k)) found.set(k, row);
    }
  }
  return found;
}
