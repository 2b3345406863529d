import type { HttpConnection } from '../open-http-connection.js';

/** The connection with `job` added to every template context (the batch's request of a job endpoint sees it). */
export function withJob(connection: HttpConnection, job: unknown): HttpConnection {
  return { ...connection, context: (extra) => connection.context({ job, ...extra } as typeof extra & { job: unknown }) };
}

/**
 * The job as a preview shows it before one exists: any field reads as its own name in braces (`{job.id}`), so a
 * path such as /jobs/{{ job.id }}/batches renders to /jobs/{job.id}/batches instead of failing on an unknown field.
 */
export const pendingJob: Record<string, string> = new Proxy({} as Record<string, string>, {
  get: (_target, key) => (typeof key === 'string' ? `{job.${key}}` : undefined),
  has: (_target, key) => typeof key === 'string',
  getOwnPropertyDescriptor: (_target, key) =>
    typeof key === 'string' ? { value: `{job.${key}}`, writable: false, enumerable: true, configurable: true } : undefined,
});
