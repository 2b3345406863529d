// A sync's notifications as the API returns them (GET /api/syncs/:name/notifications).
import type { NotificationAttempt } from '../state/notification-store.js';
import type { RunRecord } from './runs.js';

export type { NotificationAttempt, NotificationStatus } from '../state/notification-store.js';

/** The most runs one call lists the notifications of. */
export const MAX_NOTIFICATION_RUNS = 50;

/** GET /api/syncs/:name/notifications: the sync's last runs (newest first) and every attempt at their notifications, in order. */
export interface SyncNotifications {
  runs: RunRecord[];
  notifications: NotificationAttempt[];
}
