import type { NotificationAttempt } from '../api/notifications.js';

export type { NotificationAttempt, NotificationStatus } from '../api/notifications.js';

/** The notifications of runs: one small record per attempt. */
export interface NotificationStore {
  /** Keeps one attempt with its run. */
  recordNotification(attempt: NotificationAttempt): Promise<void>;
  /** The attempts of these runs, in the order they were made (at most `limit`, default 1000). */
  listNotifications(runIds: readonly string[], options?: { limit?: number }): Promise<NotificationAttempt[]>;
}
