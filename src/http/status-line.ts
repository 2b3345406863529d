import { STATUS_CODES } from 'node:http';

/** `503 Service Unavailable` (just the code when the status has no standard reason phrase). */
export function statusLine(status: number): string {
  const reason = STATUS_CODES[status];
  return reason ? `${status} ${reason}` : String(status);
}
