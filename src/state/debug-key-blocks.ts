import type { DebugOutcome } from '../api/debug.js';
import type { RecordedExchange } from './debug-store.js';

// Which exchanges carried which record keys, kept as one JSON text per write of exchanges (a "key block"), not as a
// row per key: a row per key is a B-tree insert at a random place per record, which cost a run more than sending it.
// A block is written at the end of the table (its id is its first exchange's, and ids sort by time), and a search
// for a key reads the blocks newest first and looks for the key's JSON text in each (see listKeyExchanges).
//
// A block is an array of groups, one per exchange and outcome: [exchange id, outcome, error, [key, key, ...]].

/** One group of a block: the keys an exchange carried with one outcome. */
type KeyGroup = [exchangeId: string, outcome: DebugOutcome, error: string | null, keys: string[]];

/** A block as stored: the ids of its first and last exchanges, its run, its text. */
export interface KeyBlock {
  id: string;
  lastId: string;
  runId: string;
  keys: string;
}

/** Where one record key went: the exchange and what it did for the key. */
export interface KeyPlace {
  exchangeId: string;
  outcome: DebugOutcome;
  error: string | null;
}

/** The blocks of a write of exchanges: one per run they belong to (a run's recorder writes its own only). */
export function keyBlocks(exchanges: RecordedExchange[]): KeyBlock[] {
  const byRun = new Map<string, RecordedExchange[]>();
  for (const e of exchanges) {
    const list = byRun.get(e.runId);
    if (list) list.push(e);
    else byRun.set(e.runId, [e]);
  }
  return [...byRun].map(([runId, list]) => {
    let id = list[0]!.id;
    let lastId = id;
    const groups: KeyGroup[] = [];
    for (const e of list) {
      if (e.id < id) id = e.id;
      if (e.id > lastId) lastId = e.id;
      // Most exchanges did one thing for all their keys: one group. A batch with mixed fates has a group per fate.
      const byFate = new Map<string, KeyGroup>();
      for (const k of e.keys) {
        const fate = k.error === null ? k.outcome : `${k.outcome}\u0000${k.error}`;
        const group = byFate.get(fate);
        if (group) group[3].push(k.key);
        else byFate.set(fate, [e.id, k.outcome, k.error, [k.key]]);
      }
      groups.push(...byFate.values());
    }
    return { id, lastId, runId, keys: JSON.stringify(groups) };
  });
}

/**
 * The text a block holding `key` contains: the key as a JSON string. A block whose text holds it may still not carry
 * the key (the text may sit inside another string after an escaped quote): placesOfKey tells.
 */
export function keyNeedle(key: string): string {
  return JSON.stringify(key);
}

/** The exchanges of a block that carried `key`. */
export function placesOfKey(blockText: string, key: string): KeyPlace[] {
  const places: KeyPlace[] = [];
  for (const [exchangeId, outcome, error, keys] of JSON.parse(blockText) as KeyGroup[]) {
    if (keys.includes(key)) places.push({ exchangeId, outcome, error });
  }
  return places;
}

/** A window of blocks as a store reads it, newest first: each one's id, and its text when it holds the needle. */
export interface BlockWindowRow {
  id: string;
  keys: string | null;
}

/** What listKeyExchanges needs of a store. */
export interface KeyBlockReader {
  /**
   * At most `size` of the sync's blocks with an id below `before` (of `runId` only, when given), newest first; the
   * text of those that hold `needle`, null for the others.
   */
  window(needle: string, options: { before: string; runId: string | null; size: number }): Promise<BlockWindowRow[]>;
}

/** How long a key search reads blocks at most, when its caller gives no budget. */
export const DEBUG_SEARCH_BUDGET_MS = 3000;
/** Blocks read per query: a few megabytes of text, so a long search leaves the event loop between windows. */
const WINDOW_BLOCKS = 500;
/** Above every exchange id (ids are base-36 digits and base64url). */
const AFTER_EVERY_ID = '~';

/**
 * The places of a key, newest first, at most `limit`. The search reads blocks newest first and stops when it has
 * `limit`, when none is left, or after `budgetMs` (then `searchedAll` is false: older exchanges may hold the key).
 */
export async function findKeyPlaces(
  reader: KeyBlockReader,
  key: string,
  options: { runId: string | null; limit: number; budgetMs: number },
): Promise<{ places: KeyPlace[]; searchedAll: boolean }> {
  const needle = keyNeedle(key);
  const deadline = Date.now() + options.budgetMs;
  const places: KeyPlace[] = [];
  let before = AFTER_EVERY_ID;
  for (;;) {
    const window = await reader.window(needle, { before, runId: options.runId, size: WINDOW_BLOCKS });
    for (const row of window) if (row.keys !== null) places.push(...placesOfKey(row.keys, key));
    if (window.length < WINDOW_BLOCKS) return { places: newestFirst(places, options.limit), searchedAll: true };
    // Blocks of a run written by several processes overlap in time: the window's last block may hold places newer
    // than the next window's, so the limit is cut once the search ends, after sorting.
    if (places.length >= options.limit) return { places: newestFirst(places, options.limit), searchedAll: true };
    if (Date.now() >= deadline) return { places: newestFirst(places, options.limit), searchedAll: false };
    before = window[window.length - 1]!.id;
  }
}

function newestFirst(places: KeyPlace[], limit: number): KeyPlace[] {
  return places.sort((a, b) => (a.exchangeId < b.exchangeId ? 1 : a.exchangeId > b.exchangeId ? -1 : 0)).slice(0, limit);
}
