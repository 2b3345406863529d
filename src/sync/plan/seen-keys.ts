/** Maps held per key set: one JavaScript Map holds at most 2^24 entries (16.7M), and a sync may read more keys. */
export const SHARDS = 64;

/** Row numbers a page of integer keys holds: keys n with the same n >>> PAGE_BITS share a page. */
const PAGE_BITS = 16;
const PAGE_SIZE = 1 << PAGE_BITS;
/** Pages made whatever the keys (4 MiB): below that, a page costs less than the Map entries it saves. */
const FREE_PAGES = 16;
/** Keys a page must hold on average beyond FREE_PAGES: sparse ids (random in a wide range) stay in Maps. */
const KEYS_PER_PAGE = 4096;

/**
 * The keys a streamed plan has read, each with the number of the row it was read in (for the message naming a key
 * read twice, and for mirror's removals).
 *
 * A key that is a non-negative integer written the canonical way (an `id` column, the usual key) goes to a page of
 * row numbers indexed by the key: a first run of ids 1..N then costs one array write a row, and 4 bytes a key. Pages
 * are made while the keys are dense enough (KEYS_PER_PAGE); other keys go to Maps, integers as numbers (a Map of
 * numbers looks up several times faster than one of strings and keeps no string per key). Each kind is spread over
 * several Maps: a single Map stops at 16,777,216 entries ("Map maximum size exceeded"), which a large first run would
 * reach mid-read.
 */
export class SeenKeys {
  /** Row number + 1 by key, a page per 2^16 keys (0: not read). */
  readonly #pages: (Int32Array | undefined)[] = [];
  #pageCount = 0;
  #pagedKeys = 0;
  readonly #numbers: Map<number, number>[] = Array.from({ length: SHARDS }, () => new Map());
  #numberCount = 0;
  readonly #strings: Map<string, number>[] = Array.from({ length: SHARDS }, () => new Map());

  /** The row number the key was first read in, if it was. */
  get(key: string): number | undefined {
    const n = integerKey(key);
    if (n === null) return this.#strings[shardOf(key)]!.get(key);
    return this.#getNumber(n);
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  set(key: string, row: number): void {
    const n = integerKey(key);
    if (n === null) this.#strings[shardOf(key)]!.set(key, row);
    else this.#setNumber(n, row);
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
    const first = this.#getNumber(n);
    if (first === undefined) this.#setNumber(n, row);
    return first;
  }

  get size(): number {
    let n = this.#pagedKeys + this.#numberCount;
    for (const shard of this.#strings) n += shard.size;
    return n;
  }

  #getNumber(n: number): number | undefined {
    const page = paged(n) ? this.#pages[n >>> PAGE_BITS] : undefined;
    if (page !== undefined) {
      const slot = page[n & (PAGE_SIZE - 1)]!;
      if (slot !== 0) return slot - 1;
    }
    // (A key kept before its page was made is in a Map.)
    return this.#numberCount === 0 ? undefined : this.#numbers[numberShard(n)]!.get(n);
  }

  #setNumber(n: number, row: number): void {
    const shard = this.#numbers[numberShard(n)]!;
    // A key already in a Map stays there.
    const inMap = this.#numberCount > 0 && shard.has(n);
    if (!inMap && paged(n) && row < 0x7fffffff) {
      const index = n >>> PAGE_BITS;
      let page = this.#pages[index];
      if (page === undefined && this.#pageCount < FREE_PAGES + this.#pagedKeys / KEYS_PER_PAGE) {
        page = this.#pages[index] = new Int32Array(PAGE_SIZE);
        this.#pageCount++;
      }
      if (page !== undefined) {
        const slot = n & (PAGE_SIZE - 1);
        if (page[slot] === 0) this.#pagedKeys++;
        page[slot] = row + 1;
        return;
      }
    }
    if (!inMap) this.#numberCount++;
    shard.set(n, row);
  }
}

/** Whether a number key can live in a page: 0 to 2^31 - 1. */
function paged(n: number): boolean {
  return n >= 0 && n <= 0x7fffffff;
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
