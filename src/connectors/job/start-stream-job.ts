import type { StreamJob } from '../../config/connector-schema.js';
import type { ResponseRule } from '../../http/request-policy.js';
import type { HttpConnection } from '../open-http-connection.js';
import { JobRequestError, sendJobRequest, updatedJob } from './job-request.js';
import { abortJob } from './abort-job.js';
import { JobFailedError, JobTimeoutError, pollJob } from './poll-job.js';

/**
 * Creates a stream's job and waits until it is done (`job.create`, then `job.poll`), for its records to be downloaded:
 * the job variable the download sees. Every failure is an Error naming the stream: the API refused a request, said
 * the job failed, or it was not done in time.
 */
export async function startStreamJob(options: {
  http: HttpConnection;
  job: StreamJob;
  stream: string;
  context: object;
  rules: readonly ResponseRule[];
  signal?: AbortSignal;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}): Promise<unknown> {
  const { http, job, context, rules, signal } = options;
  const who = `stream ${options.stream}`;
  const now = options.now ?? Date.now;
  const startedAt = now();
  let first: unknown;
  try {
    const created = await sendJobRequest(http, job.create, context, { what: `${who}: job.create`, rules, signal });
    first = updatedJob(undefined, created);
    const polled = await pollJob({
      http, poll: job.poll, request: job.poll.request ?? job.download, job: first, context, who, rules, startedAt, signal, now, sleep: options.sleep,
    });
    return polled.job;
  } catch (e) {
    // A cancelled read gives its job up before it ends.
    if (signal?.aborted) {
      await abortJob({ http, abort: job.abort, job: first, who, rules, message: '' });
      throw e;
    }
    if (e instanceof JobFailedError) throw new Error(`${who}: ${e.message}`);
    // The job was created but will not be read: give it up, as far as the API lets us.
    if (e instanceof JobTimeoutError || e instanceof JobRequestError) throw new Error(await abortJob({ http, abort: job.abort, job: first, who, rules, message: e.message }));
    throw e;
  }
}
