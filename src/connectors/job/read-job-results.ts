import type { JobResultsRequest } from '../../config/connector-schema.js';
import type { ResponseRule } from '../../http/request-policy.js';
import type { HttpResponse } from '../../http/http-response.js';
import { selectRecords } from '../paginate.js';
import type { HttpConnection } from '../open-http-connection.js';
import { fetchExternal } from './fetch-external.js';
import { jobRecords } from './job-records.js';
import { JobRequestError, sendJobRequest } from './job-request.js';
import { readTarGz } from './read-tar-gz.js';

/** What one `job.results` request gave: its records, and the answer (none for an external fetch). */
export interface JobResults {
  records: Record<string, unknown>[];
  response?: HttpResponse;
}

/**
 * Reads one `job.results` request: a path on the connection's origin (sent with its credentials), a url that must stay
 * on that origin, or, marked external, a url fetched without any credential (an archive on S3). A request that fails
 * throws JobRequestError; an answer that does not read as results throws a plain Error (nothing says which records
 * the job took).
 */
export async function readJobResults(options: {
  http: HttpConnection;
  part: JobResultsRequest;
  context: object;
  what: string;
  rules: readonly ResponseRule[];
  signal?: AbortSignal;
}): Promise<JobResults> {
  const { http, part, context, what, rules, signal } = options;
  let records: Record<string, unknown>[];
  let response: HttpResponse | undefined;
  if (part.url === undefined) {
    if (part.path === undefined) throw new JobRequestError(`${what}: give path or url`, true, false);
    response = await sendJobRequest(http, { ...part, path: part.path }, context, { what, rules, signal });
    records = jobRecords(response, part.format, part.records, what);
  } else {
    let url: string;
    try {
      url = http.templates.render(part.url, context, 'text', { role: `${what}.url` }).trim();
    } catch (e) {
      throw new JobRequestError(`${what}: ${http.redactor.mask(e instanceof Error ? e.message : String(e))}`, true, false);
    }
    const origin = new URL(http.baseUrl()).origin;
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      throw new JobRequestError(`${what}: url rendered ${JSON.stringify(http.redactor.mask(url).slice(0, 200))}, not a URL`, false, false);
    }
    if (!part.external) {
      if (target.origin !== origin) {
        throw new JobRequestError(
          `${what}: the results URL is on ${target.origin}, not on the connection's origin ${origin}; refused (credentials go only to the connection's origin: mark the results external: true to fetch them without any)`,
          false,
          false,
        );
      }
      response = await sendJobRequest(http, { method: part.method, url: target.href, headers: {}, body: null }, context, { what, rules, signal });
      records = jobRecords(response, part.format, part.records, what);
    } else {
      let bytes: Buffer;
      try {
        bytes = await fetchExternal(target.href, { policy: http.networkPolicy, signal });
      } catch (e) {
        throw new JobRequestError(`${what} failed: ${http.redactor.mask(e instanceof Error ? e.message : String(e))}`, false, true);
      }
      records = part.archive === 'tar.gz' ? archiveRecords(bytes, part, what) : textRecords(bytes, part, what);
    }
  }
  return { records: part.parse_json.length ? records.map((r) => parsedFields(r, part.parse_json)) : records, response };
}

/** The records of every JSON file of an archive, file after file (other files, a README, are left aside). */
function archiveRecords(bytes: Buffer, part: JobResultsRequest, what: string): Record<string, unknown>[] {
  let files;
  try {
    files = readTarGz(bytes);
  } catch (e) {
    throw new Error(`${what}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const out: Record<string, unknown>[] = [];
  for (const file of files) {
    if (!/\.json$/i.test(file.name)) continue;
    let body: unknown;
    try {
      body = JSON.parse(file.data.toString('utf8'));
    } catch {
      throw new Error(`${what}: ${file.name} in the archive is not JSON`);
    }
    for (const r of selectRecords(body, part.records)) out.push(r);
  }
  return out;
}

/** The records of an external answer that is not an archive: JSON at records (CSV asked for by format). */
function textRecords(bytes: Buffer, part: JobResultsRequest, what: string): Record<string, unknown>[] {
  const text = bytes.toString('utf8');
  let body: unknown = text;
  if (part.format !== 'csv') {
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error(`${what}: the answer is not JSON`);
    }
  }
  const response: HttpResponse = { status: 200, headers: {}, text, body, durationMs: 0, url: '' };
  return jobRecords(response, part.format, part.records, what);
}

/** A result with the named fields' JSON text read as JSON (own fields only; text that is not JSON stays text). */
function parsedFields(record: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  const out = { ...record };
  for (const f of fields) {
    const v = Object.hasOwn(record, f) ? record[f] : undefined;
    if (typeof v !== 'string') continue;
    try {
      out[f] = JSON.parse(v);
    } catch {
      // left as text
    }
  }
  return out;
}
