// Schedules as `GET /api/schedules` lists them.
import type { RunRecord } from './runs.js';

/** A scheduled sync or pipeline: its cron, the zone it is read in, its next runs, whether it is paused. */
export interface ScheduleSummary {
  kind: 'sync' | 'pipeline';
  name: string;
  schedule: string;
  /** The IANA zone the cron expression is read in (SLUICE_TIMEZONE, default UTC). */
  timezone: string;
  /** The next three times it would run (ISO), paused or not; empty when the expression has no future time. */
  nextRuns: string[];
  /** When it was paused (ISO); null while it runs on schedule. */
  pausedAt: string | null;
  lastRun: RunRecord | null;
  /** The run going on now, if any. */
  runningRunId: string | null;
}
