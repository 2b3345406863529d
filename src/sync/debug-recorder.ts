import { DEBUG_BODY_LIMIT_BYTES, type DebugOutcome } from '../api/debug.js';
import { maskHeaderValue, isSecretHeader, maskUrl } from '../connectors/mask-request.js';
import type { HttpConnection } from '../connectors/open-http-connection.js';
import { bodyText } from '../connectors/request-body.js';
import type { SentExchange } from '../destinations/http-destination.js';
import type { Redactor } from '../log/redactor.js';
import type { DeliveryResult } from '../rows/delivery-item.js';
import { exchangeIdBefore, newExchangeIds } from '../state/exchange-id.js';
import type { ExchangeKey, RecordedExchange, StateStore } from '../state/state-store.js';

/** A sync's `debug.retention_days` when it gives none. */
export const DEFAULT_RETENTION_DAYS = 7;

const DAY_MS = 86_400_000;
/** Pages of exchanges forgotten per pruning transaction: short transactions leave the state free for the run's own writes. */
const PRUNE_CHUNK = 50;
/** How long a run start may spend pruning: a backlog left over is pruned by the next runs. */
const PRUNE_BUDGET_MS = 2000;
/**
 * Kept exchanges are written once this many record keys wait, or FLUSH_EVERY_MS after the last write: few enough that
 * what waits dies young (held longer, a million kept texts would be copied into the old generation by the GC).
 */
const FLUSH_KEYS = 500;
const FLUSH_EVERY_MS = 1000;
/** Past this many waiting keys, a capture waits for the write under way: memory stays bounded when the state is slow. */
const MAX_WAITING_KEYS = 50_000;

/** What openDebugRecorder needs: where and for which run exchanges are kept, how long, and the connection they go through. */
export interface DebugRecorderOptions {
  store: StateStore;
  sync: string;
  runId: string;
  /** The sync's `debug.retention_days`: 0 keeps nothing (and forgets what was kept). */
  retentionDays: number;
  connection: Pick<HttpConnection, 'redactor' | 'spec' | 'auth'>;
  now?: () => number;
}

/**
 * Prunes the sync's exchanges older than its retention (bounded work per run), then returns the recorder of this run's
 * exchanges, or null when the sync keeps none (`retention_days: 0`).
 */
export async function openDebugRecorder(options: DebugRecorderOptions): Promise<DebugRecorder | null> {
  const now = options.now ?? Date.now;
  await pruneExchanges(options.store, options.sync, new Date(now() - options.retentionDays * DAY_MS));
  return options.retentionDays > 0 ? new DebugRecorder(options) : null;
}

/** Forgets a sync's exchanges made before `before`, a chunk at a time, for at most PRUNE_BUDGET_MS. */
async function pruneExchanges(store: StateStore, sync: string, before: Date): Promise<void> {
  const until = Date.now() + PRUNE_BUDGET_MS;
  const cutoff = exchangeIdBefore(before);
  while ((await store.pruneExchanges(sync, { before: cutoff, limit: PRUNE_CHUNK })) === PRUNE_CHUNK && Date.now() < until);
}

/**
 * Keeps every HTTP exchange of a run for the debugger: the request as rendered and the answer, masked as rejected rows
 * are (the redactor's secrets in any encoding, credential headers and query parameters by name), bodies cut at
 * DEBUG_BODY_LIMIT_BYTES, a page per write (see state/debug-pages.ts), an exchange kept once for all the keys it carried. Captures are buffered and written in
 * the background (SQLite: on its write thread, beside the ledger's writes), so the run's sending does not wait on
 * them; close() writes the rest. A write that fails loses debug records, never a delivery: the run goes on.
 */
export class DebugRecorder {
  readonly #store: StateStore;
  readonly #sync: string;
  readonly #runId: string;
  readonly #redactor: Redactor;
  /** Query parameters that carry an api_key credential by the connector's auth kinds. */
  readonly #secretParams: ReadonlySet<string>;
  readonly #auth: string | null;
  readonly #now: () => number;
  readonly #nextId: () => string;
  #waiting: RecordedExchange[] = [];
  #waitingKeys = 0;
  #writing: Promise<void> | null = null;
  #writtenAt: number;
  /** The time of the last exchange kept, as a number and as text (many share a millisecond). */
  #atMs = -1;
  #at = '';
  /** The first write that failed; later ones are not attempted. */
  #failed: unknown = null;

  constructor(options: DebugRecorderOptions) {
    this.#store = options.store;
    this.#sync = options.sync;
    this.#runId = options.runId;
    this.#redactor = options.connection.redactor;
    this.#secretParams = new Set(options.connection.spec.auth.flatMap((a) => (a.type === 'api_key' && a.in === 'query' ? [a.name] : [])));
    const kind = options.connection.auth.kind ?? null;
    this.#auth = kind === 'none' ? null : kind;
    this.#now = options.now ?? Date.now;
    this.#nextId = newExchangeIds(this.#now);
    this.#writtenAt = this.#now();
  }

  /** Why the run's exchanges could not all be kept; null when they were. */
  get failure(): string | null {
    return this.#failed === null ? null : this.#redactor.mask(this.#failed instanceof Error ? this.#failed.message : String(this.#failed));
  }

  /**
   * Keeps one exchange (HttpDestinationOptions.onExchange). Returns a promise only when the caller must wait (too much
   * waits for a slow state): a run's every request does not pay for one.
   */
  capture = (sent: SentExchange): Promise<void> | undefined => {
    if (this.#failed !== null) return undefined;
    const exchange = this.#record(sent);
    this.#waiting.push(exchange);
    this.#waitingKeys += exchange.keys.length;
    if (this.#writing === null && (this.#waitingKeys >= FLUSH_KEYS || this.#now() - this.#writtenAt >= FLUSH_EVERY_MS)) this.#write();
    else if (this.#writing !== null && this.#waitingKeys >= MAX_WAITING_KEYS) return this.#writing;
    return undefined;
  };

  /** Writes what waits, and waits for it; says on stderr when exchanges could not be kept. */
  async close(): Promise<void> {
    while (this.#writing !== null || (this.#waiting.length > 0 && this.#failed === null)) {
      if (this.#writing === null) this.#write();
      await this.#writing;
    }
    if (this.failure !== null) process.stderr.write(`warning: sync ${this.#sync}: the debugger could not keep this run's requests: ${this.failure}\n`);
  }

  /** Starts writing what waits; when done, starts again if enough waits (captures arriving meanwhile). */
  #write(): void {
    const batch = this.#waiting;
    this.#waiting = [];
    this.#waitingKeys = 0;
    this.#writtenAt = this.#now();
    this.#writing = this.#store
      .putExchanges(this.#sync, batch)
      .catch((e: unknown) => {
        this.#failed ??= e;
        this.#waiting = [];
      })
      .finally(() => {
        this.#writing = null;
        if (this.#failed === null && this.#waitingKeys >= FLUSH_KEYS) this.#write();
      });
  }

  #record(sent: SentExchange): RecordedExchange {
    const { request, outcome } = sent;
    const response = outcome.response;
    const now = this.#now();
    if (now !== this.#atMs) this.#at = new Date((this.#atMs = now)).toISOString();
    return {
      id: this.#nextId(),
      runId: this.#runId,
      at: this.#at,
      attempt: outcome.attempts,
      endpoint: sent.endpoint,
      operation: sent.operation,
      method: request.method.toUpperCase(),
      url: this.#redactor.mask(maskUrl(request.url, this.#secretParams)),
      requestHeaders: this.#headers(request.headers),
      requestBody: this.#kept(bodyText(request.body)),
      auth: this.#auth,
      status: response?.status ?? null,
      responseHeaders: response ? this.#headers(response.headers) : {},
      responseBody: response ? this.#kept(response.text) : null,
      durationMs: response ? Math.round(response.durationMs) : null,
      keys: this.#keys(sent),
    };
  }

  /** What the exchange did for each record it carried. */
  #keys(sent: SentExchange): ExchangeKey[] {
    const { items, results } = sent;
    if (results instanceof Error) {
      const error = this.#redactor.mask(results.message);
      return items.map((item) => ({ key: item.key, outcome: 'failed', error }));
    }
    const keys = new Array<ExchangeKey>(items.length);
    for (let i = 0; i < items.length; i++) {
      const result = results[i];
      if (sent.operation === 'lookup') {
        keys[i] = { key: items[i]!.key, outcome: typeof result === 'string' ? 'found' : 'not_found', error: null };
        continue;
      }
      const r = result as DeliveryResult | undefined;
      const outcome: DebugOutcome = !r ? 'failed' : r.ok ? 'delivered' : r.batchRefused ? 'refused' : r.unavailable ? 'unavailable' : 'rejected';
      const error = r?.error ? this.#redactor.mask(r.error) : r ? null : 'the destination returned no result for this record';
      keys[i] = { key: items[i]!.key, outcome, error };
    }
    return keys;
  }

  /** Headers with credential headers masked by name, and every known secret masked in the rest. */
  #headers(headers: Record<string, string>): Record<string, string> {
    const kept: Record<string, string> = {};
    for (const name in headers) {
      const value = headers[name]!;
      kept[name] = isSecretHeader(name) ? maskHeaderValue(value) : this.#redactor.mask(value);
    }
    return kept;
  }

  /** A body as kept: secrets masked first (a cut never leaves part of one), then cut at DEBUG_BODY_LIMIT_BYTES. */
  #kept(text: string | null): string | null {
    if (text === null) return null;
    let kept = this.#redactor.mask(text);
    // PostgreSQL text holds no NUL; a body that has one (binary) is kept readable, not refused.
    if (kept.includes('\u0000')) kept = kept.replaceAll('\u0000', '\uFFFD');
    return cutBody(kept);
  }
}

/** The body cut to DEBUG_BODY_LIMIT_BYTES of UTF-8, with a last line saying so and how long it was. */
export function cutBody(text: string): string {
  // (A UTF-16 unit is at most 3 UTF-8 bytes: most bodies are known short without counting.)
  if (text.length * 3 <= DEBUG_BODY_LIMIT_BYTES) return text;
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= DEBUG_BODY_LIMIT_BYTES) return text;
  // A character split by the cut decodes as U+FFFD: dropped.
  const head = bytes.subarray(0, DEBUG_BODY_LIMIT_BYTES).toString('utf8').replace(/\uFFFD$/, '');
  return `${head}\n[cut by Sluice: ${DEBUG_BODY_LIMIT_BYTES} of ${bytes.length} bytes kept]`;
}
