import type { Redactor } from '../../log/redactor.js';
import type { Auth } from '../../http/auth.js';
import type { HttpRequest } from '../../http/http-request.js';
import { tokenExpiresSoon } from './oauth2-token-expiry.js';
import type { OAuth2Token } from './oauth2-token-store.js';
import { queryParam, withQueryParam } from './with-query-param.js';

/** What an OAuth token-bearing auth needs: where the header goes and how a new token is obtained. */
export interface OAuth2TokenAuthOptions {
  /** Header carrying the token (default Authorization). */
  header: string;
  /** Scheme before the token (Bearer); empty for none. */
  scheme: string;
  /** Send the token in this query parameter instead of the header (a session id in the URL). */
  queryParam?: string;
  /** Token field whose value is the base URL (Salesforce: instance_url). */
  baseUrlFrom?: string;
  /** The token to start with (from the store), or null. */
  initial: OAuth2Token | null;
  /** Obtains the next token from the current one; it must be persisted before this resolves. */
  renew(current: OAuth2Token | null): Promise<OAuth2Token>;
  /** Secrets known up front (the client secret). */
  secrets: string[];
  redactor?: Redactor;
  now?: () => number;
}

/**
 * An Auth that sends an access token (OAuth, a session's, a signed JWT) and renews it ahead of expiry or on demand.
 * One renewal runs at a time: every caller that needs a new token awaits the same promise.
 */
export function createOAuth2TokenAuth(options: OAuth2TokenAuthOptions): Auth {
  const now = options.now ?? Date.now;
  let current = options.initial;
  let inflight: Promise<OAuth2Token> | null = null;
  let renewedAt = Number.NEGATIVE_INFINITY;
  const remember = (t: OAuth2Token | null) => options.redactor?.add(t?.access_token, t?.refresh_token);
  options.redactor?.add(...options.secrets);
  remember(current);

  const credential = (t: OAuth2Token) => (options.scheme ? `${options.scheme} ${t.access_token}` : t.access_token);

  const renewOnce = (): Promise<OAuth2Token> => {
    inflight ??= options
      .renew(current)
      .then((t) => {
        remember(t);
        current = t;
        renewedAt = now();
        return t;
      })
      .finally(() => {
        inflight = null;
      });
    return inflight;
  };

  // Without the failed request we cannot tell whether it carried a token older than the current one; a
  // renewal that finished this recently is assumed to be the one it needed.
  const graceMs = () => {
    if (!current?.expires_at || !current.obtained_at) return 500;
    return Math.min(500, (Date.parse(current.expires_at) - Date.parse(current.obtained_at)) / 4);
  };

  return {
    async apply(request: HttpRequest): Promise<HttpRequest> {
      const token = inflight ? await inflight : current && !tokenExpiresSoon(current, now()) ? current : await renewOnce();
      if (options.queryParam) return withQueryParam(request, options.queryParam, token.access_token);
      const headers = Object.fromEntries(Object.entries(request.headers).filter(([k]) => k.toLowerCase() !== options.header.toLowerCase()));
      return { ...request, headers: { ...headers, [options.header]: credential(token) } };
    },
    async refresh(failed?: HttpRequest): Promise<boolean> {
      if (inflight) {
        await inflight;
        return true;
      }
      if (failed && current) {
        const sent = options.queryParam
          ? queryParam(failed.url, options.queryParam)
          : Object.entries(failed.headers).find(([k]) => k.toLowerCase() === options.header.toLowerCase())?.[1];
        const expected = options.queryParam ? current.access_token : credential(current);
        // The request was sent with a token that has since been replaced: retrying is enough.
        if (sent !== undefined && sent !== expected) return true;
      } else if (!failed && now() - renewedAt < graceMs()) {
        return true;
      }
      await renewOnce();
      return true;
    },
    secrets: () => [...options.secrets, current?.access_token, current?.refresh_token].filter((s): s is string => Boolean(s)),
    baseUrl() {
      const value = options.baseUrlFrom ? current?.[options.baseUrlFrom] : undefined;
      return typeof value === 'string' ? value : undefined;
    },
  };
}
