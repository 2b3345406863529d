import type { Endpoint } from '../../config/connector-schema.js';
import type { HttpRequest } from '../../http/http-request.js';
import type { HttpResponse } from '../../http/http-response.js';
import type { SendOutcome } from '../../http/http-client.js';
import { FatalDeliveryError, type DeliveryItem, type DeliveryResult } from '../../rows/delivery-item.js';
import { bodyText } from '../request-body.js';
import { compileEndpoint, type EndpointRequest } from '../endpoint/compile-endpoint.js';
import type { HttpConnection } from '../open-http-connection.js';
import { readJobResults } from './read-job-results.js';
import { abortJob } from './abort-job.js';
import { JobRequestError, sendJobRequest, updatedJob } from './job-request.js';
import { JobFailedError, JobTimeoutError, pollJob } from './poll-job.js';
import { withJob } from './with-job.js';

/** How much of a job's batch a failed row's request shows (the batch can be megabytes of CSV). */
const BODY_SHOWN = 2000;

/** What writeJob needs: the connection, the endpoint (with `job:`) and one batch of items. */
export interface WriteJobOptions {
  connection: HttpConnection;
  name: string;
  endpoint: Endpoint;
  items: readonly DeliveryItem[];
  signal?: AbortSignal;
  /** Sees the batch's answer with the keys of the records it carried. */
  onResponse?: (response: HttpResponse, keys: string[]) => void;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * Writes one batch through an asynchronous job (`endpoint.job`): creates the job (job.create), sends the batch (the
 * endpoint's own request), closes the job (job.close), polls it until done, then reads the per-record results (from
 * job.results, else the last poll's answer) with the endpoint's `response:`, as a batch answered at once is read.
 * A job that failed as a whole reports `batchRefused` for each of several records (the engine splits them), the
 * API's message for one alone. One result per item, in order.
 */
export async function writeJob(options: WriteJobOptions): Promise<DeliveryResult[]> {
  const { connection, name, endpoint, items, signal } = options;
  const job = endpoint.job!;
  const who = `endpoint ${name}`;
  const rules = endpoint.responses;
  const now = options.now ?? Date.now;
  const startedAt = now();
  const failAll = (e: unknown): DeliveryResult[] => {
    if (e instanceof JobRequestError) {
      if (e.fatal) throw new FatalDeliveryError(e.message);
      return items.map((item) => ({ key: item.key, ok: false, error: e.message, ...(e.unavailable ? { unavailable: true } : {}) }));
    }
    throw e;
  };

  let current: unknown;
  if (job.create) {
    try {
      const created = await sendJobRequest(connection, job.create, connection.context({ rows: items.map((i) => i.row) }), { what: `${who}: job.create`, rules, signal });
      current = updatedJob(undefined, created);
    } catch (e) {
      return failAll(e);
    }
  }
  const submitting = compileEndpoint(withJob(connection, current), name, withoutJob(endpoint));
  const rendered = submitting.render(items);
  if (!rendered.request) return submitting.read(undefined, rendered);
  const outcome = await submitting.send(rendered.request, signal);
  if (outcome.response) options.onResponse?.(outcome.response, rendered.sent.map((i) => i.key));
  // The batch was not taken (refused as a whole, an outage): read as a synchronous batch's refusal is, the job given up.
  if (!outcome.ok) {
    if (job.create) await abortJob({ http: connection, abort: job.abort, job: current, who, rules, message: '' });
    return submitting.read(outcome, rendered);
  }
  if (!job.create) current = updatedJob(undefined, outcome.response);

  const request = shownRequest(rendered.request);
  // Everything after the batch is the job's: its results are read by an endpoint reading the collected results.
  const reading = compileEndpoint(withJob(connection, current), name, withoutJob(endpoint, job.results ? '$' : undefined));
  const readAs = (answer: SendOutcome) => reading.read(answer, { ...rendered, request });
  // Once done, a job is not given up: a failure reading its results says nothing against the job itself.
  let done = false;
  try {
    if (job.close) {
      const closed = await sendJobRequest(connection, job.close, connection.context({ job: current }), { what: `${who}: job.close`, rules, signal });
      current = updatedJob(current, closed);
    }
    if (!job.poll.request) throw new FatalDeliveryError(`${who}: job.poll.request is needed to ask for the job's state`);
    const polled = await pollJob({
      http: connection, poll: job.poll, request: job.poll.request, job: current, context: connection.context(), who, rules, startedAt, signal, now, sleep: options.sleep,
    });
    current = polled.job;
    done = true;
    if (!job.results) return await readAs({ ok: true, response: polled.response, attempts: 1 });
    const results: unknown[] = [];
    let last = polled.response;
    for (const [i, part] of job.results.entries()) {
      let found: Record<string, unknown>[];
      try {
        const read = await readJobResults({ http: connection, part, context: connection.context({ job: current }), what: `${who}: job.results[${i}]`, rules, signal });
        found = read.records;
        if (read.response) last = read.response;
      } catch (e) {
        if (e instanceof JobRequestError) throw e;
        // The API answered, but nothing says which records it took: none counts as delivered.
        const error = connection.redactor.mask(e instanceof Error ? e.message : String(e));
        return withNotSent(rendered, items.map((item) => ({ key: item.key, ok: false, error })));
      }
      for (const r of found) results.push(r);
    }
    const collected: HttpResponse = { ...last, headers: { 'content-type': 'application/json' }, body: results, text: '[...]' };
    return await readAs({ ok: true, response: collected, attempts: 1 });
  } catch (e) {
    if (e instanceof JobFailedError) {
      // The job failed as a whole: several records are split and sent again, as a batch refused as a whole is.
      if (job.split) return readAs({ ok: false, action: 'reject', error: e.message, response: { ...outcome.response, status: 400 }, attempts: 1 });
      const text = await connection.curl(request);
      return withNotSent(rendered, items.map((item) => ({ key: item.key, ok: false, error: e.message, request: text })));
    }
    if (e instanceof JobTimeoutError) throw new FatalDeliveryError(await abortJob({ http: connection, abort: job.abort, job: current, who, rules, message: e.message }));
    if (e instanceof JobRequestError) {
      const message = done ? e.message : await abortJob({ http: connection, abort: job.abort, job: current, who, rules, message: e.message });
      return withNotSent(rendered, failAll(new JobRequestError(message, e.fatal, e.unavailable, e.response)));
    }
    if (signal?.aborted) {
      // A cancelled run gives its job up before it ends, so the job neither runs on nor holds the API's limits.
      if (!done) await abortJob({ http: connection, abort: job.abort, job: current, who, rules, message: '' });
      throw e;
    }
    if (e instanceof FatalDeliveryError) throw e;
    // A poll condition or a response template that cannot run is the connector's bug: the run stops, naming the job.
    throw new FatalDeliveryError(await abortJob({ http: connection, abort: job.abort, job: done ? undefined : current, who, rules, message: `${who}: ${e instanceof Error ? e.message : String(e)}` }));
  }
}

/** The endpoint as a synchronous batch (its job removed), reading results at `results` when given. */
function withoutJob(endpoint: Endpoint, results?: string): Endpoint {
  const { job: _job, ...rest } = endpoint;
  return results === undefined ? rest : { ...rest, response: { ...rest.response, results } };
}

/** Results for every item, the rows that never left keeping their own error. */
function withNotSent(rendered: EndpointRequest, results: DeliveryResult[]): DeliveryResult[] {
  if (!rendered.errors) return results;
  return results.map((r, i) => {
    const error = rendered.errors!.get(i);
    return error === undefined ? r : { key: r.key, ok: false, error, request: null, notSent: true };
  });
}

/** The batch's request as failed rows show it: its body cut (a job's batch can be megabytes). */
function shownRequest(request: HttpRequest): HttpRequest {
  const text = bodyText(request.body ?? null);
  if (text === null || text.length <= BODY_SHOWN) return request;
  return { ...request, body: `${text.slice(0, BODY_SHOWN)}\n... (${text.length} characters in all)` };
}
