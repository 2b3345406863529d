import { z } from 'zod';
import { signJwt } from '../../connectors/auth/sign-jwt.js';

/** The fields of a Google service-account JSON key that the JWT-bearer grant needs. */
export const serviceAccountKeySchema = z.looseObject({
  type: z.literal('service_account').optional(),
  client_email: z.string(),
  private_key: z.string(),
  private_key_id: z.string().optional(),
  token_uri: z.string().default('https://oauth2.googleapis.com/token'),
});
export type ServiceAccountKey = z.infer<typeof serviceAccountKeySchema>;

/** Where a token source gets its access tokens; `invalidate` forgets the cached one (after a 401). */
export interface TokenSource {
  token(signal?: AbortSignal): Promise<string>;
  invalidate(): void;
}

const SCOPE = 'https://www.googleapis.com/auth/bigquery';

/** A JWT (RS256) asserting the service account, for the OAuth 2.0 JWT-bearer grant (RFC 7523). */
export function signServiceAccountJwt(key: ServiceAccountKey, audience: string, now = Math.floor(Date.now() / 1000)): string {
  const claims = { iss: key.client_email, scope: SCOPE, aud: audience, iat: now, exp: now + 3600 };
  return signJwt({ algorithm: 'RS256', key: key.private_key, claims, keyId: key.private_key_id });
}

/** Access tokens for a service account, exchanged at `tokenUrl` (default: the key's token_uri) and cached until shortly before they expire. */
export function serviceAccountTokenSource(key: ServiceAccountKey, options: { tokenUrl?: string; onToken?: (token: string) => void } = {}): TokenSource {
  const tokenUrl = options.tokenUrl ?? key.token_uri;
  let cached: { token: string; expiresAt: number } | undefined;
  return {
    invalidate: () => {
      cached = undefined;
    },
    token: async (signal) => {
      if (cached && Date.now() < cached.expiresAt) return cached.token;
      const response = await fetch(tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: signServiceAccountJwt(key, tokenUrl) }),
        signal,
      });
      const text = await response.text();
      let body: { access_token?: string; expires_in?: number; error?: string; error_description?: string } = {};
      try {
        body = JSON.parse(text);
      } catch {
        // A non-JSON answer is reported with its status below.
      }
      if (!response.ok || typeof body.access_token !== 'string') {
        const why = body.error ? `${body.error}${body.error_description ? `: ${body.error_description}` : ''}` : `HTTP ${response.status}`;
        throw new Error(`service account ${key.client_email}: the token endpoint ${tokenUrl} refused the JWT (${why})`);
      }
      options.onToken?.(body.access_token);
      // Renewed a minute early so that a long read never sends an expired token.
      cached = { token: body.access_token, expiresAt: Date.now() + Math.max(0, (body.expires_in ?? 3600) - 60) * 1000 };
      return body.access_token;
    },
  };
}
