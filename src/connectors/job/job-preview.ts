import type { Endpoint, JobRequest } from '../../config/connector-schema.js';
import type { HttpConnection } from '../open-http-connection.js';
import { renderJobRequest } from './job-request.js';
import { pendingJob } from './with-job.js';

/**
 * The batch request of a job endpoint as a preview shows it: with the job's other requests around it (create before,
 * close, poll and results after), the job's fields shown as {job.id}, so a preview says everything a run will send.
 */
export async function previewJob(connection: HttpConnection, endpoint: Endpoint, rows: readonly unknown[], batch: string): Promise<string> {
  const job = endpoint.job!;
  const context = connection.context({ rows, job: pendingJob });
  const curl = async (request: JobRequest): Promise<string> => {
    try {
      return await connection.curl(renderJobRequest(connection, request, context));
    } catch (e) {
      return `# (does not render: ${connection.redactor.mask(e instanceof Error ? e.message : String(e))})`;
    }
  };
  const parts: string[] = [];
  if (job.create) parts.push('# 1. create the job (job.create); its answer is job', await curl(job.create), '# 2. send the batch');
  parts.push(batch);
  if (job.close) parts.push('# then close the job (job.close)', await curl(job.close));
  if (job.poll.request) {
    parts.push(`# then ask for its state every ${job.poll.interval_ms} ms until ${job.poll.until} (at most ${job.poll.timeout_ms} ms)`, await curl(job.poll.request));
  }
  for (const r of job.results ?? []) {
    if (r.url !== undefined) parts.push(`# then read the per-record results at ${r.url}${r.external ? ' (another host: fetched without credentials)' : ''}`);
    else if (r.path !== undefined) parts.push('# then read the per-record results', await curl({ ...r, path: r.path }));
  }
  return parts.join('\n');
}
