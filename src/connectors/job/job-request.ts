import { endpointSchema, type Endpoint, type JobRequest } from '../../config/connector-schema.js';
import type { ResponseRule } from '../../http/request-policy.js';
import type { HttpRequest } from '../../http/http-request.js';
import type { HttpResponse } from '../../http/http-response.js';
import { responseVariable, type HttpConnection } from '../open-http-connection.js';
import { renderRequest } from '../render-request.js';
import { moveBodyToBytes } from '../request-body.js';

/** One request of a job, as an endpoint the request renderer knows (made once per request definition). */
const asEndpoint = new WeakMap<JobRequest, Endpoint>();

/** A job's request rendered with the context (the connection's templates, the job's variables), body as bytes. */
export function renderJobRequest(http: HttpConnection, request: JobRequest, context: object): HttpRequest {
  let endpoint = asEndpoint.get(request);
  if (!endpoint) {
    endpoint = endpointSchema.parse({ operation: 'lookup', method: request.method, path: request.path, query: request.query, headers: request.headers, body: request.body });
    asEndpoint.set(request, endpoint);
  }
  return moveBodyToBytes(renderRequest(endpoint, context, http.renderOptions()));
}

/** A request of a job that the API refused (or that could not be sent): the job cannot go on. */
export class JobRequestError extends Error {
  override name = 'JobRequestError';
  constructor(
    message: string,
    /** The run must stop (a `fail` answer), rather than the records failing. */
    readonly fatal: boolean,
    /** The API could not be reached (retries ran out on an outage). */
    readonly unavailable: boolean,
    readonly response?: HttpResponse,
  ) {
    super(message);
  }
}

/**
 * Renders and sends one request of a job (`what` names it in errors, e.g. "job.create") with the connection's auth
 * and the given rules before the connector's; the answer of a request the API refused is thrown as JobRequestError.
 */
export async function sendJobRequest(
  http: HttpConnection,
  request: JobRequest | HttpRequest,
  context: object,
  options: { what: string; rules: readonly ResponseRule[]; signal?: AbortSignal },
): Promise<HttpResponse> {
  let rendered: HttpRequest;
  try {
    rendered = 'url' in request ? request : renderJobRequest(http, request, context);
  } catch (e) {
    // A template of the connector that cannot render: no later request can be right either.
    throw new JobRequestError(`${options.what}: ${http.redactor.mask(e instanceof Error ? e.message : String(e))}`, true, false);
  }
  const outcome = await http.client.send(rendered, { auth: http.auth, signal: options.signal, classify: http.classifier(options.rules) });
  if (outcome.ok) return outcome.response;
  throw new JobRequestError(
    `${options.what} failed: ${http.redactor.mask(outcome.error)}`,
    outcome.action === 'fail',
    outcome.unavailable === true,
    outcome.response,
  );
}

/** The job variable after an answer: the fields the answer's body gives, over those known before. */
export function updatedJob(job: unknown, response: HttpResponse): unknown {
  const body = response.body;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return job ?? body;
  if (job === null || typeof job !== 'object' || Array.isArray(job)) return body;
  return { ...(job as Record<string, unknown>), ...(body as Record<string, unknown>) };
}

/** The response as templates see it (`response.status`, `response.headers`, `response.body`). */
export const responseOf = responseVariable;
