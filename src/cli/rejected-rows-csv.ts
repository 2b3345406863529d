import type { RejectedRow } from '../state/state-store.js';

/** The columns of `sluice sync rejected NAME --format csv`, in order; `row` holds the row's columns as JSON text. */
export const REJECTED_CSV_COLUMNS = ['key', 'run_id', 'kind', 'operation', 'error', 'rejected_at', 'row'] as const;

/** Rejected rows as CSV (RFC 4180: CRLF line ends, fields quoted when they hold a comma, a quote, CR or LF). */
export function rejectedRowsCsv(rows: RejectedRow[]): string {
  const lines = [REJECTED_CSV_COLUMNS.join(',')];
  for (const r of rows) {
    // kind: invalid (caught before sending) or rejected (refused by the API or database), as the JSON export says.
    lines.push([r.key, r.runId, r.kind ?? 'rejected', r.operation, r.error, r.rejectedAt, JSON.stringify(r.row)].map(csvField).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}

// A spreadsheet runs a cell starting with one of these as a formula (CSV injection): a leading ' keeps it text.
const FORMULA_START = /^[=+\-@\t\r]/;

function csvField(value: string): string {
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
