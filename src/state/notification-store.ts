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

/** The notifications of runs: one small record per attempt. */
export interface NotificationStore {
  /** Keeps one attempt with its run. */
  recordNotification(attempt: NotificationAttempt): Promise<void>;
  /** The attempts of these runs, in the order they were made (at most `limit`, default 1000). */
  listNotifications(runIds: readonly string[], options?: { limit?: number }): Promise<NotificationAttempt[]>;
}
