import { hash } from 'node:crypto';
import { FINGERPRINT_HASH } from '../../state/ledger-store.js';
import type { Row } from '../../rows/row.js';
import { stringifyRow } from './stringify-row.js';

// A record's fingerprint is the md5 (hex) of its mapped row's JSON text (stringifyRow). The ledger keeps the
// fingerprint of each delivered version and every plan compares it with the row read now: computing it any other way
// would make every user's next run resend every record. Its two forms below must agree byte for byte.

/** The fingerprint of a mapped row (JS form). */
export function fingerprint(row: Row): string {
  return fingerprintOfText(stringifyRow(row));
}

/** The fingerprint of a row's JSON text as stringifyRow wrote it (for a caller that keeps the text too). */
export function fingerprintOfText(rowText: string): string {
  // The one-shot hash: a Hash object per row cost twice as much.
  return hash(FINGERPRINT_HASH, rowText);
}

/** The fingerprint in DuckDB SQL (the plan workspace's form), of an expression giving the row's JSON text. */
export function fingerprintSql(rowJson: string): string {
  return `md5(${rowJson})`;
}
