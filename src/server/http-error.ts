import { errorCodeForStatus, type ApiErrorCode, type ApiErrorParams } from '../api/api-error-body.js';

/**
 * An error a route answers with its own status code and message (404 unknown name, 409 already running...), and the
 * stable code and params the web UI translates it by (the status's code when none is given).
 */
export class HttpError extends Error {
  override name = 'HttpError';
  readonly code: ApiErrorCode;
  readonly params: ApiErrorParams | undefined;
  constructor(
    readonly statusCode: number,
    message: string,
    detail: { code: ApiErrorCode; params?: ApiErrorParams } | undefined = undefined,
  ) {
    super(message);
    this.code = detail?.code ?? errorCodeForStatus(statusCode);
    this.params = detail?.params;
  }
}
