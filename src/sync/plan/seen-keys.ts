/** Maps held per key set: one JavaScript Map holds at most 2^24 entries (16.7M), and a sync may read more keys. */
export const SHARDS = 64;

/**
 * The keys a streamed plan has read, each with the number of the row it was read in (for the message naming a key
 * read twice, and for mirror's removals). Spread over several Maps: a single Map stops at 16,777,216 entries ("Map
 * maximum size exceeded"), which a large first run would reach mid-read. A key that is an integer written the
 * canonical way (an `id` column, the usual key) is kept as that number: a Map of numbers looks up several times
 * faster than one of strings and keeps no string per key.
 */
export class SeenKeys {
  readonly #numbers: Map<number, number>[] = Array.from({ length: SHARDS }, () => new Map());
  readonly #strings: Map<string, number>[] = Array.from({ length: SHARDS }, () => new Map());

  /** The row number the key was first read in, if it was. */
  get(key: string): number | undefined {
    const n = integerKey(key);
    return n === null ? this.#strings[shardOf(key)]!.get(key) : this.#numbers[numberShard(n)]!.get(n);
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  set(key: string, row: number): void {
    const n = integerKey(key);
    if (n === null) this.#strings[shardOf(key)]!.set(key, row);
    else this.#numbers[numberShard(n)]!.set(n, row);
  }

  /** Keeps the key with this row number unless it was read before; returns the earlier row number if it was. */
  firstRead(key: string, row: number): number | undefined {
    const n = integerKey(key);
    if (n === null) {
      const shard = this.#strings[shardOf(key)]!;
      const first = shard.get(key);
      if (first === undefined) shard.set(key, row);
      return first;
    }
    const shard = this.#numbers[numberShard(n)]!;
    const first = shard.get(n);
    if (first === undefined) shard.set(n, row);
    return first;
  }

  get size(): number {
    let n = 0;
    for (const shard of this.#numbers) n += shard.size;
    for (const shard of this.#strings) n += shard.size;
    return n;
  }
}

/**
 * The key as a number when String(number) gives it back exactly (digits, no leading zero or plus, an optional minus,
 * at most 15 digits: a safe integer), else null; "007", "1e3" and "1.0" stay strings, distinct from "7", "1000", "1".
 */
export function integerKey(key: string): number | null {
  const n = key.length;
  if (n === 0 || n > 16) return null;
  const negative = key.charCodeAt(0) === 45; /* - */
  let i = negative ? 1 : 0;
  if (i === n || n - i > 15) return null;
  if (key.charCodeAt(i) === 48 /* 0 */) return n === 1 ? 0 : null;
  // Summed digit by digit, not Number(key): small values stay small integers, which a Map hashes fastest.
  let value = 0;
  for (; i < n; i++) {
    const digit = key.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return null;
    value = value * 10 + digit;
  }
  return negative ? -value : value;
}

function numberShard(n: number): number {
  return (n < 0 ? -n : n) % SHARDS;
}

/** The map a key goes to: FNV-1a over its first and last 32 characters (where keys differ), cheap and spread enough. */
export function shardOf(key: string): number {
  let h = 0x811c9dc5;
  const n = key.length;
  for (let i = 0; i < n; i = i === 31 && n > 64 ? n - 32 : i + 1) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return (h >>> 0) % SHARDS;
}
