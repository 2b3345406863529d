import { totalTimeoutCode } from './dispatch-request.js';
import { addressNotAllowedCode } from './guarded-connector.js';
import { addressNotAllowedMessage } from './network-policy.js';

/** A request that got no usable response, in words, and what to do about it. */
export interface NetworkFailure {
  message: string;
  /** Transient (reset, refused, timeout): worth another attempt. */
  retryable: boolean;
  /** When not retryable: reject the row, or fail the run (the host can never be reached as configured). */
  action: 'reject' | 'fail';
}

const retry = (message: string): NetworkFailure => ({ message, retryable: true, action: 'reject' });

/** Codes of a connection that could not be made: told apart only when the network's layout may be shown. */
export const unreachableCodes: ReadonlySet<string> = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * Turns a thrown transport error (undici or node:net) into words a user understands. With `hideReachability` (server
 * mode, where the user is not the machine's owner) a refused connection and a timed-out one read the same, so the
 * messages cannot map which ports of a host are open.
 */
export function describeNetworkError(
  error: unknown,
  url: { host: string; hostname: string },
  timeouts: { connect_ms: number; read_ms: number },
  options: { hideReachability?: boolean } = {},
): NetworkFailure {
  const code = errorCode(error);
  const host = url.host;
  const raw = error instanceof Error ? error.message : String(error);
  if (options.hideReachability && code && unreachableCodes.has(code)) return retry(`could not connect to ${host}`);
  switch (code) {
    case addressNotAllowedCode:
      return { message: addressNotAllowedMessage(host), retryable: false, action: 'fail' };
    case totalTimeoutCode:
      return retry(`no complete response within ${totalSeconds(error)} s from ${host} (timeouts.total_ms)`);
    case 'ECONNREFUSED':
      return retry(`connection refused by ${host}`);
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
      return retry(`the connection to ${host} closed unexpectedly`);
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      return retry(`could not connect to ${host} within ${timeouts.connect_ms} ms`);
    case 'UND_ERR_HEADERS_TIMEOUT':
      return retry(`no response from ${host} within ${timeouts.read_ms} ms`);
    case 'UND_ERR_BODY_TIMEOUT':
      return retry(`the response from ${host} stalled for more than ${timeouts.read_ms} ms`);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EAI_AGAIN':
    case 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH':
      return retry(`${raw} (${code}, ${host})`);
    case 'ENOTFOUND':
    case 'EAI_FAIL':
      return { message: `host not found: ${url.hostname}`, retryable: false, action: 'fail' };
    case 'UND_ERR_CLOSED':
    case 'UND_ERR_DESTROYED':
      return { message: 'the HTTP client is closed', retryable: false, action: 'fail' };
    case 'SLUICE_BODY_TOO_LARGE':
      return { message: raw, retryable: false, action: 'reject' };
    default:
      // TLS and certificate problems hit every request alike: fail the run rather than reject every row.
      if (code && /^(CERT_|ERR_TLS|ERR_SSL|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_)/.test(code)) {
        return { message: `TLS error talking to ${host}: ${raw}`, retryable: false, action: 'fail' };
      }
      return { message: code ? `${raw} (${code})` : raw, retryable: false, action: 'reject' };
  }
}

function totalSeconds(error: unknown): number {
  return ((error as { limitMs?: number }).limitMs ?? 0) / 1000;
}

/** The error code, looking inside AggregateError (dual-stack connects) and `cause`. */
function errorCode(error: unknown): string | undefined {
  if (!error || typeof error !== 'object') return undefined;
  const e = error as { code?: unknown; errors?: unknown; cause?: unknown };
  if (typeof e.code === 'string') return e.code;
  if (Array.isArray(e.errors) && e.errors.length > 0) return errorCode(e.errors[0]);
  return e.cause ? errorCode(e.cause) : undefined;
}
