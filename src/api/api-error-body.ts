import type { ConfigIssue } from './config-issue.js';

/**
 * The stable code of an error the API answers with. The web UI translates by code and params; `error` stays the
 * English message that CLI and API users read. A code is never renamed once released (clients match on it).
 */
export const API_ERROR_CODES = [
  /** The project on disk does not load (sluice.yaml or a spec it uses); `issues` says where. params: count, file. */
  'invalid_project',
  /** A text given to check or save (sluice.yaml, a connector spec) is invalid; `issues` says where. params: count, file. */
  'invalid_config',
  /** A request body or query failed its check. params: where, detail. */
  'invalid_input',
  /** No entry of that name. params: what (sync, connection, connector, pipeline, run, endpoint...), name. */
  'unknown_name',
  /** The sync or pipeline is already running. params: what, name, run. */
  'already_running',
  /** No token, or not a token of this server. */
  'unauthorized',
  /** The route changes the project and needs the admin token. */
  'admin_only',
  // The rest: a code for the HTTP status when no finer one applies.
  'bad_request',
  'forbidden',
  'not_found',
  'conflict',
  'unprocessable',
  'internal',
] as const;

export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

/** Values a message's placeholders take (names, counts); never a secret. */
export type ApiErrorParams = Record<string, string | number>;

/** The JSON body of every error answer under /api/. */
export interface ApiErrorBody {
  /** The message in English, as the CLI would print it. */
  error: string;
  code: ApiErrorCode;
  params?: ApiErrorParams;
  issues?: ConfigIssue[];
}

/** The code an answer of `status` carries when its route gave none. */
export function errorCodeForStatus(status: number): ApiErrorCode {
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  if (status === 422) return 'unprocessable';
  if (status >= 500) return 'internal';
  return 'bad_request';
}
