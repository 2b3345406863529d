import { randomBytes } from 'node:crypto';

/** Milliseconds since the epoch in base 36, fixed width: texts of one width compare as the instants they name. */
const timePart = (ms: number): string => Math.max(0, Math.floor(ms)).toString(36).padStart(9, '0');

/**
 * A source of exchange ids for one run: the time in base 36, a random part of this source (so two processes never
 * collide), then a counter. Ids made later sort after earlier ones, so an id range is a time range: pruning by age
 * walks the primary key and needs no index of its own.
 */
export function newExchangeIds(now: () => number = Date.now): () => string {
  const source = randomBytes(6).toString('base64url');
  let counter = 0;
  // Many exchanges share a millisecond: its text is made once.
  let ms = -1;
  let prefix = '';
  return () => {
    const t = now();
    if (t !== ms) prefix = `${timePart((ms = t))}${source}`;
    return `${prefix}${(counter++).toString(36).padStart(4, '0')}`;
  };
}

/** The smallest id an exchange made at `time` or later can have: every id below it was made earlier. */
export function exchangeIdBefore(time: Date): string {
  return timePart(time.getTime());
}
