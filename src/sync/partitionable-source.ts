import type { LoadedProject } from '../config/load-project.js';
import { findSync } from './open-sync-endpoints.js';

/**
 * Whether a sync reads an incremental stream (its connector's stream has `incremental:`). Such a sync's runs are never
 * split into partitions, not even its full reads: only a run in one piece moves the stream's cursor, so a split one
 * would read the whole stream every time.
 */
export function readsIncrementalStream(loaded: LoadedProject, sync: string): boolean {
  const { from } = findSync(loaded, sync);
  return from.stream !== undefined && Boolean(loaded.connectors[from.connection]?.spec.streams[from.stream]?.incremental);
}
