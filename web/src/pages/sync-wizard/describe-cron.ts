import { Cron } from 'croner';
import type { MessageKey } from '../../i18n.js';

type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

const DAY_NAMES: Record<string, string[]> = {
  en: ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'],
  ja: ['日曜', '月曜', '火曜', '水曜', '木曜', '金曜', '土曜'],
};

const isNumber = (s: string) => /^\d+$/.test(s);
const twoDigits = (s: string) => s.padStart(2, '0');

/**
 * A cron expression in words for the common shapes (every N minutes, hourly, daily, weekdays, weekly, monthly);
 * "A custom schedule" for the rest, whose next times (nextRuns) then say what it means.
 */
export function describeCron(expression: string, t: Translate, lang: string): string {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5) return t('schedule.custom');
  const [minute, hour, day, month, weekday] = parts as [string, string, string, string, string];
  const time = isNumber(minute) && isNumber(hour) ? `${twoDigits(hour)}:${twoDigits(minute)}` : null;
  if (month !== '*') return t('schedule.custom');
  if (day === '*' && weekday === '*') {
    if (minute === '*' && hour === '*') return t('schedule.everyMinute');
    const everyMinutes = /^\*\/(\d+)$/.exec(minute);
    if (everyMinutes && hour === '*') return t('schedule.everyNMinutes', { n: everyMinutes[1]! });
    if (isNumber(minute) && hour === '*') return t('schedule.hourlyAt', { minute: twoDigits(minute) });
    const everyHours = /^\*\/(\d+)$/.exec(hour);
    if (everyHours && isNumber(minute)) return t('schedule.everyNHours', { n: everyHours[1]!, minute: twoDigits(minute) });
    if (time) return t('schedule.dailyAt', { time });
  }
  if (time && day === '*' && weekday !== '*') {
    if (weekday === '1-5') return t('schedule.weekdaysAt', { time });
    const days = weekday.split(',');
    if (days.every((d) => /^[0-7]$/.test(d))) {
      const names = DAY_NAMES[lang] ?? DAY_NAMES.en!;
      return t('schedule.weeklyAt', { days: days.map((d) => names[Number(d) % 7]).join(lang === 'ja' ? '・' : ', '), time });
    }
  }
  if (time && isNumber(day) && weekday === '*') return t('schedule.monthlyAt', { day, time });
  return t('schedule.custom');
}

/** The next times a cron expression runs in a zone (ISO), or the reason it is not one. */
export function nextRuns(expression: string, timezone: string | undefined, count = 3): { times: Date[] } | { error: string } {
  try {
    const cron = new Cron(expression, { timezone, paused: true });
    return { times: cron.nextRuns(count) };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * A run time on the clock its cron expression is read on, the schedule's zone ("Wed, 9 Dec 2026, 08:30" for 08:30 in
 * Asia/Tokyo, wherever the browser is); the browser's clock for a zone the browser does not know.
 */
export function runTimeIn(time: Date | string, zone: string | undefined, lang: string): string {
  const options = { weekday: 'short', year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' } as const;
  const locale = lang === 'ja' ? 'ja-JP' : 'en-GB';
  try {
    return new Date(time).toLocaleString(locale, { ...options, timeZone: zone });
  } catch {
    return new Date(time).toLocaleString(locale, options);
  }
}

/** The IANA zones the browser knows (UTC first), for the time zone select. */
export function timeZones(): string[] {
  const all = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return ['UTC', ...all.filter((z) => z !== 'UTC')];
}
