import type { JobPoll, JobRequest } from '../../config/connector-schema.js';
import type { HttpResponse } from '../../http/http-response.js';
import type { ResponseRule } from '../../http/request-policy.js';
import { sleep as defaultSleep } from '../../http/sleep.js';
import type { HttpConnection } from '../open-http-connection.js';
import { responseOf, sendJobRequest, updatedJob } from './job-request.js';

/** The API said the job failed (poll.failed held): its message, for the records of a write or the read's error. */
export class JobFailedError extends Error {
  override name = 'JobFailedError';
}

/** The job was not done within poll.timeout_ms (or poll.max_polls). */
export class JobTimeoutError extends Error {
  override name = 'JobTimeoutError';
}

/** What polling ends with: the job variable (updated by every answer) and the last answer, the one meeting until. */
export interface PolledJob {
  job: unknown;
  response: HttpResponse;
  polls: number;
}

/** How many characters of the last answer a timeout quotes. */
const EXCERPT = 300;

/**
 * Asks for the job's state every `interval_ms` until `until` holds (done), `failed` holds (JobFailedError with the
 * API's message), or `timeout_ms` from `startedAt` passes (JobTimeoutError naming the job and its last answer).
 * `who` names the stream or endpoint in messages; `request` is poll.request, or what to repeat without one.
 */
export async function pollJob(options: {
  http: HttpConnection;
  poll: JobPoll;
  request: JobRequest;
  job: unknown;
  context: object;
  who: string;
  rules: readonly ResponseRule[];
  startedAt: number;
  signal?: AbortSignal;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}): Promise<PolledJob> {
  const { http, poll, who } = options;
  const now = options.now ?? Date.now;
  const wait = options.sleep ?? defaultSleep;
  const deadline = options.startedAt + poll.timeout_ms;
  let job = options.job;
  for (let polls = 1; ; polls++) {
    const context = { ...options.context, job };
    const response = await sendJobRequest(http, options.request, context, { what: `${who}: job.poll`, rules: options.rules, signal: options.signal });
    job = updatedJob(job, response);
    const seen = { ...options.context, job, response: responseOf(response) };
    if (poll.failed !== undefined && http.templates.evaluate(poll.failed, seen, 'job.poll.failed')) {
      const said = poll.error === undefined ? '' : http.templates.render(poll.error, seen, 'text', { role: 'job.poll.error', strict: false }).trim();
      const message = said || http.errorMessage(response) || excerpt(response.text);
      throw new JobFailedError(http.redactor.mask(`job ${jobName(job)}failed: ${message}`));
    }
    if (http.templates.evaluate(poll.until, seen, 'job.poll.until')) return { job, response, polls };
    const left = deadline - now();
    if (left <= 0 || polls >= poll.max_polls) {
      const bound = left <= 0 ? `after ${poll.timeout_ms} ms (job.poll.timeout_ms)` : `after ${polls} polls (job.poll.max_polls)`;
      throw new JobTimeoutError(http.redactor.mask(`${who}: job ${jobName(job)}is not done ${bound}; its last answer: ${excerpt(response.text)}`));
    }
    await wait(Math.min(poll.interval_ms, left), options.signal);
  }
}

/** `<id> ` when the job variable has an id, for messages. */
function jobName(job: unknown): string {
  const id = job !== null && typeof job === 'object' ? (job as Record<string, unknown>).id : undefined;
  return typeof id === 'string' || typeof id === 'number' ? `${String(id).slice(0, 100)} ` : '';
}

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat === '') return '(empty body)';
  return flat.length > EXCERPT ? `${flat.slice(0, EXCERPT)}...` : flat;
}
