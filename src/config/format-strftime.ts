import type { WallClock } from './wall-clock.js';

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/**
 * Formats a wall clock with strftime directives: %Y %y %m %d %e %H %I %M %S %L (ms) %p %j %a %A %b %B %u %w
 * %z (+0900) %Z (zone name) %s (epoch seconds) %F (%Y-%m-%d) %T (%H:%M:%S) %%; `%-d` drops the padding.
 * An unknown directive is an Error naming it.
 */
export function formatStrftime(wall: WallClock, format: string): string {
  const dateUtc = Date.UTC(wall.year, wall.month - 1, wall.day);
  const weekday = new Date(dateUtc).getUTCDay();
  const pad = (n: number, width: number, noPad: boolean) => (noPad ? String(n) : String(n).padStart(width, '0'));
  return format.replace(/%(-?)(.)/g, (whole, flag: string, d: string) => {
    const noPad = flag === '-';
    switch (d) {
      case 'Y': return String(wall.year);
      case 'y': return pad(wall.year % 100, 2, noPad);
      case 'm': return pad(wall.month, 2, noPad);
      case 'd': return pad(wall.day, 2, noPad);
      case 'e': return noPad ? String(wall.day) : String(wall.day).padStart(2, ' ');
      case 'H': return pad(wall.hour, 2, noPad);
      case 'I': return pad(wall.hour % 12 || 12, 2, noPad);
      case 'M': return pad(wall.minute, 2, noPad);
      case 'S': return pad(wall.second, 2, noPad);
      case 'L': return pad(wall.millisecond, 3, false);
      case 'p': return wall.hour < 12 ? 'AM' : 'PM';
      case 'j': return pad(Math.round((dateUtc - Date.UTC(wall.year, 0, 1)) / 86_400_000) + 1, 3, noPad);
      case 'a': return DAYS[weekday]!.slice(0, 3);
      case 'A': return DAYS[weekday]!;
      case 'b': return MONTHS[wall.month - 1]!.slice(0, 3);
      case 'B': return MONTHS[wall.month - 1]!;
      case 'u': return String(weekday || 7);
      case 'w': return String(weekday);
      case 'z': {
        const abs = Math.abs(wall.offsetMinutes);
        return `${wall.offsetMinutes < 0 ? '-' : '+'}${pad(Math.floor(abs / 60), 2, false)}${pad(abs % 60, 2, false)}`;
      }
      case 'Z': return wall.timeZone;
      case 's': {
        const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
        return String(Math.floor((asUtc - wall.offsetMinutes * 60_000) / 1000));
      }
      case 'F': return `${wall.year}-${pad(wall.month, 2, false)}-${pad(wall.day, 2, false)}`;
      case 'T': return `${pad(wall.hour, 2, false)}:${pad(wall.minute, 2, false)}:${pad(wall.second, 2, false)}`;
      case '%': return '%';
      default: throw new Error(`unknown strftime directive "${whole}" in format "${format}" (known: %Y %m %d %H %M %S %L %z %j %a %b %F %T ...)`);
    }
  });
}
