/** Plain words for the RFC 6749 error codes a user may meet. */
const plainWords: Record<string, string> = {
  access_denied: 'the authorization was declined at the provider',
  invalid_client: 'the provider refused the client id or secret',
  invalid_grant: 'the provider refused the grant (the code or refresh token is invalid, expired or revoked)',
  invalid_scope: 'the provider refused the requested scopes',
  unauthorized_client: 'the provider does not allow this client to use this grant',
  unsupported_grant_type: 'the provider does not support this grant type',
  unsupported_response_type: 'the provider does not support the authorization code flow for this client',
  invalid_request: 'the provider rejected the request as malformed',
  server_error: 'the provider had an internal error',
  temporarily_unavailable: 'the provider is temporarily unavailable',
};

/** An error answered by an OAuth provider (authorization or token endpoint), in plain words. */
export class OAuth2Error extends Error {
  override name = 'OAuth2Error';
  constructor(
    /** The RFC 6749 error code, such as `invalid_grant`. */
    readonly code: string,
    /** The provider's own description, when it gave one. */
    readonly description?: string,
    /** The HTTP status of the token response; absent for authorization redirects. */
    readonly status?: number,
  ) {
    const words = plainWords[code] ?? `the provider answered ${code}`;
    super(description && description !== words ? `${words} (${code}: ${description})` : `${words} (${code})`);
  }
}
