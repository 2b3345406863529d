/** A moment as a clock on the wall of one time zone reads it. */
export interface WallClock {
  year: number;
  /** 1-12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
  /** Minutes east of UTC at that moment (540 for Asia/Tokyo). */
  offsetMinutes: number;
  timeZone: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The wall clock of `timeZone` (IANA, e.g. Asia/Tokyo) at `instant`; a RangeError for an unknown zone. */
export function toWallClock(instant: Date, timeZone: string): WallClock {
  let fmt = formatters.get(timeZone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, fmt);
  }
  const parts = Object.fromEntries(fmt.formatToParts(instant).map((p) => [p.type, p.value]));
  const ms = ((instant.getTime() % 1000) + 1000) % 1000;
  const wall = {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
    millisecond: ms,
  };
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second, ms);
  return { ...wall, offsetMinutes: Math.round((asUtc - instant.getTime()) / 60_000), timeZone };
}

const OFFSET = /^([+-]?)(\d+)([smhdwMy])$/;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000 };

/**
 * `instant` shifted by an offset such as -1d, +2h, -30m, 1w, 1M, 1y, read on the wall clock of `timeZone`.
 * Seconds, minutes and hours move the instant; days, weeks, months and years move the calendar date, so
 * "-1d" is yesterday's date even across a DST change; a month shift clamps to the month's last day (Mar 31 -1M = Feb 28).
 */
export function shiftedWallClock(instant: Date, offset: string | undefined, timeZone: string): WallClock {
  const m = offset ? OFFSET.exec(offset) : null;
  if (!m) {
    if (offset) throw new Error(`invalid offset "${offset}" (an offset looks like -1d, +2h, -30m, 1w, 1M or 1y)`);
    return toWallClock(instant, timeZone);
  }
  const n = (m[1] === '-' ? -1 : 1) * Number(m[2]);
  const unit = m[3]!;
  if (UNIT_MS[unit]) return toWallClock(new Date(instant.getTime() + n * UNIT_MS[unit]!), timeZone);
  const wall = toWallClock(instant, timeZone);
  if (unit === 'd' || unit === 'w') {
    const date = new Date(Date.UTC(wall.year, wall.month - 1, wall.day + n * (unit === 'w' ? 7 : 1)));
    return { ...wall, year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
  }
  const months = wall.year * 12 + (wall.month - 1) + n * (unit === 'y' ? 12 : 1);
  const year = Math.floor(months / 12);
  const month = (months % 12) + 1;
  const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return { ...wall, year, month, day: Math.min(wall.day, lastDay) };
}
