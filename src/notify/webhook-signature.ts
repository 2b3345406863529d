import { createHmac } from 'node:crypto';

/**
 * The `X-Sluice-Signature` of a webhook: `sha256=` and the hex HMAC-SHA256, keyed by the webhook's secret, of the
 * `X-Sluice-Timestamp` value (Unix seconds), a dot and the raw body. Signing the time too lets a receiver refuse a
 * replayed request (as Stripe's and GitHub's webhooks do).
 */
export function webhookSignature(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}
