import { randomBytes } from 'node:crypto';
import type { SandboxRequest, SandboxResponse } from '../sandbox-server.js';
import { csvLine, readCsv } from './bulk-csv.js';
import type { SalesforceObject } from './salesforce-objects.js';

/** An error as Salesforce words it in a response array. */
export interface BulkError {
  message: string;
  errorCode: string;
  fields?: string[];
}

/** What the Bulk API 2.0 simulator needs of the REST simulator: its objects and the writes its rows go through. */
export interface BulkDeps {
  objectOf(name: string): SalesforceObject | undefined;
  /** Inserts, updates, upserts or deletes one record; throws an error carrying `errors` (BulkError[]) when refused. */
  write(o: SalesforceObject, operation: IngestOperation, values: Record<string, unknown>, externalIdField?: string): { id: string; created: boolean };
  /** The errors a refusal thrown by write carries, else undefined (not a refusal). */
  errorsOf(e: unknown): BulkError[] | undefined;
  /** Runs a SOQL query: its object, field names and rows; throws a refusal for a bad query. */
  query(soql: string): { object: SalesforceObject; fields: string[]; rows: Record<string, unknown>[] };
  /** Salesforce's datetime text for now. */
  now(): string;
  fail(status: number, errorCode: string, message: string): never;
}

export type IngestOperation = 'insert' | 'update' | 'upsert' | 'delete' | 'hardDelete';

export interface BulkOptions {
  /** How many state reads a job answers InProgress (after UploadComplete) before it is JobComplete (default 2). */
  bulkPolls?: number;
  /** Records a query results page holds when the request gives no maxRecords (default 10000). */
  bulkQueryPageSize?: number;
}

type JobState = 'Open' | 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Failed' | 'Aborted';

interface Job {
  id: string;
  kind: 'ingest' | 'query';
  operation: string;
  object: string;
  externalIdFieldName?: string;
  state: JobState;
  createdDate: string;
  systemModstamp: string;
  apiVersion: number;
  lineEnding: 'LF' | 'CRLF';
  columnDelimiter: string;
  /** The uploaded CSV (ingest). */
  data?: string;
  query?: string;
  /** State reads left before an InProgress job completes. */
  pollsLeft: number;
  errorMessage?: string;
  processed: number;
  failed: number;
  successful: string[];
  failedLines: string[];
  unprocessed: string[];
  header: string[];
  /** A query's result rows as CSV lines, and its header line. */
  resultLines: string[];
  resultHeader: string;
  /** Locators handed out: locator → the offset it starts at. */
  locators: Map<string, number>;
}

const delimiters: Record<string, string> = { COMMA: ',', BACKQUOTE: '`', CARET: '^', PIPE: '|', SEMICOLON: ';', TAB: '\t' };
const operations = new Set(['insert', 'update', 'upsert', 'delete', 'hardDelete']);

/**
 * Salesforce Bulk API 2.0 (`/jobs/ingest`, `/jobs/query`): create a job, upload CSV, close it (UploadComplete), poll
 * its state (InProgress for `bulkPolls` reads, then JobComplete, or Failed with errorMessage), and read the results
 * as CSV: successfulResults (sf__Id, sf__Created), failedResults (sf__Id, sf__Error), unprocessedrecords, and a
 * query's results paged by Sforce-Locator with Sforce-NumberOfRecords. Contract: ./api-contracts.md.
 */
export function createBulkJobs(deps: BulkDeps, options: BulkOptions) {
  const jobs = new Map<string, Job>();
  let counter = 0;
  const jobId = () => `7505g00000${(++counter).toString(36).toUpperCase().padStart(5, '0')}AAA`;

  const info = (job: Job, full: boolean) => ({
    id: job.id,
    operation: job.operation,
    object: job.object,
    createdById: '0055g00000SandBXAAQ',
    createdDate: job.createdDate,
    systemModstamp: job.systemModstamp,
    state: job.state,
    ...(job.externalIdFieldName ? { externalIdFieldName: job.externalIdFieldName } : {}),
    concurrencyMode: 'Parallel',
    contentType: 'CSV',
    apiVersion: job.apiVersion,
    ...(job.kind === 'ingest' && !full ? { contentUrl: `services/data/v${job.apiVersion.toFixed(1)}/jobs/ingest/${job.id}/batches` } : {}),
    lineEnding: job.lineEnding,
    columnDelimiter: Object.entries(delimiters).find(([, d]) => d === job.columnDelimiter)?.[0] ?? 'COMMA',
    ...(full
      ? {
          jobType: job.kind === 'ingest' ? 'V2Ingest' : 'V2Query',
          numberRecordsProcessed: job.processed,
          ...(job.kind === 'ingest' ? { numberRecordsFailed: job.failed } : {}),
          retries: 0,
          totalProcessingTime: job.state === 'JobComplete' ? 1 + job.processed : 0,
          ...(job.kind === 'ingest' ? { apiActiveProcessingTime: 0, apexProcessingTime: 0 } : {}),
          ...(job.errorMessage ? { errorMessage: job.errorMessage } : {}),
        }
      : {}),
  });

  const find = (id: string, kind: Job['kind']): Job => {
    const job = jobs.get(id);
    if (!job || job.kind !== kind) return deps.fail(404, 'NOT_FOUND', 'The requested resource does not exist');
    return job;
  };

  const body = (req: SandboxRequest): Record<string, unknown> => {
    try {
      const b = JSON.parse(req.body) as unknown;
      if (b && typeof b === 'object' && !Array.isArray(b)) return b as Record<string, unknown>;
    } catch {
      // answered below
    }
    return deps.fail(400, 'JSON_PARSER_ERROR', 'Unexpected character: was expecting a JSON value at [line:1, column:1]');
  };

  const common = (b: Record<string, unknown>, version: number) => {
    const lineEnding = b.lineEnding ?? 'LF';
    if (lineEnding !== 'LF' && lineEnding !== 'CRLF') deps.fail(400, 'INVALIDJOB', `Invalid line ending: ${String(lineEnding)}`);
    const delimiterName = String(b.columnDelimiter ?? 'COMMA');
    const columnDelimiter = delimiters[delimiterName] ?? deps.fail(400, 'INVALIDJOB', `Invalid column delimiter: ${delimiterName}`);
    if (b.contentType !== undefined && b.contentType !== 'CSV') deps.fail(400, 'INVALIDJOB', `Invalid content type: ${String(b.contentType)}`);
    const now = deps.now();
    return { lineEnding: lineEnding as Job['lineEnding'], columnDelimiter, createdDate: now, systemModstamp: now, apiVersion: version };
  };

  const blank = { processed: 0, failed: 0, successful: [], failedLines: [], unprocessed: [], header: [], resultLines: [], resultHeader: '', locators: new Map<string, number>() };

  /** Runs an ingest job's rows: each row succeeds or fails on its own; a header naming no field fails the job. */
  const ingest = (job: Job) => {
    const o = deps.objectOf(job.object)!;
    const delimiter = job.columnDelimiter;
    let rows: string[][];
    try {
      rows = readCsv(job.data ?? '', delimiter);
    } catch {
      job.state = 'Failed';
      job.errorMessage = 'ClientInputError : CSV error: a quoted field is never closed';
      return;
    }
    if (rows.length > 0 && rows[rows.length - 1]!.length === 1 && rows[rows.length - 1]![0] === '') rows.pop();
    const header = rows[0] ?? [];
    job.header = header;
    for (const name of header) {
      const f = o.fields.find((x) => x.name.toLowerCase() === name.toLowerCase());
      if (!f && !name.includes('.')) {
        job.state = 'Failed';
        job.errorMessage = `InvalidBatch : Field name not found : ${name}`;
        return;
      }
    }
    for (const line of rows.slice(1)) {
      const values: Record<string, unknown> = {};
      header.forEach((name, i) => {
        const f = o.fields.find((x) => x.name.toLowerCase() === name.toLowerCase())!;
        const raw = line[i] ?? '';
        // An empty field leaves the value as it is; #N/A sets it to null.
        if (raw === '') return;
        values[f.name] = raw === '#N/A' ? null : f.type === 'boolean' ? raw.toLowerCase() === 'true' : raw;
      });
      job.processed++;
      try {
        const done = deps.write(o, job.operation as IngestOperation, values, job.externalIdFieldName);
        job.successful.push(csvLine([done.id, done.created, ...header.map((_, i) => line[i] ?? '')], delimiter));
      } catch (e) {
        const errors = deps.errorsOf(e);
        if (!errors) throw e;
        job.failed++;
        const said = errors.map((x) => `${x.errorCode}:${x.message}:${(x.fields ?? []).join(',')} --`).join(' ');
        const id = typeof values.Id === 'string' ? values.Id : '';
        job.failedLines.push(csvLine([id, said, ...header.map((_, i) => line[i] ?? '')], delimiter));
      }
    }
    job.state = 'JobComplete';
  };

  const runQuery = (job: Job) => {
    try {
      const result = deps.query(job.query!);
      job.resultHeader = csvLine(result.fields, job.columnDelimiter);
      job.resultLines = result.rows.map((r) => csvLine(result.fields.map((f) => r[f] ?? null), job.columnDelimiter));
      job.processed = result.rows.length;
      job.state = 'JobComplete';
    } catch (e) {
      const errors = deps.errorsOf(e);
      if (!errors) throw e;
      job.state = 'Failed';
      job.errorMessage = `${errors[0]!.errorCode}: ${errors[0]!.message}`;
    }
  };

  /** A job read after UploadComplete moves on: InProgress for bulkPolls reads, then done. */
  const advance = (job: Job) => {
    if (job.state === 'UploadComplete') job.state = 'InProgress';
    if (job.state !== 'InProgress') return;
    if (job.pollsLeft > 0) {
      job.pollsLeft--;
      return;
    }
    if (job.kind === 'ingest') ingest(job);
    else runQuery(job);
    job.systemModstamp = deps.now();
  };

  const csv = (lines: string[], header: string, nl: string, extra: Record<string, string> = {}): SandboxResponse => ({
    status: 200,
    headers: { 'Content-Type': 'text/csv', ...extra },
    text: lines.length === 0 && header === '' ? '' : [header, ...lines].join(nl) + nl,
  });

  const lineBreak = (job: Job) => (job.lineEnding === 'CRLF' ? '\r\n' : '\n');

  /** Answers a /jobs/... route, or undefined for a route that is not Bulk API 2.0. */
  return {
    route(req: SandboxRequest, versionNumber: number, route: string): SandboxResponse | undefined {
      const m = req.method;
      const version = Number(versionNumber.toFixed(1));
      if (route === '/jobs/ingest' && m === 'POST') {
        const b = body(req);
        const operation = String(b.operation ?? '');
        if (!operations.has(operation)) return deps.fail(400, 'INVALIDJOB', `InvalidJob : Invalid operation: ${operation || 'null'}`);
        const o = deps.objectOf(String(b.object ?? '')) ?? deps.fail(400, 'INVALIDJOB', `InvalidJob : Invalid object: ${String(b.object ?? 'null')}`);
        const external = b.externalIdFieldName === undefined ? undefined : String(b.externalIdFieldName);
        if (operation === 'upsert') {
          if (!external) return deps.fail(400, 'INVALIDJOB', 'InvalidJob : External ID was blank for upsert');
          if (!o.fields.some((f) => f.name.toLowerCase() === external.toLowerCase() && (f.externalId || f.name === 'Id'))) {
            return deps.fail(400, 'INVALIDJOB', `InvalidJob : Field name provided, ${external} does not match an External ID, Salesforce Id, or indexed field for ${o.name}`);
          }
        }
        const job: Job = {
          ...blank, successful: [], failedLines: [], unprocessed: [], locators: new Map(),
          id: jobId(), kind: 'ingest', operation, object: o.name, ...(external ? { externalIdFieldName: external } : {}), state: 'Open', pollsLeft: options.bulkPolls ?? 2,
          ...common(b, version),
        };
        jobs.set(job.id, job);
        return { status: 200, json: info(job, false) };
      }
      if (route === '/jobs/ingest' && m === 'GET') {
        return { status: 200, json: { done: true, records: [...jobs.values()].filter((j) => j.kind === 'ingest').map((j) => info(j, false)), nextRecordsUrl: null } };
      }
      let r = /^\/jobs\/ingest\/([A-Za-z0-9]+)\/batches\/?$/.exec(route);
      if (r && m === 'PUT') {
        const job = find(r[1]!, 'ingest');
        if (job.state !== 'Open') return deps.fail(409, 'INVALIDJOBSTATE', `Job ${job.id} is not in the Open state; data can only be uploaded to an open job`);
        if (!/^text\/csv\b/i.test(String(req.headers['content-type'] ?? ''))) return deps.fail(400, 'INVALIDCONTENTTYPE', 'Content-Type must be text/csv');
        if (job.data !== undefined) return deps.fail(400, 'INVALIDJOBSTATE', 'Data has already been uploaded to this job');
        if (job.lineEnding === 'CRLF' && /(^|[^\r])\n/.test(req.body)) return deps.fail(400, 'ClientInputError', 'LineEnding is invalid on user data. Current LineEnding setting is CRLF');
        job.data = req.body;
        return { status: 201 };
      }
      r = /^\/jobs\/ingest\/([A-Za-z0-9]+)\/?$/.exec(route);
      if (r && m === 'PATCH') {
        const job = find(r[1]!, 'ingest');
        const state = body(req).state;
        if (state === 'UploadComplete') {
          if (job.state !== 'Open') return deps.fail(409, 'INVALIDJOBSTATE', `Job ${job.id} is not Open and cannot be closed`);
          job.state = job.data === undefined ? 'Failed' : 'UploadComplete';
          if (job.data === undefined) job.errorMessage = 'No data uploaded for this job';
        } else if (state === 'Aborted') {
          if (job.state === 'JobComplete' || job.state === 'Failed') return deps.fail(409, 'INVALIDJOBSTATE', `Job ${job.id} is finished and cannot be aborted`);
          job.state = 'Aborted';
        } else {
          return deps.fail(400, 'INVALIDJOBSTATE', `Invalid state: ${String(state)}`);
        }
        job.systemModstamp = deps.now();
        return { status: 200, json: info(job, false) };
      }
      if (r && m === 'GET') {
        const job = find(r[1]!, 'ingest');
        advance(job);
        return { status: 200, json: info(job, true) };
      }
      if (r && m === 'DELETE') {
        const job = find(r[1]!, 'ingest');
        if (!['UploadComplete', 'JobComplete', 'Aborted', 'Failed'].includes(job.state)) return deps.fail(409, 'INVALIDJOBSTATE', `Job ${job.id} cannot be deleted in state ${job.state}`);
        jobs.delete(job.id);
        return { status: 204 };
      }
      r = /^\/jobs\/ingest\/([A-Za-z0-9]+)\/(successfulResults|failedResults|unprocessedrecords)\/?$/.exec(route);
      if (r && m === 'GET') {
        const job = find(r[1]!, 'ingest');
        if (job.state !== 'JobComplete' && job.state !== 'Failed' && job.state !== 'Aborted') {
          return deps.fail(409, 'INVALIDJOBSTATE', `Job ${job.id} is still in progress; results are available once it is complete`);
        }
        const d = job.columnDelimiter;
        const original = job.header;
        const nl = lineBreak(job);
        const join = (header: string, lines: string[]) => ({ status: 200, headers: { 'Content-Type': 'text/csv' }, text: [header, ...lines].join(nl) + nl });
        if (r[2] === 'successfulResults') return join([csvLine(['sf__Id', 'sf__Created'], d), ...original].join(d), job.successful);
        if (r[2] === 'failedResults') return join([csvLine(['sf__Id', 'sf__Error'], d), ...original].join(d), job.failedLines);
        const rows = job.state === 'JobComplete' ? [] : readCsv(job.data ?? '', d).slice(1).map((l) => csvLine(l, d));
        return join(original.join(d), rows);
      }

      if (route === '/jobs/query' && m === 'POST') {
        const b = body(req);
        if (b.operation !== 'query' && b.operation !== 'queryAll') return deps.fail(400, 'INVALIDJOB', `InvalidJob : Invalid operation: ${String(b.operation ?? 'null')}`);
        if (typeof b.query !== 'string' || b.query.trim() === '') return deps.fail(400, 'INVALIDJOB', 'InvalidJob : A query string has to be specified');
        // The query is checked when the job is created, as Salesforce does: a bad one is a 400 here, not a failed job.
        const checked = deps.query(b.query);
        const job: Job = {
          ...blank, successful: [], failedLines: [], unprocessed: [], locators: new Map(),
          id: jobId(), kind: 'query', operation: b.operation, object: checked.object.name, query: b.query, state: 'UploadComplete', pollsLeft: options.bulkPolls ?? 2,
          ...common(b, version),
        };
        jobs.set(job.id, job);
        return { status: 200, json: info(job, false) };
      }
      r = /^\/jobs\/query\/([A-Za-z0-9]+)\/?$/.exec(route);
      if (r && m === 'GET') {
        const job = find(r[1]!, 'query');
        advance(job);
        return { status: 200, json: info(job, true) };
      }
      if (r && m === 'PATCH') {
        const job = find(r[1]!, 'query');
        if (body(req).state !== 'Aborted') return deps.fail(400, 'INVALIDJOBSTATE', 'A query job can only be set to Aborted');
        if (job.state === 'JobComplete' || job.state === 'Failed') return deps.fail(409, 'INVALIDJOBSTATE', `Job ${job.id} is finished and cannot be aborted`);
        job.state = 'Aborted';
        return { status: 200, json: info(job, false) };
      }
      r = /^\/jobs\/query\/([A-Za-z0-9]+)\/results\/?$/.exec(route);
      if (r && m === 'GET') {
        const job = find(r[1]!, 'query');
        if (job.state !== 'JobComplete') return deps.fail(400, 'INVALIDJOBSTATE', `Job ${job.id} is not complete (state ${job.state}); results are available once it is JobComplete`);
        const locator = req.query.get('locator');
        const start = locator === null || locator === '' ? 0 : job.locators.get(locator) ?? deps.fail(400, 'INVALID_LOCATOR', `Invalid locator: ${locator}`);
        const maxText = req.query.get('maxRecords');
        const max = maxText === null ? options.bulkQueryPageSize ?? 10_000 : Number(maxText);
        if (!Number.isInteger(max) || max < 1) return deps.fail(400, 'INVALID_MAX_RECORDS', `maxRecords must be a positive integer: ${maxText}`);
        const lines = job.resultLines.slice(start, start + max);
        const end = start + lines.length;
        let next = 'null';
        if (end < job.resultLines.length) {
          next = randomBytes(6).toString('base64url');
          job.locators.set(next, end);
        }
        return csv(lines, job.resultHeader, lineBreak(job), { 'Sforce-Locator': next, 'Sforce-NumberOfRecords': String(lines.length) });
      }
      return undefined;
    },
    reset() {
      jobs.clear();
      counter = 0;
    },
  };
}
