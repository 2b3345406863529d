import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Whether an `Authorization` header carries `Bearer <token>`, compared in constant time (digests hide the length too). */
export function tokenMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer +(\S+)\s*$/i.exec(header ?? '');
  return presentedTokenMatches(m?.[1], token);
}

/** Whether a presented token equals the API token, in constant time. */
export function presentedTokenMatches(presented: string | undefined, token: string): boolean {
  if (presented === undefined || presented === '') return false;
  return timingSafeEqual(digest(presented), digest(token));
}
