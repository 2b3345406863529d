// Value conversions shared by every engine, so that each one yields the values source.ts documents.

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);

/** An integer as a number when it is safe (|v| <= 2^53-1), otherwise its exact decimal string. */
export function integerValue(v: bigint | string | number): number | string {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return v <= MAX_SAFE && v >= MIN_SAFE ? Number(v) : v.toString();
  // Strings of up to 15 digits are always safe; longer ones need the exact check.
  if (v.length <= 15) return Number(v);
  const b = BigInt(v);
  return b <= MAX_SAFE && b >= MIN_SAFE ? Number(b) : b.toString();
}

const NAIVE = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]00(?::?00)?)?$/;

/**
 * A timestamp text as ISO-8601 UTC with milliseconds ("2026-11-22T09:00:00.000Z").
 * Text without a zone is taken as UTC; sub-millisecond digits are truncated.
 * Non-finite values ("infinity") are returned as they are.
 */
export function timestampValue(text: string): string {
  const m = NAIVE.exec(text);
  if (m) {
    // The fast path: already UTC (or naive), only the layout changes.
    const frac = m[3] === undefined ? '000' : (m[3] + '00').slice(0, 3);
    return `${m[1]}T${m[2]}.${frac}Z`;
  }
  const d = new Date(normalizeZone(text));
  if (Number.isNaN(d.getTime())) return text;
  return d.toISOString();
}

/** Rewrites `YYYY-MM-DD HH:MM:SS.ffffff+09` (PostgreSQL, MySQL) into a form Date parses. */
function normalizeZone(text: string): string {
  const m = /^(\d{4,}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(\.\d+)?\s*(Z|[+-]\d{2}(?::?\d{2}){0,2})?$/.exec(text);
  if (!m) return text;
  const frac = m[3] ? m[3].slice(0, 4) : '';
  let zone = m[4] ?? 'Z';
  if (zone !== 'Z') {
    const digits = zone.slice(1).replace(/:/g, '');
    // Seconds in an offset (historic zones) cannot be expressed to Date; they are dropped.
    zone = `${zone[0]}${digits.slice(0, 2)}:${(digits.slice(2, 4) || '00')}`;
  }
  const year = m[1]!.length > 10 ? `+${m[1]!.slice(0, -6).padStart(6, '0')}${m[1]!.slice(-6)}` : m[1];
  return `${year}T${m[2]}${frac}${zone}`;
}

const DAY_MS = 86_400_000;
const MAX_DATE_MS = 8.64e15;
const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const THREE_DIGITS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
let cachedDay = NaN;
let cachedDayText = '';

/**
 * Milliseconds since the epoch as ISO-8601 UTC, exactly as `Date#toISOString()` writes it.
 * Formatting a Date is the costliest step of reading timestamps; rows of a batch mostly share a day,
 * so the calendar part is formatted once per day and the time of day is composed from tables.
 */
export function timestampFromMillis(ms: number): string {
  // Fractions, NaN and times beyond Date's range keep Date's own behaviour (truncation, RangeError).
  if (!Number.isInteger(ms) || ms > MAX_DATE_MS || ms < -MAX_DATE_MS) return new Date(ms).toISOString();
  const day = Math.floor(ms / DAY_MS);
  if (day !== cachedDay) {
    const text = new Date(day * DAY_MS).toISOString();
    cachedDayText = text.slice(0, text.indexOf('T') + 1);
    cachedDay = day;
  }
  let rest = ms - day * DAY_MS;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  rest -= seconds * 1000;
  return `${cachedDayText}${TWO_DIGITS[hours]}:${TWO_DIGITS[minutes]}:${TWO_DIGITS[seconds]}.${THREE_DIGITS[rest]}Z`;
}

/** A decimal held as a scaled integer (value / 10^scale) as its exact text: `-5n, 2` is "-0.05". */
export function decimalText(scaled: bigint | number, scale: number): string {
  if (scale === 0) return String(scaled);
  const negative = scaled < 0;
  // Number arithmetic is exact within 2^53 and several times faster than bigint division.
  if (typeof scaled === 'number' || (scaled <= MAX_SAFE && scaled >= MIN_SAFE)) {
    const abs = Math.abs(Number(scaled));
    const factor = 10 ** scale;
    const whole = Math.floor(abs / factor);
    return `${negative ? '-' : ''}${whole}.${String(abs - whole * factor).padStart(scale, '0')}`;
  }
  const digits = (negative ? -scaled : scaled).toString().padStart(scale + 1, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

/** Bytes as base64. */
export function binaryValue(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
