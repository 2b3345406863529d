import type { DebugExchange, DebugOutcome } from '../api/debug.js';
import type { RecordedExchange } from './debug-store.js';

// The debugger keeps a run's exchanges a page at a time: each write of exchanges (a recorder's flush: up to a few
// hundred requests, or a second's worth) is one row holding them all as JSON, with the record keys each carried in a
// column of their own. A row per exchange, and worse a row per key (a B-tree insert at a random place per record),
// cost a run more than sending its requests. Pages are written at the end of the table (a page's id is its first
// exchange's, and ids sort by time); a search for a key reads the pages' key texts newest first and looks for the
// key's JSON text in each (findKeyPlaces), then reads the exchanges of the pages that hold it.
//
// A page's keys are an array of groups, one per exchange and outcome: [exchange id, outcome, error, [key, key, ...]];
// its exchanges an array of the exchanges without their keys, each an array of EXCHANGE_FIELDS (no field names
// repeated in every request kept), `records` telling how many keys it carried; the page's run is the page's.

/** One group of a page's keys: the keys an exchange carried with one outcome. */
type KeyGroup = [exchangeId: string, outcome: DebugOutcome, error: string | null, keys: string[]];

/** An exchange as a page keeps it: what every key it carried shares, its fields in the order of EXCHANGE_FIELDS. */
const EXCHANGE_FIELDS = [
  'id', 'at', 'attempt', 'endpoint', 'operation', 'records', 'method', 'url', 'requestHeaders', 'requestBody', 'auth', 'status',
  'responseHeaders', 'responseBody', 'durationMs',
] as const;
type KeptExchange = Omit<DebugExchange, 'outcome' | 'error' | 'runId'> & { id: string };

/** A page as stored: the ids of its first and last exchanges, its run, its keys' text, its exchanges' text. */
export interface DebugPage {
  id: string;
  lastId: string;
  runId: string;
  keys: string;
  exchanges: string;
}

/** Where one record key went: the page, the exchange and what it did for the key. */
export interface KeyPlace {
  pageId: string;
  exchangeId: string;
  outcome: DebugOutcome;
  error: string | null;
}

/** The pages of a write of exchanges: one per run they belong to (a run's recorder writes its own only). */
export function debugPages(exchanges: RecordedExchange[]): DebugPage[] {
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
    const kept: unknown[][] = [];
    for (const e of list) {
      if (e.id < id) id = e.id;
      if (e.id > lastId) lastId = e.id;
      const { keys } = e;
      // (In EXCHANGE_FIELDS' order.)
      kept.push([
        e.id, e.at, e.attempt, e.endpoint, e.operation, keys.length, e.method, e.url, e.requestHeaders, e.requestBody, e.auth, e.status,
        e.responseHeaders, e.responseBody, e.durationMs,
      ]);
      // Most exchanges did one thing for all their keys: one group. A batch with mixed fates has a group per fate.
      const byFate = new Map<string, KeyGroup>();
      for (const k of keys) {
        const fate = k.error === null ? k.outcome : `${k.outcome}\u0000${k.error}`;
        const group = byFate.get(fate);
        if (group) group[3].push(k.key);
        else byFate.set(fate, [e.id, k.outcome, k.error, [k.key]]);
      }
      groups.push(...byFate.values());
    }
    return { id, lastId, runId, keys: JSON.stringify(groups), exchanges: JSON.stringify(kept) };
  });
}

/**
 * The text a page's keys hold when they hold `key`: the key as a JSON string. A page whose text holds it may still not
 * have carried the key (the text may sit inside another string after an escaped quote): placesOfKey tells.
 */
export function keyNeedle(key: string): string {
  return JSON.stringify(key);
}

/** The exchanges of a page that carried `key`. */
export function placesOfKey(pageId: string, keysText: string, key: string): KeyPlace[] {
  const places: KeyPlace[] = [];
  for (const [exchangeId, outcome, error, keys] of JSON.parse(keysText) as KeyGroup[]) {
    if (keys.includes(key)) places.push({ pageId, exchangeId, outcome, error });
  }
  return places;
}

/** The exchanges at `places` (newest first) as the DebugExchanges of their key, from their pages' runs and texts. */
export function exchangesAt(places: KeyPlace[], pages: Map<string, { runId: string; exchanges: string }>): DebugExchange[] {
  const byId = new Map<string, { runId: string; fields: unknown[] }>();
  for (const page of pages.values()) for (const fields of JSON.parse(page.exchanges) as unknown[][]) byId.set(fields[0] as string, { runId: page.runId, fields });
  return places.flatMap((p) => {
    const kept = byId.get(p.exchangeId);
    if (!kept) return [];
    const exchange = Object.fromEntries(EXCHANGE_FIELDS.map((f, i) => [f, kept.fields[i] ?? null])) as unknown as KeptExchange;
    const { id: _id, ...rest } = exchange;
    return [{ ...rest, runId: kept.runId, outcome: p.outcome, error: p.error }];
  });
}

/** A window of pages as a store reads it, newest first: each one's id, and its keys' text when it holds the needle. */
export interface PageWindowRow {
  id: string;
  keys: string | null;
}

/** What findKeyPlaces needs of a store. */
export interface DebugPageReader {
  /**
   * At most `size` of the sync's pages with an id below `before` (of `runId` only, when given), newest first; the
   * keys' text of those that hold `needle`, null for the others.
   */
  window(needle: string, options: { before: string; runId: string | null; size: number }): Promise<PageWindowRow[]>;
}

/** How long a key search reads pages at most, when its caller gives no budget. */
export const DEBUG_SEARCH_BUDGET_MS = 3000;
/** Pages read per query: a few megabytes of keys, so a long search leaves the event loop between windows. */
const WINDOW_PAGES = 500;
/** Above every exchange id (ids are base-36 digits and base64url). */
const AFTER_EVERY_ID = '~';

/**
 * The places of a key, newest first, at most `limit`. The search reads pages newest first and stops when it has
 * `limit`, when none is left, or after `budgetMs` (then `searchedAll` is false: older exchanges may hold the key).
 */
export async function findKeyPlaces(
  reader: DebugPageReader,
  key: string,
  options: { runId: string | null; limit: number; budgetMs: number },
): Promise<{ places: KeyPlace[]; searchedAll: boolean }> {
  const needle = keyNeedle(key);
  const deadline = Date.now() + options.budgetMs;
  const places: KeyPlace[] = [];
  let before = AFTER_EVERY_ID;
  for (;;) {
    const window = await reader.window(needle, { before, runId: options.runId, size: WINDOW_PAGES });
    for (const row of window) if (row.keys !== null) places.push(...placesOfKey(row.id, row.keys, key));
    // Pages of a run written by several processes overlap in time: the window's last page may hold places newer than
    // the next window's, so the limit is cut once the search ends, after sorting.
    if (window.length < WINDOW_PAGES || places.length >= options.limit) return { places: newestFirst(places, options.limit), searchedAll: true };
    if (Date.now() >= deadline) return { places: newestFirst(places, options.limit), searchedAll: false };
    before = window[window.length - 1]!.id;
  }
}

function newestFirst(places: KeyPlace[], limit: number): KeyPlace[] {
  return places.sort((a, b) => (a.exchangeId < b.exchangeId ? 1 : a.exchangeId > b.exchangeId ? -1 : 0)).slice(0, limit);
}
