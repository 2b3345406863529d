import { didYouMean } from '../config/closest-match.js';
import { HttpError } from './http-error.js';

/** The named entry of a project section, or a 404 naming the known ones. */
export function findEntry<T>(entries: Record<string, T>, name: string, what: string): T {
  // Own entries only: `constructor` or `__proto__` must not find what every object inherits.
  const entry = Object.hasOwn(entries, name) ? entries[name] : undefined;
  if (entry !== undefined) return entry;
  const names = Object.keys(entries);
  throw new HttpError(404, `no ${what} named "${name}"${didYouMean(name, names)}${names.length ? ` (${what}s: ${names.join(', ')})` : ''}`, { code: 'unknown_name', params: { what, name } });
}
