/** Maps held per key set: one JavaScript Map holds at most 2^24 entries (16.7M), and a sync may read more keys. */
export const SHARDS = 64;

/**
 * The keys a streamed plan has read, each with the number of the row it was read in (for the message naming a key
 * read twice, and for mirror's removals). Spread over several Maps by a hash of the key: a single Map stops at
 * 16,777,216 entries ("Map maximum size exceeded"), which a large first run would reach mid-read.
 */
export class SeenKeys {
  readonly #shards: Map<string, number>[] = Array.from({ length: SHARDS }, () => new Map());

  /** The row number the key was first read in, if it was. */
  get(key: string): number | undefined {
    return this.#shards[shardOf(key)]!.get(key);
  }

  has(key: string): boolean {
    return this.#shards[shardOf(key)]!.has(key);
  }

  set(key: string, row: number): void {
    this.#shards[shardOf(key)]!.set(key, row);
  }

  get size(): number {
    let n = 0;
    for (const shard of this.#shards) n += shard.size;
    return n;
  }
}

/** The map a key goes to: FNV-1a over its first and last 32 characters (where keys differ), cheap and spread enough. */
export function shardOf(key: string): number {
  let h = 0x811c9dc5;
  const n = key.length;
  for (let i = 0; i < n; i = i === 31 && n > 64 ? n - 32 : i + 1) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return (h >>> 0) % SHARDS;
}
