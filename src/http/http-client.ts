import { Agent } from 'undici';
import type { Dispatcher } from 'undici';
import type { RateLimit, RetryPolicy } from './request-policy.js';
import { Redactor } from '../log/redactor.js';
import { apiMessage } from './api-message.js';
import type { Auth } from './auth.js';
import { backoffDelay } from './backoff.js';
import { DeadlineSweep } from './deadline-sweep.js';
import type { Classification } from './classification.js';
import { ConcurrencyLimiter } from './concurrency-limiter.js';
import { describeNetworkError, type NetworkFailure } from './describe-network-error.js';
import { dispatchRequest, type ReceivedResponse } from './dispatch-request.js';
import { guardedConnector } from './guarded-connector.js';
import type { HttpRequest } from './http-request.js';
import type { HttpResponse } from './http-response.js';
import { isJsonContentType } from './json-content-type.js';
import type { NetworkPolicy } from './network-policy.js';
import { PauseGate } from './pause-gate.js';
import { retryAfterMs } from './retry-after.js';
import { sleep as defaultSleep } from './sleep.js';
import { statusLine } from './status-line.js';
import type { ConcurrencySlots, RateGate, SharedPause } from './request-quotas.js';
import { TokenBucket } from './token-bucket.js';

/** The result of `send`: delivered, or the row is rejected, or the run must fail. `send` never throws. */
export type SendOutcome =
  | { ok: true; response: HttpResponse; attempts: number }
  | {
      ok: false;
      action: 'reject' | 'fail';
      error: string;
      response?: HttpResponse;
      attempts: number;
      /**
       * The API was unavailable, not refusing this request: retries ran out on network errors, timeouts, 408, 429
       * or 5xx (or a rate limit asked for a longer wait than Sluice takes). The engine's circuit breaker counts these.
       */
      unavailable?: true;
    };

/** Per-request options of `send`. */
export interface SendOptions {
  /** Classifies each response (usually `classifyResponse` with the connector's rules). */
  classify: (response: HttpResponse) => Classification | Promise<Classification>;
  /** Applied on every attempt, so a retry after a refresh carries the new token. */
  auth?: Auth;
  signal?: AbortSignal;
}

/** Options of an HttpClient: the connector's limits plus injectable clock and sleep. */
export interface HttpClientOptions {
  rateLimit: RateLimit;
  retry: RetryPolicy;
  /** `total_ms` (default 5 minutes) bounds each attempt as a whole; the others are undici's idle timeouts. */
  timeouts: { connect_ms: number; read_ms: number; total_ms?: number };
  /**
   * The connection's origin (or its base URL): a credential goes only to this scheme, host and port, and to the
   * origin of the auth's own `baseUrl()` (a token's instance_url). Without either no credential is sent at all.
   */
  allowedOrigin?: string;
  /**
   * Spaces the requests instead of this client's own bucket, when `requests_per_second` is shared with other
   * processes (RequestQuotas); default: a TokenBucket of `rateLimit.requests_per_second`.
   */
  rateGate?: RateGate;
  /**
   * The connection's `concurrency` shared with other processes (RequestQuotas): a request holds one of these slots
   * as well as one of this client's own, so no process exceeds its limit and all of them together stay within it.
   * When they pace the rate too, the client keeps no bucket of its own.
   */
  concurrencySlots?: ConcurrencySlots;
  /** A rate-limit pause shared with other processes (RequestQuotas): a 429 here pauses them, theirs pause this client. */
  sharedPause?: SharedPause;
  /** Where connections may go (server mode refuses private addresses); default: anywhere. */
  networkPolicy?: NetworkPolicy;
  /** Masks secrets in every error; the auth's secrets are added to it as they are seen. */
  redactor?: Redactor;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Jitter source for backoff (default Math.random). */
  random?: () => number;
  /** The longest wait a rate-limit header is obeyed for; past it the run fails (default 15 minutes). */
  maxRateLimitWaitMs?: number;
  /** Largest response body read (default 50 MB). */
  maxBodyBytes?: number;
}

const DEFAULT_MAX_BODY_BYTES = 50 * 1024 * 1024;
/** The longest rate-limit wait obeyed unless the client is told otherwise; a shared pause is capped by it too. */
export const DEFAULT_MAX_RATE_LIMIT_WAIT_MS = 15 * 60_000;
const DEFAULT_TOTAL_MS = 300_000;
const MAX_CACHED_ORIGINS = 256;

/** An attempt's response with the request as sent (its credential applied), or why none came. */
type AttemptResult = { response: HttpResponse; sent: HttpRequest } | { failure: NetworkFailure };

/** Where a request goes, as undici takes it (the origin is also what the credential check compares), plus its host for messages. */
interface Target {
  origin: string;
  path: string;
  host: string;
  hostname: string;
}

/** An origin as the URL parser normalises it (lower-case host, default port dropped). */
type OriginParts = Omit<Target, 'path'>;

// Paths made only of characters the URL parser keeps as they are, with no dot segment it would resolve: such a
// path goes to undici as written, so the common request skips a full URL parse.
const plainPath = /^[/?][\w\-~!$&()*+,;=:@/?%.]*$/;
const dotSegment = /\/\.|%2e/i;

/**
 * Sends requests over keep-alive connection pools (one per origin, as many connections as the concurrency),
 * within the connector's concurrency and requests-per-second limits, retrying with backoff and obeying the
 * API's rate-limit headers for every request of this client at once.
 */
export class HttpClient {
  private readonly agent: Agent;
  private readonly limiter: ConcurrencyLimiter;
  private readonly rateGate: RateGate | undefined;
  private readonly gate: PauseGate;
  private readonly redactor: Redactor;
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly maxBodyBytes: number;
  private readonly origins = new Map<string, OriginParts>();
  private readonly deadlines: DeadlineSweep;
  private readonly allowedOrigin: string | undefined;
  /** The auth's base URL last seen and its origin: it changes only when a token is renewed. */
  private authBase: { url: string; origin: string | undefined } | undefined;

  constructor(private readonly options: HttpClientOptions) {
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? defaultSleep;
    this.redactor = options.redactor ?? new Redactor();
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.limiter = new ConcurrencyLimiter(options.rateLimit.concurrency);
    this.gate = new PauseGate(this.now, this.sleep);
    const rps = options.rateLimit.requests_per_second;
    const paced = rps && !options.concurrencySlots?.pacesRate;
    this.rateGate = options.rateGate ?? (paced ? new TokenBucket({ ratePerSecond: rps, now: this.now, sleep: this.sleep }) : undefined);
    this.deadlines = new DeadlineSweep(options.timeouts.total_ms ?? DEFAULT_TOTAL_MS);
    this.allowedOrigin = options.allowedOrigin === undefined ? undefined : originOf(options.allowedOrigin);
    const connect = { timeout: options.timeouts.connect_ms };
    this.agent = new Agent({
      connections: options.rateLimit.concurrency,
      connect: options.networkPolicy?.denyPrivateAddresses ? guardedConnector(options.networkPolicy, connect) : connect,
      headersTimeout: options.timeouts.read_ms,
      bodyTimeout: options.timeouts.read_ms,
    });
  }

  /** Sends one request until it succeeds, is rejected, or must fail the run; never throws. */
  async send(request: HttpRequest, options: SendOptions): Promise<SendOutcome> {
    const { auth, signal } = options;
    let attempts = 0;
    try {
      const refusal = this.refuseForeignOrigin(request, auth);
      if (refusal) return this.failed('reject', refusal, attempts, auth);
      const { max_attempts } = this.options.retry;
      let refreshed = false;
      for (;;) {
        const result = await this.attempt(request, auth, signal);
        attempts++;
        if ('failure' in result) {
          const { failure } = result;
          if (!failure.retryable) return this.failed(failure.action, failure.message, attempts, auth);
          if (attempts >= max_attempts) return unavailable(this.failed('reject', `${failure.message} after ${plural(attempts)}`, attempts, auth));
          await this.sleep(this.backoff(attempts), signal);
          continue;
        }
        const { response } = result;
        let classification: Classification;
        try {
          const classified = options.classify(response);
          // Classifiers are synchronous in practice: awaiting a plain value would still cost a turn per request.
          classification = classified instanceof Promise ? await classified : classified;
        } catch (error) {
          return this.failed('fail', `could not classify the ${statusLine(response.status)} response: ${messageOf(error)}`, attempts, auth, response);
        }
        if (classification.action === 'success') return { ok: true, response, attempts };
        const message = classification.message?.trim() || apiMessage(response);
        const status = statusLine(response.status);
        switch (classification.action) {
          case 'reject':
          case 'fail':
            return this.failed(classification.action, withMessage(status, message), attempts, auth, response);
          case 'refresh_auth': {
            if (refreshed) {
              return this.failed('fail', withMessage(`${status}: the API refused the credential even after renewing it`, message), attempts, auth, response);
            }
            // The refused request tells the auth which credential was refused (one of several keys, or a token a
            // concurrent refresh already replaced).
            const renewed = auth ? await auth.refresh(result.sent) : false;
            if (!renewed) {
              const why = auth ? 'and it cannot be renewed: check it' : 'and none is configured';
              return this.failed('fail', withMessage(`${status}: the API refused the credential ${why}`, message), attempts, auth, response);
            }
            refreshed = true;
            continue;
          }
          case 'retry':
          case 'rate_limited': {
            if (attempts >= max_attempts) return unavailable(this.failed('reject', withMessage(`${status} after ${plural(attempts)}`, message), attempts, auth, response));
            // A Retry-After on a 503 is honoured too, but only a rate limit pauses the other requests.
            const hinted = retryAfterMs(response.headers, this.now());
            const maxWait = this.options.maxRateLimitWaitMs ?? DEFAULT_MAX_RATE_LIMIT_WAIT_MS;
            if (hinted !== undefined && hinted > maxWait) {
              const asked = `${status}: the API asks to wait ${seconds(hinted)} before the next request, longer than the ${seconds(maxWait)} Sluice waits`;
              return unavailable(this.failed('fail', withMessage(asked, message), attempts, auth, response));
            }
            const wait = hinted ?? this.backoff(attempts);
            // A rate limit is the API's, not this row's: everyone waits, or the others would only burn their attempts.
            if (classification.action === 'rate_limited') {
              this.gate.pause(wait);
              this.options.sharedPause?.pause(wait);
            }
            await this.sleep(wait, signal);
            continue;
          }
        }
      }
    } catch (error) {
      if (signal?.aborted) return this.failed('fail', 'the request was cancelled', attempts, auth);
      return this.failed('fail', messageOf(error), attempts, auth);
    }
  }

  /** Closes the connection pools once in-flight requests finish. */
  async close(): Promise<void> {
    await this.agent.close();
    this.deadlines.close();
  }

  private failed(action: 'reject' | 'fail', error: string, attempts: number, auth: Auth | undefined, response?: HttpResponse): SendOutcome {
    const masked = this.mask(error, auth);
    return response ? { ok: false, action, error: masked, response, attempts } : { ok: false, action, error: masked, attempts };
  }

  /**
   * One attempt within the limits. The common case — no pause announced, a free slot, no requests-per-second
   * limit, no credential — passes every check without waiting on a promise.
   */
  private async attempt(request: HttpRequest, auth: Auth | undefined, signal: AbortSignal | undefined): Promise<AttemptResult> {
    signal?.throwIfAborted();
    if (this.gate.remaining() > 0) await this.gate.wait(signal);
    if (!this.limiter.tryTake()) {
      await this.limiter.take(signal);
      // A rate limit may have been announced while this request queued for a slot.
      if (this.gate.remaining() > 0) await this.gate.wait(signal);
    }
    const { concurrencySlots, sharedPause } = this.options;
    let sharedSlot = false;
    try {
      if (concurrencySlots) {
        await concurrencySlots.take(signal);
        sharedSlot = true;
      }
      // Checked once the slots are held (however long that took), and before the rate gate spends a slot in time.
      if (sharedPause) await sharedPause.wait(signal);
      if (this.rateGate) await this.rateGate.take(signal);
      let prepared = request;
      if (auth && auth.kind !== 'none') {
        prepared = await auth.apply(request);
        this.redactor.add(...auth.secrets());
      }
      const target = this.target(prepared.url);
      const started = this.now();
      let received: ReceivedResponse;
      try {
        received = await dispatchRequest(
          this.agent,
          {
            origin: target.origin,
            path: target.path,
            method: prepared.method.toUpperCase() as Dispatcher.HttpMethod,
            headers: prepared.headers,
            body: prepared.body ?? undefined,
          },
          this.maxBodyBytes,
          signal,
          this.deadlines,
        );
      } catch (error) {
        if (signal?.aborted) throw error;
        const hideReachability = this.options.networkPolicy?.denyPrivateAddresses;
        return { failure: describeNetworkError(error, target, this.options.timeouts, { hideReachability }) };
      }
      const { headers, text } = received;
      return {
        response: {
          status: received.status,
          headers,
          text,
          body: parseBody(text, headers['content-type']),
          durationMs: this.now() - started,
          url: request.url,
        },
        sent: prepared,
      };
    } finally {
      if (sharedSlot) concurrencySlots!.release();
      this.limiter.release();
    }
  }

  /** The origin and path of a URL; the origin's parts are parsed once and kept. Throws on an invalid URL. */
  private target(url: string): Target {
    const scheme = url.startsWith('https://') ? 8 : url.startsWith('http://') ? 7 : 0;
    if (scheme > 0) {
      let end = scheme;
      while (end < url.length) {
        const c = url.charCodeAt(end);
        if (c === 0x2f /* / */ || c === 0x3f /* ? */ || c === 0x23 /* # */ || c === 0x5c /* \ */) break;
        end++;
      }
      const rawOrigin = url.slice(0, end);
      // `http://host?q` means the path `/?q`, as the URL parser reads it.
      const path = end === url.length ? '/' : url.charCodeAt(end) === 0x3f ? `/${url.slice(end)}` : url.slice(end);
      if (plainPath.test(path) && !dotSegment.test(path)) {
        let parts = this.origins.get(rawOrigin);
        if (!parts) {
          const parsed = new URL(rawOrigin);
          parts = { origin: parsed.origin, host: parsed.host, hostname: parsed.hostname };
          // Only plain origins are kept: user info or a path-like authority takes the full parse every time.
          if (parsed.username === '' && parsed.password === '' && parsed.pathname === '/' && !parsed.search) {
            if (this.origins.size >= MAX_CACHED_ORIGINS) this.origins.clear();
            this.origins.set(rawOrigin, parts);
          } else {
            return fullTarget(url);
          }
        }
        return { origin: parts.origin, path, host: parts.host, hostname: parts.hostname };
      }
    }
    return fullTarget(url);
  }

  /**
   * A credential goes only to the connection's origin (scheme, host, effective port) or the auth's own base URL's:
   * another port or plain http on the same host name is another server as far as secrets go. With no known origin
   * nothing is sent: failing closed is the only safe default for a credential.
   */
  private refuseForeignOrigin(request: HttpRequest, auth: Auth | undefined): string | undefined {
    if (!auth || auth.kind === 'none') return undefined;
    let origin: string;
    try {
      origin = this.target(request.url).origin;
    } catch {
      return `invalid URL: ${request.url}`;
    }
    if (origin === this.allowedOrigin) return undefined;
    const authOrigin = this.authOrigin(auth);
    if (origin === authOrigin) return undefined;
    const known = this.allowedOrigin ?? authOrigin;
    if (!known) return `refused to send credentials to ${origin}: the connection has no base URL, so no origin they may go to`;
    return `refused to send credentials to ${origin} (the connection's origin is ${known})`;
  }

  /** The origin of the auth's base URL, unless it would take a credential from https to plain http. */
  private authOrigin(auth: Auth): string | undefined {
    const url = auth.baseUrl();
    if (!url) return undefined;
    if (this.authBase?.url !== url) {
      const origin = originOf(url);
      const downgrade = origin?.startsWith('http:') && this.allowedOrigin?.startsWith('https:');
      this.authBase = { url, origin: downgrade ? undefined : origin };
    }
    return this.authBase.origin;
  }

  private backoff(attempt: number): number {
    return backoffDelay(attempt, this.options.retry, this.options.random);
  }

  private mask(text: string, auth: Auth | undefined): string {
    if (auth) this.redactor.add(...auth.secrets());
    return this.redactor.mask(text);
  }
}

/** The origin of a URL (scheme, lower-case host, port unless the scheme's default), or undefined when it is not one. */
function originOf(url: string): string | undefined {
  try {
    const origin = new URL(url).origin;
    return origin === 'null' ? undefined : origin;
  } catch {
    return undefined;
  }
}

/** A URL taken apart by the full URL parser. */
function fullTarget(url: string): Target {
  const parsed = new URL(url);
  return { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}`, host: parsed.host, hostname: parsed.hostname };
}

function parseBody(text: string, contentType: string | undefined): unknown {
  if (!isJsonContentType(contentType) || !text.trim()) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Marks a failed outcome as the API being unavailable (see SendOutcome). */
function unavailable(outcome: SendOutcome): SendOutcome {
  return outcome.ok ? outcome : { ...outcome, unavailable: true };
}

function withMessage(prefix: string, message: string): string {
  return message ? `${prefix}: ${message}` : prefix;
}

function plural(attempts: number): string {
  return attempts === 1 ? '1 attempt' : `${attempts} attempts`;
}

function seconds(ms: number): string {
  return `${Math.ceil(ms / 1000)} s`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
