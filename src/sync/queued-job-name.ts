/**
 * The state value under which a server keeps the job of a run it put on the Redis queue. Its presence also says that
 * the queue, not the lease sweep, decides when that run has stopped: a worker resumes it after a crash.
 */
export function queuedJobName(runId: string): string {
  return `queued-job:${runId}`;
}
