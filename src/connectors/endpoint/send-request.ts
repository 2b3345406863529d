import type { Classification } from '../../http/classification.js';
import type { SendOutcome } from '../../http/http-client.js';
import type { HttpRequest } from '../../http/http-request.js';
import type { HttpResponse } from '../../http/http-response.js';
import type { HttpConnection } from '../open-http-connection.js';

/**
 * Sends one request through the connection's client with its auth and the given classification: the one place a
 * request leaves with the connection's credential (endpoints, the connection test). Never throws (see SendOutcome).
 */
export function sendRequest(
  connection: Pick<HttpConnection, 'client' | 'auth'>,
  request: HttpRequest,
  classify: (response: HttpResponse) => Classification,
  signal?: AbortSignal,
): Promise<SendOutcome> {
  return connection.client.send(request, { classify, auth: connection.auth, signal });
}
