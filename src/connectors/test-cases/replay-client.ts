import type { ConnectorSpec } from '../../config/connector-schema.js';
import { apiMessage } from '../../http/api-message.js';
import { HttpClient, type SendOptions, type SendOutcome } from '../../http/http-client.js';
import type { HttpRequest } from '../../http/http-request.js';
import type { HttpResponse } from '../../http/http-response.js';
import { isJsonContentType } from '../../http/json-content-type.js';
import { statusLine } from '../../http/status-line.js';
import type { Redactor } from '../../log/redactor.js';
import type { RecordedResponse } from './test-cases-schema.js';

/** A request the code under test asked to send, as it would have left (before credentials). */
export interface ReplayedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** The body as text (bytes decoded as UTF-8); null: none. */
  body: string | null;
}

/** Raised when the code asks for more responses than the case recorded. */
export class ReplayExhausted extends Error {
  override name = 'ReplayExhausted';
}

/** A recorded response as the client would have read it off the wire. */
export function replayedResponse(recorded: RecordedResponse, url: string): HttpResponse {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(recorded.headers)) headers[name.toLowerCase()] = value;
  const structured = recorded.body !== undefined && recorded.body !== null && typeof recorded.body === 'object';
  if (structured && headers['content-type'] === undefined) headers['content-type'] = 'application/json';
  const text = recorded.body === undefined || recorded.body === null ? '' : typeof recorded.body === 'string' ? recorded.body : JSON.stringify(recorded.body);
  let body: unknown = text;
  if (isJsonContentType(headers['content-type']) && text.trim() !== '') {
    try {
      body = JSON.parse(text) as unknown;
    } catch {
      body = text;
    }
  }
  return { status: recorded.status, headers, text, body, durationMs: 0, url };
}

function bodyText(body: HttpRequest['body']): string | null {
  if (body === undefined || body === null) return null;
  return typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
}

/**
 * An HttpClient that never touches the network: each `send` records the request and answers with the next recorded
 * response, classified by the caller's classifier as a live answer would be. What a run would make of an answer after
 * its retries is what this reports at once: a replay answers every attempt alike.
 */
export class ReplayClient extends HttpClient {
  readonly requests: ReplayedRequest[] = [];
  private next = 0;
  private readonly maxAttempts: number;

  constructor(
    spec: ConnectorSpec,
    private readonly responses: readonly RecordedResponse[],
    private readonly masker: Redactor,
  ) {
    // The base class opens no connection until it sends, and this one never does (send is replaced).
    super({ rateLimit: spec.rate_limit, retry: spec.retry, timeouts: spec.timeouts, redactor: masker });
    this.maxAttempts = spec.retry.max_attempts;
  }

  /** How many recorded responses were answered. */
  get answered(): number {
    return this.next;
  }

  override async send(request: HttpRequest, options: SendOptions): Promise<SendOutcome> {
    this.requests.push({ method: request.method.toUpperCase(), url: request.url, headers: { ...request.headers }, body: bodyText(request.body) });
    const recorded = this.responses[this.next];
    if (!recorded) {
      throw new ReplayExhausted(
        `request ${this.requests.length} (${request.method.toUpperCase()} ${this.masker.mask(request.url)}) has no recorded response: the case recorded ${this.responses.length}`,
      );
    }
    this.next++;
    const response = replayedResponse(recorded, request.url);
    let classification;
    try {
      classification = await options.classify(response);
    } catch (e) {
      return this.refused('fail', `could not classify the ${statusLine(response.status)} response: ${e instanceof Error ? e.message : String(e)}`, response);
    }
    if (classification.action === 'success') return { ok: true, response, attempts: 1 };
    const message = classification.message?.trim() || apiMessage(response);
    const status = statusLine(response.status);
    switch (classification.action) {
      case 'reject':
      case 'fail':
        return this.refused(classification.action, withMessage(status, message), response);
      case 'refresh_auth':
        // Cases run without credentials: there is nothing to renew, as for a connection with none.
        return this.refused('fail', withMessage(`${status}: the API refused the credential and none is configured`, message), response);
      case 'retry':
      case 'rate_limited': {
        const attempts = this.maxAttempts;
        const outcome = this.refused('reject', withMessage(`${status} after ${attempts === 1 ? '1 attempt' : `${attempts} attempts`}`, message), response);
        return outcome.ok ? outcome : { ...outcome, unavailable: true, attempts };
      }
    }
  }

  private refused(action: 'reject' | 'fail', error: string, response: HttpResponse): SendOutcome {
    return { ok: false, action, error: this.masker.mask(error), response, attempts: 1 };
  }
}

function withMessage(prefix: string, message: string): string {
  return message ? `${prefix}: ${message}` : prefix;
}
