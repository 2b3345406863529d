import type { ConfigIssue } from '../../src/api/config-issue.js';

/** An API call that did not succeed: the HTTP status, the server's message and any config issues. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
    readonly issues: ConfigIssue[] = [],
  ) {
    super(message);
  }
}
