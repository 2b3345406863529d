import { describe, expect, it } from 'vitest';
import { MAX_READ_RUN_END_CHARS, readRunEnd, runEndMessage, runEndTemplates, withRunEndCode, type RunEndCode, type RunEndParams } from '../../src/sync/run-end-messages.js';
import { stoppedBecause, whyStopped } from '../../src/sync/sweep-stale-runs.js';

/** Each run end the engine makes, with the exact English text users of the CLI, logs and tests have always read. */
const made: [RunEndCode, RunEndParams, string][] = [
  ['failed_rows', { failed: 1, planned: 3, limit: '0' }, '1 of 3 rows failed (on_error.max_failed_rows: 0)'],
  ['failed_rows', { failed: 12, planned: 40, limit: '25%' }, '12 of 40 rows failed (on_error.max_failed_rows: 25%)'],
  ['failed_again', { failed: 2, planned: 2 }, '2 of 2 rows failed again'],
  ['invalid_rows', { invalid: 1, planned: 5, limit: '0' }, '1 of 5 rows invalid (on_error.max_invalid_rows: 0)'],
  ['invalid_again', { invalid: 3, planned: 9 }, '3 of 9 rows invalid again'],
  ['api_unavailable', { detail: 'connection refused by 127.0.0.1:8080 after 5 attempts' }, 'the API is unavailable: connection refused by 127.0.0.1:8080 after 5 attempts'],
  ['stopped_lost_contact', {}, 'the run stopped without finishing (its process ended or lost contact)'],
  ['stopped_lease_expired', { at: '2026-12-08T00:00:00.000Z' }, 'the run stopped without finishing (its process ended or lost contact; lease expired at 2026-12-08T00:00:00.000Z)'],
  ['stopped_process_ended', { pid: 4242, host: 'worker-1' }, 'the run stopped without finishing (its process 4242 on worker-1 ended)'],
  ['lease_taken', { lease: 'sync:customers' }, 'the run lost its lease on sync:customers: it expired and another run took it over; it stopped so that two runs never send the same rows'],
  ['lease_taken_by_attempt', { lease: 'sync:customers#2' }, 'the run lost its lease on sync:customers#2: it expired and another attempt took it over; it stopped so that two runs never send the same rows'],
  ['lease_not_renewed_because', { lease: 'sync:a', detail: 'connect ECONNREFUSED (127.0.0.1:5432)' }, 'the run could not renew its lease on sync:a before it expired (connect ECONNREFUSED (127.0.0.1:5432)); it stopped so that two runs never send the same rows'],
  ['lease_not_renewed', { lease: 'sync:a' }, 'the run could not renew its lease on sync:a before it expired; it stopped so that two runs never send the same rows'],
  ['ended_meanwhile_because', { status: 'failed', detail: '1 of 3 rows failed (on_error.max_failed_rows: 0)' }, 'the run ended meanwhile (failed: 1 of 3 rows failed (on_error.max_failed_rows: 0)); it stopped so that two runs never send the same rows'],
  ['ended_meanwhile', { status: 'cancelled' }, 'the run ended meanwhile (cancelled); it stopped so that two runs never send the same rows'],
  ['partition_unfinished', { partition: 2, partitions: 4 }, 'partition 2 of 4 did not finish'],
  ['queue_job_failed', { detail: 'its job vanished from the queue' }, "the run's queue job failed for good: its job vanished from the queue"],
  ['step_failed', { step: 'orders', detail: 'the API is unavailable: 503 Service Unavailable after 2 attempts' }, 'step "orders" failed: the API is unavailable: 503 Service Unavailable after 2 attempts'],
  ['write_back_failed', { sync: 'contacts', table: 'crm_results', connection: 'warehouse', count: 1, detail: 'duplicate key' }, 'sync contacts: write_back to table crm_results (connection warehouse) failed for 1 row: duplicate key; every delivery is recorded in the ledger (sluice sync records contacts)'],
  ['write_back_failed', { sync: 'contacts', table: 'crm_results', connection: 'warehouse', count: 3, detail: 'duplicate key' }, 'sync contacts: write_back to table crm_results (connection warehouse) failed for 3 rows: duplicate key; every delivery is recorded in the ledger (sluice sync records contacts)'],
  ['cancelled', {}, 'the run was cancelled'],
];

describe('the run end messages, made and read back from one table', () => {
  it('has an example of every code', () => {
    expect(new Set(made.map(([code]) => code))).toEqual(new Set(Object.keys(runEndTemplates)));
  });

  it.each(made)('%s: makes the English text, and reads it back to the same code and params', (code, params, text) => {
    expect(runEndMessage(code, params)).toBe(text);
    expect(readRunEnd(text)).toEqual({ code, params });
  });

  it('reads what the stale-run sweep writes', () => {
    const process = { host: 'worker-1', pid: 4242, scope: null };
    const expired = { name: 'sync:a', owner: 'run_1', acquiredAt: '2026-12-07T23:59:00.000Z', expiresAt: '2026-12-08T00:00:00.000Z', expired: true, process };
    expect(readRunEnd(stoppedBecause(expired))).toEqual({ code: 'stopped_lease_expired', params: { at: '2026-12-08T00:00:00.000Z' } });
    expect(readRunEnd(stoppedBecause({ ...expired, expired: false }))).toEqual({ code: 'stopped_process_ended', params: { pid: 4242, host: 'worker-1' } });
    const counts = { planned: 0, added: 0, changed: 0, removed: 0, unchanged: 0, delivered: 0, failed: 0, invalid: 0 };
    const old = { id: 'run_1', kind: 'sync' as const, name: 'a', status: 'running' as const, trigger: 'cli', startedAt: '2020-01-01T00:00:00.000Z', finishedAt: null, counts, error: null, attempt: 1 };
    expect(readRunEnd(whyStopped(old, null, 1000)!)).toEqual({ code: 'stopped_lost_contact', params: {} });
  });

  it("reads no code from another text (a database's or an API's own message)", () => {
    for (const text of ['relation "orders" does not exist', 'the API is unavailable', '1 of 3 rows failed', 'x of 3 rows failed again', 'step orders failed: x', ''])
      expect(readRunEnd(text)).toBeNull();
    expect(withRunEndCode({ error: 'relation "orders" does not exist' })).toEqual({ error: 'relation "orders" does not exist' });
    expect(withRunEndCode({ error: null })).toEqual({ error: null });
    expect(withRunEndCode({ error: 'partition 1 of 2 did not finish' })).toEqual({ error: 'partition 1 of 2 did not finish', errorCode: 'partition_unfinished', errorParams: { partition: 1, partitions: 2 }, errorDetail: null });
    // A pipeline step's error holds its sync's: both are read.
    expect(withRunEndCode({ error: 'step "orders" failed: 1 of 3 rows failed (on_error.max_failed_rows: 0)' })).toMatchObject({
      errorCode: 'step_failed',
      errorParams: { step: 'orders', detail: '1 of 3 rows failed (on_error.max_failed_rows: 0)' },
      errorDetail: { code: 'failed_rows', params: { failed: 1, planned: 3, limit: '0' } },
    });
  });

  it('needs every param it names', () => {
    expect(() => runEndMessage('failed_rows', { failed: 1, planned: 3 })).toThrow('run end failed_rows needs the param limit');
  });
});

describe('hostile values in a run end', () => {
  const hostile = [
    '{{ row.secret }} {detail} {limit}',
    '<img src=x onerror=alert(1)><script>alert("x")</script>',
    `a "quoted" name with 'single' quotes and a ) paren; and : colons`,
    'line one\nline two\r\n(with a newline)',
    'x'.repeat(4_000),
  ];

  it.each(hostile.map((v) => [v.slice(0, 30), v]))('keeps %j as it was, with no placeholder expanded from it', (_shown, value) => {
    for (const [code, params] of [
      ['api_unavailable', { detail: value }],
      ['step_failed', { step: value, detail: value }],
      ['lease_not_renewed_because', { lease: 'sync:a', detail: value }],
      ['write_back_failed', { sync: 'contacts', table: 'crm_results', connection: 'warehouse', count: 2, detail: value }],
    ] as [RunEndCode, RunEndParams][]) {
      const text = runEndMessage(code, params);
      expect(text).toContain(value);
      expect(readRunEnd(text)).toEqual({ code, params });
    }
  });

  it('reads no text longer than its bound, and texts built to make the patterns backtrack in bounded time', () => {
    expect(readRunEnd(`the API is unavailable: ${'x'.repeat(MAX_READ_RUN_END_CHARS)}`)).toBeNull();
    const started = performance.now();
    const piece = 'sync a: write_back to table b (connection c) failed for 1 rows: ; every delivery is recorded in the ledger (sluice sync records ';
    const long = piece.repeat(Math.floor(MAX_READ_RUN_END_CHARS / piece.length));
    expect(long.length).toBeLessThanOrEqual(MAX_READ_RUN_END_CHARS);
    expect(readRunEnd(long)).toBeNull();
    for (const text of [
      `step "${'" failed: '.repeat(990)}`,
      `the run ended meanwhile (failed: ${'); it stopped so that two runs never send the same rows'.repeat(170)}`,
      `the run could not renew its lease on a before it expired (${')'.repeat(9000)}`,
      `the run lost its lease on ${': it expired and another run took it over'.repeat(230)}`,
    ]) {
      expect(text.length).toBeLessThanOrEqual(MAX_READ_RUN_END_CHARS);
      // Each may read as some code or none: what matters is the time it takes.
      readRunEnd(text);
    }
    expect(performance.now() - started).toBeLessThan(500);
  });
});
