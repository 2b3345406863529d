import type { HttpConnection } from '../open-http-connection.js';
import { RawJson } from '../raw-json.js';

/** The connection with `job` added to every template context (the batch's request of a job endpoint sees it). */
export function withJob(connection: HttpConnection, job: unknown): HttpConnection {
  return { ...connection, context: (extra) => connection.context({ job, ...extra } as typeof extra & { job: unknown }) };
}

/**
 * The job as a preview shows it before one exists: any field, at any depth, reads as its own name in braces
 * (`{job.id}`, `{job.job_status.id}`), so a path such as /jobs/{{ job.id }}/batches renders to /jobs/{job.id}/batches
 * instead of failing on an unknown field.
 */
export const pendingJob: Record<string, unknown> = pending('job');

function pending(name: string): Record<string, unknown> {
  const text = `{${name}}`;
  // Written as its text wherever it is output (a RawJson is output as it is, in every render mode).
  const raw = new RawJson(text);
  const field = (key: string | symbol): unknown => {
    if (key === 'text') return text;
    if (key === 'toJSON') return raw.toJSON.bind(raw);
    if (key === Symbol.toPrimitive || key === 'toString' || key === 'valueOf') return () => text;
    return typeof key === 'string' ? pending(`${name}.${key}`) : undefined;
  };
  return new Proxy(raw as unknown as Record<string, unknown>, {
    get: (_target, key) => field(key),
    has: (_target, key) => typeof key === 'string',
    getOwnPropertyDescriptor: (_target, key) => (typeof key === 'string' ? { value: field(key), writable: false, enumerable: true, configurable: true } : undefined),
  });
}
