import { bigqueryRowConverter, type BigQueryRow, type BigQuerySchemaField } from './bigquery-row-converter.js';
import { bigqueryColumnType } from './bigquery-column-type.js';
import type { TokenSource } from './service-account-token-source.js';
import type { Column, Row } from '../../rows/row.js';
import type { ReadOptions, Source } from '../../sources/source.js';
import type { SqlDatabase } from '../sql-database.js';

/** What a BigQuery database needs: where the API is, which project, and how to get a token. */
export interface BigqueryDatabaseOptions {
  projectId: string;
  location?: string;
  /** Base URL of the REST API, without `/bigquery/v2`. */
  apiEndpoint: string;
  tokens: TokenSource;
}

/** The parts of jobs.query / getQueryResults responses this client reads. */
interface QueryResponse {
  jobReference?: { projectId: string; jobId: string; location?: string };
  jobComplete?: boolean;
  schema?: { fields: BigQuerySchemaField[] };
  rows?: BigQueryRow[];
  pageToken?: string;
  totalRows?: string;
}

/** How long one getQueryResults call may wait on the server for a job to finish. */
const POLL_TIMEOUT_MS = 10_000;

/** Opens a BigQuery "database": queries run as jobs through the REST API (jobs.query, then getQueryResults pages). */
export function openBigqueryDatabase(options: BigqueryDatabaseOptions): SqlDatabase {
  return new BigqueryDatabase(options);
}

class BigqueryDatabase implements SqlDatabase {
  readonly kind = 'bigquery' as const;
  private readonly base: string;
  constructor(private readonly options: BigqueryDatabaseOptions) {
    this.base = `${options.apiEndpoint.replace(/\/+$/, '')}/bigquery/v2/projects/${encodeURIComponent(options.projectId)}`;
  }

  query(sql: string): Source {
    return {
      describe: async () => {
        const first = await this.complete(await this.startQuery(sql, 0));
        return (first.schema?.fields ?? []).map(describeField);
      },
      read: (options) => this.read(sql, options),
    };
  }

  async execute(sql: string): Promise<void> {
    await this.complete(await this.startQuery(sql, 0));
  }

  async test(): Promise<string> {
    await this.complete(await this.startQuery('SELECT 1', 1));
    return `BigQuery project ${this.options.projectId}${this.options.location ? ` (${this.options.location})` : ''}`;
  }

  async close(): Promise<void> {
    // Nothing is held open between requests.
  }

  private async *read(sql: string, { batchSize = 1000, signal }: ReadOptions = {}): AsyncGenerator<Row[]> {
    signal?.throwIfAborted();
    // One page at a time, of about one batch: memory holds a page, never the whole result.
    let page = await this.complete(await this.startQuery(sql, batchSize, signal), signal, batchSize);
    const convert = bigqueryRowConverter(page.schema?.fields ?? []);
    let batch: Row[] = [];
    for (;;) {
      for (const row of page.rows ?? []) {
        batch.push(convert(row));
        if (batch.length === batchSize) {
          yield batch;
          batch = [];
          signal?.throwIfAborted();
        }
      }
      if (!page.pageToken) break;
      page = await this.results(page, { pageToken: page.pageToken, maxResults: batchSize }, signal);
    }
    if (batch.length > 0) yield batch;
  }

  private startQuery(sql: string, maxResults: number, signal?: AbortSignal): Promise<QueryResponse> {
    const body = {
      query: sql,
      useLegacySql: false,
      maxResults,
      timeoutMs: POLL_TIMEOUT_MS,
      ...(this.options.location ? { location: this.options.location } : {}),
    };
    return this.request('POST', `${this.base}/queries`, body, signal);
  }

  /** Polls getQueryResults until the job is complete; returns the first page. */
  private async complete(response: QueryResponse, signal?: AbortSignal, maxResults = 0): Promise<QueryResponse> {
    let r = response;
    while (!r.jobComplete) {
      signal?.throwIfAborted();
      r = await this.results(r, { maxResults, timeoutMs: POLL_TIMEOUT_MS }, signal);
    }
    return r;
  }

  private results(previous: QueryResponse, params: Record<string, string | number>, signal?: AbortSignal): Promise<QueryResponse> {
    const job = previous.jobReference;
    if (!job) throw new Error('BigQuery: the response has no jobReference to fetch results of');
    const query = new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]));
    const location = job.location ?? this.options.location;
    if (location) query.set('location', location);
    return this.request('GET', `${this.base}/queries/${encodeURIComponent(job.jobId)}?${query}`, undefined, signal);
  }

  private async request(method: string, url: string, body: unknown, signal?: AbortSignal, retried = false): Promise<QueryResponse> {
    const token = await this.options.tokens.token(signal);
    const response = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
    const text = await response.text();
    if (response.status === 401 && !retried) {
      // An access token can expire mid-read: fetch a fresh one and try once more.
      this.options.tokens.invalidate();
      return this.request(method, url, body, signal, true);
    }
    if (!response.ok) throw new Error(bigqueryErrorMessage(response.status, text));
    return JSON.parse(text) as QueryResponse;
  }
}

/** `BigQuery: <message> (invalidQuery, HTTP 400)` from an error body; the raw status when the body says nothing. */
export function bigqueryErrorMessage(status: number, text: string): string {
  try {
    const e = (JSON.parse(text) as { error?: { message?: string; errors?: { reason?: string }[]; status?: string } }).error;
    if (e?.message) {
      const reason = e.errors?.[0]?.reason ?? e.status;
      return `BigQuery: ${e.message} (${reason ? `${reason}, ` : ''}HTTP ${status})`;
    }
  } catch {
    // Not JSON: fall through to the status line.
  }
  return `BigQuery: HTTP ${status}${text ? `: ${text.slice(0, 200)}` : ''}`;
}

function describeField(f: BigQuerySchemaField): Column {
  const base = f.type === 'RECORD' || f.type === 'STRUCT' ? `STRUCT<${(f.fields ?? []).map((x) => `${x.name} ${describeField(x).nativeType}`).join(', ')}>` : f.type;
  return { name: f.name, type: bigqueryColumnType(f.type, f.mode), nativeType: f.mode === 'REPEATED' ? `ARRAY<${base}>` : base };
}
