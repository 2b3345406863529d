import type { ApiErrorCode, ApiErrorParams } from '../../src/api/api-error-body.js';
import type { ConfigIssue } from '../../src/api/config-issue.js';

/** An API call that did not succeed: the HTTP status, the server's message, its stable code and params, and any config issues. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
    readonly issues: ConfigIssue[] = [],
    readonly code: ApiErrorCode | undefined = undefined,
    readonly params: ApiErrorParams = {},
  ) {
    super(message);
  }
}

/** An API call that got no answer: the server is down or the network is gone (the UI says so in the user's language). */
export class ServerUnreachableError extends Error {
  override name = 'ServerUnreachableError';
}
