import type { HttpRequest } from '../http/http-request.js';

/** A request body as text (bytes are decoded as UTF-8); null when there is none. */
export function bodyText(body: HttpRequest['body']): string | null {
  if (body === undefined || body === null) return null;
  return typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
}

/** Bodies shorter than this (in UTF-16 units) stay text. */
const SMALL_BODY = 2048;

/**
 * Moves a rendered request's body into UTF-8 bytes, for the time it waits on the network: returns a request with the
 * bytes and leaves the rendered one without a body.
 *
 * Why: an object that outlives a network wait is soon allocated straight into the old generation, and a young string
 * it points to survives every minor GC until the next full one, dead or alive. For 100-row batch bodies that cost more
 * CPU than rendering them (bench/http-dispatch, "CPU per batch": about 290 µs without the move, 175 µs with it).
 * Bytes live outside the JavaScript heap, and the rendered request, emptied, holds nothing large.
 * Moving costs no more than sending text: undici turns a text body into bytes itself when the request is dispatched,
 * and takes bytes as they are. A small body stays text: copying it costs the GC little.
 */
export function moveBodyToBytes(request: HttpRequest): HttpRequest {
  if (typeof request.body !== 'string' || request.body.length < SMALL_BODY) return request;
  const bytes = Buffer.from(request.body, 'utf8');
  request.body = null;
  return { ...request, body: bytes };
}
