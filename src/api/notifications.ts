// A sync's notifications as the API returns them (GET /api/syncs/:name/notifications).
import type { RunRecord } from './runs.js';

/** How one attempt at a notification ended. */
export type NotificationStatus = 'delivered' | 'retrying' | 'failed';

/** One attempt at telling a `notify:` target how a run ended, kept with the run. */
export interface NotificationAttempt {
  runId: string;
  /** The target as `notify[0] webhook https://hooks.example.com` or `notify[1] slack.post_message`: never a secret, nor a URL's path or query. */
  target: string;
  /** The conditions of `on:` the run met, as written: `failed, rejected_over: 5%`. */
  conditions: string;
  /** 1 for the first attempt. */
  attempt: number;
  /** delivered; retrying (this attempt failed, another follows); failed (nothing more will be tried). */
  status: NotificationStatus;
  /** The HTTP status of the answer, when there was one. */
  httpStatus: number | null;
  /** Why it failed, masked and bounded; null once delivered. */
  error: string | null;
  /** When the attempt ended (ISO-8601). */
  at: string;
}

/** The most runs one call lists the notifications of. */
export const MAX_NOTIFICATION_RUNS = 50;

/** GET /api/syncs/:name/notifications: the sync's last runs (newest first) and every attempt at their notifications, in order. */
export interface SyncNotifications {
  runs: RunRecord[];
  notifications: NotificationAttempt[];
}
