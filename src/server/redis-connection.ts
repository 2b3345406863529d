/** The Redis URL of the run queue: SLUICE_REDIS_URL, default redis://127.0.0.1:6379. */
export function redisUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.SLUICE_REDIS_URL || 'redis://127.0.0.1:6379';
}

/** BullMQ connection options for a URL (workers need maxRetriesPerRequest: null to block on the queue). */
export function redisConnection(url: string): { url: string; maxRetriesPerRequest: null } {
  return { url, maxRetriesPerRequest: null };
}
