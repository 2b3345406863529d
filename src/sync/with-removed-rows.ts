import { keyRow } from './plan/key-row.js';

/** Removed records have no source row left: give them their key columns so delete templates and SQL can address them. */
export async function* withRemovedRows<T extends { change: string; key: string; row: Record<string, unknown> }>(
  items: AsyncIterable<T[]>,
  key: string[],
): AsyncIterable<T[]> {
  for await (const batch of items) {
    for (const item of batch) if (item.change === 'removed') item.row = keyRow(item.key, key);
    yield batch;
  }
}
