import type { HttpRequest } from './http-request.js';

/**
 * Puts a connection's credential on requests, and renews it when the API says it expired. The client applies it;
 * the auth kinds in src/connectors/auth/ implement it.
 */
export interface Auth {
  /**
   * The auth kind (`none`, `api_key`, `basic`, `bearer`, `oauth2`, ...). The HTTP client sends any kind but `none`
   * only to the connection's own host; when absent the auth is treated as carrying a credential.
   */
  readonly kind?: string;
  /** Returns the request with the credential added (header or query); never mutates its argument. */
  apply(request: HttpRequest): Promise<HttpRequest>;
  /**
   * Renews the credential after a `refresh_auth` response. Concurrent callers share one refresh.
   * Returns false when this auth kind cannot renew (static keys); throws when renewal failed for good
   * (a revoked refresh token) with a message telling the user how to reconnect.
   * `failed` is the request that got the 401 (as apply() returned it): when its credential was already
   * replaced by a concurrent refresh, no new refresh starts and the caller simply retries.
   */
  refresh(failed?: HttpRequest): Promise<boolean>;
  /** The secret values this auth sends, so every output can mask them. */
  secrets(): string[];
  /** A base URL taken from the token response (Salesforce's instance_url), when the connector asks for it. */
  baseUrl(): string | undefined;
}
