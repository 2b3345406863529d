import { z } from 'zod';

/** The longest lookback a stream may take: a year of re-reads is a full read in disguise, not a safety margin. */
export const MAX_LOOKBACK_SECONDS = 366 * 24 * 3600;

// Weeks, days, hours, minutes, seconds: months and years have no fixed length, so they are refused.
const ISO_DURATION = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

const HOW = 'give an ISO-8601 duration such as PT6H or P2D, or a number of seconds';

/** Seconds of an ISO-8601 duration (`P1DT2H`), or undefined when the text is not one this schema takes. */
function isoDurationSeconds(text: string): number | undefined {
  const m = ISO_DURATION.exec(text.trim().toUpperCase());
  if (!m || text.trim().toUpperCase() === 'P' || /T$/i.test(text.trim())) return undefined;
  const [, weeks, days, hours, minutes, seconds] = m.map((part) => (part === undefined ? 0 : Number(part)));
  return (weeks ?? 0) * 604_800 + (days ?? 0) * 86_400 + (hours ?? 0) * 3600 + (minutes ?? 0) * 60 + (seconds ?? 0);
}

/**
 * A stream's `incremental.lookback`: written as an ISO-8601 duration or seconds, read as seconds. Bounded, so a
 * typo cannot turn every incremental run into a full read (or move the cursor forward and skip records).
 */
export const lookbackSchema = z
  .union([z.number(), z.string()])
  .transform((value, ctx) => {
    const seconds = typeof value === 'number' ? value : isoDurationSeconds(value);
    if (seconds === undefined || !Number.isFinite(seconds)) {
      ctx.addIssue({ code: 'custom', message: `invalid lookback ${JSON.stringify(value)}: ${HOW}` });
      return z.NEVER;
    }
    if (seconds < 0) {
      ctx.addIssue({ code: 'custom', message: `lookback ${JSON.stringify(value)} is negative: it goes back from the kept cursor, so ${HOW}` });
      return z.NEVER;
    }
    if (seconds > MAX_LOOKBACK_SECONDS) {
      ctx.addIssue({ code: 'custom', message: `lookback ${JSON.stringify(value)} is more than 366 days (P366D): for a read from the start, use sync run --full or full_refresh` });
      return z.NEVER;
    }
    return seconds;
  });
