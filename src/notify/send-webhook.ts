import { randomUUID } from 'node:crypto';
import { backoffDelay } from '../http/backoff.js';
import { HttpClient } from '../http/http-client.js';
import type { NetworkPolicy } from '../http/network-policy.js';
import { sleep } from '../http/sleep.js';
import type { Redactor } from '../log/redactor.js';
import type { NotificationStatus } from '../state/notification-store.js';
import { webhookSignature } from './webhook-signature.js';

/** How often and how patiently a webhook is retried: a few tries, each bounded, so a run's end waits a minute at most. */
export interface WebhookRetry {
  /** Attempts in all, the first included. Default 4. */
  maxAttempts: number;
  /** The first backoff, doubled (with jitter) for each retry. Default 1000. */
  initialDelayMs: number;
  /** The longest backoff. Default 8000. */
  maxDelayMs: number;
}

export const DEFAULT_WEBHOOK_RETRY: WebhookRetry = { maxAttempts: 4, initialDelayMs: 1000, maxDelayMs: 8000 };

/** How one attempt ended, as it is recorded. */
export interface WebhookAttempt {
  attempt: number;
  status: NotificationStatus;
  httpStatus: number | null;
  error: string | null;
}

/** What sendWebhook needs: where, the key to sign with, the JSON body, and where attempts are reported. */
export interface SendWebhookOptions {
  url: string;
  secret: string;
  body: string;
  /** Where it may connect (the server refuses private addresses); default anywhere. */
  networkPolicy?: NetworkPolicy;
  redactor: Redactor;
  retry?: Partial<WebhookRetry>;
  /** Told of every attempt as it ends (recorded in the state store). */
  onAttempt: (attempt: WebhookAttempt) => Promise<void>;
}

/** An answer a webhook receiver may send back: read up to this much, no more. */
const MAX_ANSWER_BYTES = 64 * 1024;
const RETRIED = new Set([408, 429, 500, 502, 503, 504]);

/**
 * POSTs a signed JSON body to a webhook: each attempt carries a fresh `X-Sluice-Timestamp` and its
 * `X-Sluice-Signature` (see webhookSignature), and the same `X-Sluice-Delivery` id, for a receiver to drop a duplicate.
 * 2xx delivers; 408, 429, 5xx and network errors are retried with backoff; anything else (a 4xx, a redirect) fails at
 * once. Never throws: true when delivered.
 */
export async function sendWebhook(options: SendWebhookOptions): Promise<boolean> {
  const retry = { ...DEFAULT_WEBHOOK_RETRY, ...options.retry };
  const client = new HttpClient({
    rateLimit: { concurrency: 1 },
    // One attempt a send: the attempts are counted, recorded and spaced here, each with its own signature.
    retry: { max_attempts: 1, on_status: [...RETRIED], initial_delay_ms: 0, max_delay_ms: 0 },
    timeouts: { connect_ms: 5_000, read_ms: 10_000, total_ms: 15_000 },
    networkPolicy: options.networkPolicy,
    redactor: options.redactor,
    maxBodyBytes: MAX_ANSWER_BYTES,
  });
  const delivery = randomUUID();
  try {
    for (let attempt = 1; ; attempt++) {
      const timestamp = Math.floor(Date.now() / 1000);
      const outcome = await client.send(
        {
          method: 'POST',
          url: options.url,
          headers: {
            'content-type': 'application/json',
            'user-agent': 'Sluice-Webhook',
            'x-sluice-event': 'run.finished',
            'x-sluice-delivery': delivery,
            'x-sluice-timestamp': String(timestamp),
            'x-sluice-signature': webhookSignature(options.secret, timestamp, options.body),
          },
          body: options.body,
        },
        {
          classify: (response) =>
            response.status >= 200 && response.status < 300
              ? { action: 'success' }
              : { action: RETRIED.has(response.status) ? 'retry' : 'reject' },
        },
      );
      const httpStatus = outcome.response?.status ?? null;
      if (outcome.ok) {
        await options.onAttempt({ attempt, status: 'delivered', httpStatus, error: null });
        return true;
      }
      const again = outcome.unavailable === true && attempt < retry.maxAttempts;
      // The client made one attempt of its own ("after 1 attempt"): this loop counts them.
      const error = options.redactor.mask(outcome.error.replace(/ after 1 attempt\b/, ''));
      await options.onAttempt({ attempt, status: again ? 'retrying' : 'failed', httpStatus, error });
      if (!again) return false;
      await sleep(backoffDelay(attempt, { initial_delay_ms: retry.initialDelayMs, max_delay_ms: retry.maxDelayMs }));
    }
  } finally {
    await client.close();
  }
}
