import type { RunRecord, ShownStatus } from '../../../src/api/runs.js';

/** partial: a finished run that delivered some rows while others failed or were invalid (12 of 13 is not plain failed). */
export function shownStatus(run: Pick<RunRecord, 'status' | 'counts'>): ShownStatus {
  const { delivered = 0, failed = 0, invalid = 0 } = run.counts ?? {};
  if ((run.status === 'succeeded' || run.status === 'failed') && delivered > 0 && failed + invalid > 0) return 'partial';
  return run.status;
}
