import type { Dispatcher } from 'undici';
import { Expiring, type DeadlineSweep } from './deadline-sweep.js';

/** A response read whole: status, headers (lower-case names, a repeated header's values joined with `, `), UTF-8 text. */
export interface ReceivedResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
}

/** The error a body over the limit fails with (`describeNetworkError` knows its code). */
function bodyTooLarge(limit: number): Error {
  return Object.assign(new Error(`the response body is larger than ${formatBytes(limit)}`), { code: 'SLUICE_BODY_TOO_LARGE' });
}

/** The code of the error an attempt fails with when its total deadline passed (`describeNetworkError` knows it). */
export const totalTimeoutCode = 'SLUICE_TOTAL_TIMEOUT';

function totalTimeout(limitMs: number): Error {
  return Object.assign(new Error(`no complete response within ${limitMs / 1000} s`), { code: totalTimeoutCode, limitMs });
}

/**
 * Sends one request through an undici dispatcher and reads its whole response, refusing a body over `limitBytes`.
 * With `deadlines`, the whole exchange (connect, headers, body) must end within their length: undici's own timeouts
 * are idle timeouts, which a response trickling a byte at a time never trips.
 *
 * Why not `dispatcher.request()`: it wraps every response in a Node stream, an async resource and a consumer, which in
 * one-off A/B runs of single requests on loopback cost about a fifth of each request's CPU. A handler that keeps the
 * chunks does the same work without them. Errors are undici's own (timeouts, resets), or the signal's reason.
 */
export function dispatchRequest(
  dispatcher: Dispatcher,
  options: Dispatcher.DispatchOptions,
  limitBytes: number,
  signal?: AbortSignal,
  deadlines?: DeadlineSweep,
): Promise<ReceivedResponse> {
  return new Promise((resolve, reject) => {
    const handler = new ReadWholeResponse(limitBytes, resolve, reject, signal, deadlines);
    try {
      dispatcher.dispatch(options, handler);
    } catch (error) {
      handler.onResponseError(undefined, error as Error);
    }
  });
}

type Controller = Parameters<NonNullable<Dispatcher.DispatchHandler['onRequestStart']>>[0];

/** undici's handler for one request: collects the response, then settles the promise once. */
class ReadWholeResponse extends Expiring implements Dispatcher.DispatchHandler {
  private controller: Controller | undefined;
  private status = 0;
  private headers: Record<string, string> = {};
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private settled = false;
  private expired = false;
  private readonly onAbort: (() => void) | undefined;

  constructor(
    private readonly limit: number,
    private readonly resolve: (response: ReceivedResponse) => void,
    private readonly reject: (error: unknown) => void,
    private readonly signal: AbortSignal | undefined,
    private readonly deadlines: DeadlineSweep | undefined,
  ) {
    super();
    if (signal) {
      this.onAbort = () => this.abort(signal.reason);
      signal.addEventListener('abort', this.onAbort, { once: true });
    }
    deadlines?.add(this);
  }

  onRequestStart(controller: Controller): void {
    this.controller = controller;
    if (this.signal?.aborted) controller.abort(this.signal.reason);
    else if (this.expired) controller.abort(totalTimeout(this.deadlines!.limitMs));
  }

  /** The total deadline passed: the request is aborted, whatever stage it is in. */
  override expire(): void {
    this.expired = true;
    this.abort(totalTimeout(this.deadlines!.limitMs));
  }

  onResponseStart(controller: Controller, status: number, headers: Record<string, string | string[] | undefined>): void {
    // An informational (1xx) response comes before the real one: nothing to keep.
    if (status < 200) return;
    this.status = status;
    this.headers = joinRepeated(headers);
    const declared = headers['content-length'];
    // A declared length over the limit fails before any of the body is read; the connection is dropped with it.
    if (typeof declared === 'string' && declared !== '' && Number(declared) > this.limit) controller.abort(bodyTooLarge(this.limit));
  }

  onResponseData(controller: Controller, chunk: Buffer): void {
    this.size += chunk.length;
    if (this.size > this.limit) {
      controller.abort(bodyTooLarge(this.limit));
      return;
    }
    this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    if (this.settle()) this.resolve({ status: this.status, headers: this.headers, text: utf8Text(this.chunks, this.size) });
  }

  onResponseError(_controller: Controller | undefined, error: Error): void {
    if (this.settle()) this.reject(error);
  }

  /** Aborts the request (a signal fired before it started aborts it as it starts). */
  private abort(reason: unknown): void {
    if (this.controller) this.controller.abort(reason as Error);
    else if (this.settle()) this.reject(reason);
  }

  private settle(): boolean {
    if (this.settled) return false;
    this.settled = true;
    if (this.onAbort) this.signal!.removeEventListener('abort', this.onAbort);
    this.deadlines?.delete(this);
    return true;
  }
}

/** undici's headers (names already lower-case) with each repeated header's values joined, in place: they are ours. */
function joinRepeated(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  for (const name in headers) {
    const value = headers[name];
    if (Array.isArray(value)) headers[name] = value.join(', ');
    else if (value === undefined) delete headers[name];
  }
  return headers as Record<string, string>;
}

/** The chunks decoded as UTF-8, a byte-order mark dropped (as undici's `body.text()` does). */
function utf8Text(chunks: Buffer[], size: number): string {
  if (size === 0) return '';
  const buffer = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
  const start = buffer.length > 2 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf ? 3 : 0;
  return buffer.toString('utf8', start);
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Math.round(bytes / 1024 / 1024)} MB`;
  return bytes >= 1024 ? `${Math.round(bytes / 1024)} KB` : `${bytes} bytes`;
}
