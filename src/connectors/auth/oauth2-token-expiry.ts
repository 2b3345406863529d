import type { OAuth2Token } from './oauth2-token-store.js';

/** How long before expiry a token is renewed: 60 s, or half its lifetime for short-lived tokens. */
const aheadMs = 60_000;

/** Whether a token expires within the renewal margin (never true for tokens without an expiry). */
export function tokenExpiresSoon(token: OAuth2Token, now: number = Date.now()): boolean {
  if (token.expires_at === null) return false;
  const expiresAt = Date.parse(token.expires_at);
  if (Number.isNaN(expiresAt)) return true;
  const obtainedAt = token.obtained_at ? Date.parse(token.obtained_at) : Number.NaN;
  const lifetime = Number.isNaN(obtainedAt) ? Number.POSITIVE_INFINITY : expiresAt - obtainedAt;
  return expiresAt - now <= Math.min(aheadMs, lifetime / 2);
}
