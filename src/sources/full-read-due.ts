import { Cron } from 'croner';

/** When a full read of an incremental stream is due under a sync's `full_refresh` schedule. */
export interface FullReadDueOptions {
  /** The `full_refresh` cron expression. */
  schedule: string;
  /** When the last full read started (ISO), or null when none is recorded. */
  lastFullRead: string | null;
  /** When this run started. */
  at: Date;
  /** The IANA zone the expression is read in, as the scheduler reads `schedule`. */
  timezone: string;
}

/**
 * One rule, so a user can predict it: a read is full when no full read started at or after the latest tick of the
 * schedule (at or before this run's start). The first run after each tick reads in full — a scheduled run at the
 * tick itself, or any later run when that one did not happen or failed — and the runs after it read incrementally.
 */
export function fullReadDue(options: FullReadDueOptions): boolean {
  if (options.lastFullRead === null) return true;
  const cron = new Cron(options.schedule, { timezone: options.timezone, paused: true });
  try {
    // A run started exactly at a tick counts that tick as passed (croner looks strictly before its reference).
    const [tick] = cron.previousRuns(1, new Date(options.at.getTime() + 1));
    return tick !== undefined && Date.parse(options.lastFullRead) < tick.getTime();
  } finally {
    cron.stop();
  }
}
