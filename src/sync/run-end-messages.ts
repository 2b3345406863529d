// Why a run ended, as its record's `error` says it in English: each text the engine writes there, by a stable code.
// The same table makes the text and reads it back into code and params, so the API can hand the web UI (and any
// client) something to translate without a second copy of the words, and the two cannot drift apart.

/**
 * A param's kind: a count (digits, read back as a number), a word (a status), a name without spaces (a sync's, a
 * table's: it keeps a text with several names from backtracking), or free text (a cause).
 */
type ParamKind = 'count' | 'word' | 'name' | 'text';

interface RunEndTemplate {
  /** The English text; `{name}` marks a param. */
  text: string;
  /** The text when the count param `one` names is 1 (`1 row refused`), when it differs. */
  one?: { param: string; text: string };
  /** Params that are not free text. */
  kinds?: Record<string, Exclude<ParamKind, 'text'>>;
}

const STOPPED_FOR_LEASE = '; it stopped so that two runs never send the same rows';

/** Every text a run's end can be recorded with, by code. Order matters only where two could read the same text. */
export const runEndTemplates = {
  failed_rows: { text: '{failed} of {planned} rows failed (on_error.max_failed_rows: {limit})', kinds: { failed: 'count', planned: 'count' } },
  failed_again: { text: '{failed} of {planned} rows failed again', kinds: { failed: 'count', planned: 'count' } },
  invalid_rows: { text: '{invalid} of {planned} rows invalid (on_error.max_invalid_rows: {limit})', kinds: { invalid: 'count', planned: 'count' } },
  invalid_again: { text: '{invalid} of {planned} rows invalid again', kinds: { invalid: 'count', planned: 'count' } },
  api_unavailable: { text: 'the API is unavailable: {detail}' },
  stopped_lost_contact: { text: 'the run stopped without finishing (its process ended or lost contact)' },
  stopped_lease_expired: { text: 'the run stopped without finishing (its process ended or lost contact; lease expired at {at})' },
  stopped_process_ended: { text: 'the run stopped without finishing (its process {pid} on {host} ended)', kinds: { pid: 'count' } },
  lease_taken: { text: `the run lost its lease on {lease}: it expired and another run took it over${STOPPED_FOR_LEASE}` },
  lease_taken_by_attempt: { text: `the run lost its lease on {lease}: it expired and another attempt took it over${STOPPED_FOR_LEASE}` },
  lease_not_renewed_because: { text: `the run could not renew its lease on {lease} before it expired ({detail})${STOPPED_FOR_LEASE}` },
  lease_not_renewed: { text: `the run could not renew its lease on {lease} before it expired${STOPPED_FOR_LEASE}` },
  ended_meanwhile_because: { text: `the run ended meanwhile ({status}: {detail})${STOPPED_FOR_LEASE}`, kinds: { status: 'word' } },
  ended_meanwhile: { text: `the run ended meanwhile ({status})${STOPPED_FOR_LEASE}`, kinds: { status: 'word' } },
  partition_unfinished: { text: 'partition {partition} of {partitions} did not finish', kinds: { partition: 'count', partitions: 'count' } },
  queue_job_failed: { text: "the run's queue job failed for good: {detail}" },
  step_failed: { text: 'step "{step}" failed: {detail}' },
  write_back_failed: {
    text: 'sync {sync}: write_back to table {table} (connection {connection}) failed for {count} rows: {detail}; every delivery is recorded in the ledger (sluice sync records {sync})',
    one: { param: 'count', text: 'sync {sync}: write_back to table {table} (connection {connection}) failed for {count} row: {detail}; every delivery is recorded in the ledger (sluice sync records {sync})' },
    kinds: { count: 'count', sync: 'name', table: 'name', connection: 'name' },
  },
  // Written by src/server/queued-run-cancel.ts as the abort reason of a cancelled run.
  cancelled: { text: 'the run was cancelled' },
} as const satisfies Record<string, RunEndTemplate>;

export type RunEndCode = keyof typeof runEndTemplates;

/** A run end's params: the names its text marks, each a number (counts) or a string. */
export type RunEndParams = Record<string, string | number>;

/** A run's error as code and params, for a client to say in its own language. */
export interface RunEndReading {
  code: RunEndCode;
  params: RunEndParams;
}

/** The English text of a run end: the template of `code` with its params put in. */
export function runEndMessage(code: RunEndCode, params: RunEndParams = {}): string {
  const template: RunEndTemplate = runEndTemplates[code];
  const text = template.one && params[template.one.param] === 1 ? template.one.text : template.text;
  return text.replace(/\{(\w+)\}/g, (_whole, name: string) => {
    if (!(name in params)) throw new Error(`run end ${code} needs the param ${name}`);
    return String(params[name]);
  });
}

const PARAM_PATTERNS: Record<ParamKind, string> = { count: '(\\d+)', word: '([a-z_]+)', name: '(\\S+?)', text: '([\\s\\S]*?)' };
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A template's text as an anchored pattern, and the params its groups hold, in order. */
function compile(text: string, kinds: Record<string, string> = {}): { pattern: RegExp; names: string[] } {
  const names: string[] = [];
  const seen = new Map<string, number>();
  let source = '';
  let last = 0;
  for (const m of text.matchAll(/\{(\w+)\}/g)) {
    source += escapeRegExp(text.slice(last, m.index));
    const name = m[1]!;
    // A param the text repeats (`{sync}` twice) must read the same both times.
    if (seen.has(name)) source += `\\${seen.get(name)! + 1}`;
    else {
      seen.set(name, names.length);
      names.push(name);
      source += PARAM_PATTERNS[(kinds[name] as ParamKind | undefined) ?? 'text'];
    }
    last = m.index + m[0].length;
  }
  return { pattern: new RegExp(`^${source}${escapeRegExp(text.slice(last))}$`), names };
}

const readers = Object.entries(runEndTemplates as Record<RunEndCode, RunEndTemplate>).flatMap(([code, t]) =>
  [t.text, ...(t.one ? [t.one.text] : [])].map((text) => ({ code: code as RunEndCode, kinds: t.kinds ?? {}, ...compile(text, t.kinds) })),
);

/** Texts longer than this are not read (a run's error is bounded where it is shown; a pattern never scans megabytes). */
export const MAX_READ_RUN_END_CHARS = 10_000;

/** The code and params of a run's error, when the engine made it from the table; null for any other text. */
export function readRunEnd(text: string): RunEndReading | null {
  if (text.length > MAX_READ_RUN_END_CHARS) return null;
  for (const reader of readers) {
    const m = reader.pattern.exec(text);
    if (!m) continue;
    const params: RunEndParams = {};
    reader.names.forEach((name, i) => {
      const value = m[i + 1]!;
      params[name] = reader.kinds[name as keyof typeof reader.kinds] === 'count' ? Number(value) : value;
    });
    return { code: reader.code, params };
  }
  return null;
}

/** What the API adds beside a run's English `error` (src/api/runs.ts says the same for clients). */
export interface RunEndCodes {
  errorCode: RunEndCode | null;
  errorParams: RunEndParams | null;
  /** The code and params of its `detail` param, when that is a run end too (a pipeline step's `1 of 3 rows failed ...`). */
  errorDetail: RunEndReading | null;
}

/**
 * A run record (or outcome) as the API returns it: with its error's code and params beside the English text when the
 * engine made it from this table; unchanged otherwise (no code to give: a client shows `error`).
 */
export function withRunEndCode<T extends { error?: string | null }>(value: T): T & Partial<RunEndCodes> {
  const reading = typeof value.error === 'string' ? readRunEnd(value.error) : null;
  if (!reading) return value;
  const detail = reading.params.detail;
  return { ...value, errorCode: reading.code, errorParams: reading.params, errorDetail: typeof detail === 'string' ? readRunEnd(detail) : null };
}
