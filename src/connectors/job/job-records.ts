import type { HttpResponse } from '../../http/http-response.js';
import { selectRecords } from '../paginate.js';
import { parseCsv } from './parse-csv.js';

/** How a job's answer is read: as the format says, else CSV when its Content-Type is text/csv, else JSON. */
export function isCsvAnswer(response: HttpResponse, format: 'json' | 'csv' | undefined): boolean {
  if (format !== undefined) return format === 'csv';
  return /^\s*(?:text|application)\/csv\b/i.test(response.headers['content-type'] ?? '');
}

/**
 * The records of a job's answer: a CSV body's rows (fields as strings; `who` names the request in a parse error), or
 * the JSON body's records at `path`.
 */
export function jobRecords(response: HttpResponse, format: 'json' | 'csv' | undefined, path: string, who: string): Record<string, unknown>[] {
  if (!isCsvAnswer(response, format)) return selectRecords(response.body, path);
  try {
    return parseCsv(response.text);
  } catch (e) {
    throw new Error(`${who}: the answer is not CSV as expected: ${e instanceof Error ? e.message : String(e)}`);
  }
}
