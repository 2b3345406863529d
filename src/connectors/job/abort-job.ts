import type { JobRequest } from '../../config/connector-schema.js';
import type { ResponseRule } from '../../http/request-policy.js';
import type { HttpConnection } from '../open-http-connection.js';
import { sendJobRequest } from './job-request.js';

/**
 * Gives a job up (`job.abort`) when a read or write stops before the job's end, so it neither runs on nor counts
 * against the API's limits. The message of the failure that stopped it comes back, with why the abort failed if it did.
 */
export async function abortJob(options: {
  http: HttpConnection;
  abort: JobRequest | undefined;
  job: unknown;
  who: string;
  rules: readonly ResponseRule[];
  message: string;
}): Promise<string> {
  const { http, abort, job, who, rules, message } = options;
  if (!abort || job === undefined) return message;
  try {
    // Not tied to the run's signal: a cancelled run should still give its job up.
    await sendJobRequest(http, abort, http.context({ job }), { what: `${who}: job.abort`, rules });
    return `${message} (the job was aborted)`;
  } catch (e) {
    return `${message}; aborting the job failed too: ${e instanceof Error ? e.message : String(e)}`;
  }
}
