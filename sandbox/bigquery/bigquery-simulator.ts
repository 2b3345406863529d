import { randomBytes, verify } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DuckDBInstance, ResultReturnType, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import { bigqueryCellValue, bigqueryField, type BigQueryCell, type BigQueryField } from './bigquery-encoding.js';
import { bigqueryCompatibilitySql, bigqueryToDuckdbSql } from './bigquery-sql.js';

/** Options of the BigQuery simulator. */
export interface BigQuerySimulatorOptions {
  /** Port on 127.0.0.1 (default: any free port). */
  port?: number;
  /** The project the API answers for (default `sluice-test`); other projects are not found. */
  projectId?: string;
  /** Location reported in job references (default `US`). */
  location?: string;
  /** DuckDB statements run at start: the test's datasets (schemas) and tables. */
  setupSql?: string;
  /** The most rows one page holds, whatever `maxResults` asks (BigQuery's 10 MB cap, made small). Default 1000. */
  pageSize?: number;
  /** How many calls on each job answer `jobComplete: false` before it completes (default 0). */
  pendingPolls?: number;
  /** Access tokens accepted as they are (default `['test-token']`); tokens issued by `/token` are accepted too. */
  accessTokens?: string[];
  /** A service account whose signed JWTs `/token` exchanges for access tokens. */
  serviceAccount?: { clientEmail: string; publicKeyPem: string };
}

/** One request the simulator answered, for assertions. */
export interface BigQuerySimulatorRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  status: number;
}

/** A running simulator. */
export interface BigQuerySimulator {
  /** The `api_endpoint` of a connection: `http://127.0.0.1:PORT`. */
  url: string;
  /** The OAuth token endpoint for service-account JWTs. */
  tokenUrl: string;
  projectId: string;
  requests: BigQuerySimulatorRequest[];
  /** Runs DuckDB statements against the simulated warehouse (to add or change test data). */
  run(sql: string): Promise<void>;
  close(): Promise<void>;
}

interface Job {
  id: string;
  fields: BigQueryField[] | undefined;
  types: DuckDBType[];
  rows: DuckDBValue[][];
  affected: number | undefined;
  pendingPolls: number;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly statusText: string,
    readonly location?: string,
  ) {
    super(message);
  }
}

/** Starts a local BigQuery REST v2 simulator (jobs.query, getQueryResults, a JWT-bearer token endpoint) over DuckDB. */
export async function startBigQuerySimulator(options: BigQuerySimulatorOptions = {}): Promise<BigQuerySimulator> {
  const projectId = options.projectId ?? 'sluice-test';
  const location = options.location ?? 'US';
  const pageSize = options.pageSize ?? 1000;
  const accepted = new Set(options.accessTokens ?? ['test-token']);
  const instance = await DuckDBInstance.create(':memory:');
  const db = await instance.connect();
  await db.run(bigqueryCompatibilitySql);
  await db.run(jobsTableSql);
  if (options.setupSql) await db.run(options.setupSql);
  const jobs = new Map<string, Job>();
  const requests: BigQuerySimulatorRequest[] = [];
  let tokenUrl = '';

  const server = createServer((req, res) => {
    void handle(req, res);
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const text = await readBody(req);
    const entry: BigQuerySimulatorRequest = { method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), body: text, status: 200 };
    requests.push(entry);
    const send = (status: number, body: unknown) => {
      entry.status = status;
      res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
      res.end(JSON.stringify(body));
    };
    try {
      if (req.method === 'POST' && url.pathname === '/token') {
        const issued = exchangeJwt(new URLSearchParams(text), options.serviceAccount, tokenUrl);
        if ('error' in issued) return send(400, issued);
        accepted.add(issued.access_token);
        return send(200, issued);
      }
      authorize(req.headers.authorization, accepted);
      const m = /^\/bigquery\/v2\/projects\/([^/]+)\/queries(?:\/([^/]+))?$/.exec(url.pathname);
      if (!m) throw new ApiError(404, 'notFound', `Not found: URL ${url.pathname}`, 'NOT_FOUND');
      if (decodeURIComponent(m[1]!) !== projectId) throw new ApiError(404, 'notFound', `Not found: Project ${decodeURIComponent(m[1]!)}`, 'NOT_FOUND');
      if (req.method === 'POST' && !m[2]) {
        entry.body = text ? JSON.parse(text) : {};
        return send(200, await query(entry.body as QueryRequest));
      }
      if (req.method === 'GET' && m[2]) return send(200, getQueryResults(decodeURIComponent(m[2]), url.searchParams));
      throw new ApiError(405, 'badRequest', `Method ${req.method} is not allowed here`, 'INVALID_ARGUMENT');
    } catch (e) {
      if (e instanceof ApiError) return send(e.status, errorBody(e));
      return send(500, errorBody(new ApiError(500, 'backendError', e instanceof Error ? e.message : String(e), 'INTERNAL')));
    }
  }

  interface QueryRequest {
    query?: string;
    useLegacySql?: boolean;
    maxResults?: number;
  }

  async function query(body: QueryRequest): Promise<unknown> {
    if (typeof body.query !== 'string' || body.query.trim() === '') {
      throw new ApiError(400, 'invalid', 'Required parameter is missing: query', 'INVALID_ARGUMENT', 'query');
    }
    // useLegacySql defaults to true: the backticked, hyphenated names of Standard SQL then fail to parse.
    if (body.useLegacySql !== false) {
      throw new ApiError(400, 'invalidQuery', 'Invalid table name: query is Legacy SQL; set useLegacySql to false for Standard SQL', 'INVALID_ARGUMENT', 'query');
    }
    const job = await execute(body.query);
    jobs.set(job.id, job);
    return page(job, 0, body.maxResults, 'bigquery#queryResponse');
  }

  async function execute(sql: string): Promise<Job> {
    let reader;
    try {
      reader = await db.runAndReadAll(bigqueryToDuckdbSql(sql, projectId));
    } catch (e) {
      throw queryError(e instanceof Error ? e.message : String(e), projectId, location);
    }
    const names = reader.columnNames();
    const types = reader.columnTypes();
    const returnsRows = reader.returnType === ResultReturnType.QUERY_RESULT;
    return {
      id: `job_${randomBytes(9).toString('base64url')}`,
      fields: returnsRows ? names.map((n, i) => bigqueryField(n, types[i]!)) : undefined,
      types,
      rows: returnsRows ? reader.getRows() : [],
      affected: returnsRows ? undefined : reader.rowsChanged,
      pendingPolls: options.pendingPolls ?? 0,
    };
  }

  function getQueryResults(jobId: string, params: URLSearchParams): unknown {
    const job = jobs.get(jobId);
    if (!job) throw new ApiError(404, 'notFound', `Not found: Job ${projectId}:${location}.${jobId}`, 'NOT_FOUND');
    const token = params.get('pageToken');
    let offset = Number(params.get('startIndex') ?? 0);
    if (token) {
      const decoded = /^(.+):(\d+)$/.exec(Buffer.from(token, 'base64url').toString());
      if (!decoded || decoded[1] !== jobId) throw new ApiError(400, 'invalid', `Invalid page token: ${token}`, 'INVALID_ARGUMENT', 'pageToken');
      offset = Number(decoded[2]);
    }
    const max = params.has('maxResults') ? Number(params.get('maxResults')) : undefined;
    return page(job, offset, max, 'bigquery#getQueryResultsResponse');
  }

  function page(job: Job, offset: number, maxResults: number | undefined, kind: string): unknown {
    const jobReference = { projectId, jobId: job.id, location };
    if (job.pendingPolls > 0) {
      job.pendingPolls--;
      return { kind, jobReference, jobComplete: false };
    }
    const size = Math.min(maxResults ?? pageSize, pageSize);
    const slice = job.rows.slice(offset, offset + size);
    const next = offset + slice.length;
    return {
      kind,
      ...(job.fields ? { schema: { fields: job.fields } } : {}),
      jobReference,
      totalRows: String(job.rows.length),
      ...(next < job.rows.length ? { pageToken: Buffer.from(`${job.id}:${next}`).toString('base64url') } : {}),
      // BigQuery leaves `rows` out of a page that has none.
      ...(slice.length > 0 ? { rows: slice.map((row) => ({ f: row.map((v, i): BigQueryCell => ({ v: bigqueryCellValue(v, job.types[i]!) })) })) } : {}),
      totalBytesProcessed: '0',
      jobComplete: true,
      cacheHit: false,
      ...(job.affected !== undefined ? { numDmlAffectedRows: String(job.affected) } : {}),
    };
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  tokenUrl = `${url}/token`;

  return {
    url,
    tokenUrl,
    projectId,
    requests,
    run: async (sql) => {
      await db.run(sql);
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      db.closeSync();
      instance.closeSync();
    },
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function authorize(header: string | undefined, accepted: Set<string>): void {
  const token = /^Bearer\s+(.+)$/i.exec(header ?? '')?.[1]?.trim();
  if (!token) {
    throw new ApiError(
      401,
      'required',
      'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
      'UNAUTHENTICATED',
      'Authorization',
    );
  }
  if (!accepted.has(token)) {
    throw new ApiError(401, 'authError', 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.', 'UNAUTHENTICATED', 'Authorization');
  }
}

/** DuckDB's error as BigQuery words it: a missing table is 404 notFound, anything else 400 invalidQuery. */
function queryError(message: string, projectId: string, location: string): ApiError {
  const first = message.split('\n')[0]!;
  if (/^Catalog Error: Table with name/.test(first)) {
    const name = (/Table with name (\S+) does not exist/.exec(first)?.[1] ?? '?').replace(/"/g, '');
    return new ApiError(404, 'notFound', `Not found: Table ${projectId}:${name} was not found in location ${location}`, 'NOT_FOUND');
  }
  if (/^Parser Error/.test(first)) return new ApiError(400, 'invalidQuery', `Syntax error: ${first.replace(/^Parser Error: /, '')}`, 'INVALID_ARGUMENT', 'q');
  return new ApiError(400, 'invalidQuery', first.replace(/^\w+ Error: /, ''), 'INVALID_ARGUMENT', 'q');
}

function errorBody(e: ApiError): unknown {
  return {
    error: {
      code: e.status,
      message: e.message,
      errors: [{ message: e.message, domain: 'global', reason: e.reason, ...(e.location ? { location: e.location, locationType: e.location === 'Authorization' ? 'header' : 'parameter' } : {}) }],
      status: e.statusText,
    },
  };
}

/** The token endpoint's answer to an `urn:ietf:params:oauth:grant-type:jwt-bearer` grant. */
function exchangeJwt(
  form: URLSearchParams,
  account: BigQuerySimulatorOptions['serviceAccount'],
  audience: string,
): { access_token: string; expires_in: number; token_type: string } | { error: string; error_description: string } {
  const invalid = (description: string) => ({ error: 'invalid_grant', error_description: description });
  if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
    return { error: 'unsupported_grant_type', error_description: `Invalid grant_type: ${form.get('grant_type') ?? ''}` };
  }
  if (!account) return invalid('No service account is configured on this simulator.');
  const parts = (form.get('assertion') ?? '').split('.');
  if (parts.length !== 3) return invalid('Invalid JWT: Token must be a short-lived token and in a reasonable timeframe.');
  const [head, payload, signature] = parts as [string, string, string];
  let header: { alg?: string };
  let claims: { iss?: string; aud?: string; exp?: number; iat?: number; scope?: string };
  try {
    header = JSON.parse(Buffer.from(head, 'base64url').toString());
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
  } catch {
    return invalid('Invalid JWT: not JSON.');
  }
  if (header.alg !== 'RS256') return invalid(`Invalid JWT: unsupported algorithm ${String(header.alg)}.`);
  if (!verify('sha256', Buffer.from(`${head}.${payload}`), account.publicKeyPem, Buffer.from(signature, 'base64url'))) {
    return invalid('Invalid JWT Signature.');
  }
  const now = Math.floor(Date.now() / 1000);
  if (claims.iss !== account.clientEmail) return invalid('Invalid JWT: the issuer is not a known service account.');
  if (claims.aud !== audience) return invalid(`Invalid JWT: audience must be ${audience}.`);
  if (typeof claims.exp !== 'number' || typeof claims.iat !== 'number' || claims.exp <= now || claims.iat > now + 300 || claims.exp - claims.iat > 3600) {
    return invalid('Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.');
  }
  if (!claims.scope || !/bigquery|cloud-platform/.test(claims.scope)) return invalid('Invalid JWT: the scope does not grant BigQuery.');
  return { access_token: `ya29.sim-${randomBytes(18).toString('base64url')}`, expires_in: 3599, token_type: 'Bearer' };
}

// INFORMATION_SCHEMA.JOBS with the documented columns, and three jobs of the last day so the
// documented "most expensive queries" query has rows to find.
const jobsTableSql = `
  CREATE TABLE information_schema_jobs (
    job_id VARCHAR, project_id VARCHAR, principal_subject VARCHAR, user_email VARCHAR,
    total_bytes_billed BIGINT, total_bytes_processed BIGINT, job_type VARCHAR, statement_type VARCHAR,
    state VARCHAR, cache_hit BOOLEAN,
    referenced_tables STRUCT(project_id VARCHAR, dataset_id VARCHAR, table_id VARCHAR)[],
    destination_table STRUCT(project_id VARCHAR, dataset_id VARCHAR, table_id VARCHAR),
    labels STRUCT(key VARCHAR, value VARCHAR)[],
    query VARCHAR, creation_time TIMESTAMPTZ,
    error_result STRUCT(reason VARCHAR, location VARCHAR, message VARCHAR)
  );
  INSERT INTO information_schema_jobs VALUES
    ('bquxjob_1', 'sluice-test', 'user:alice@example.com', 'alice@example.com', 1073741824, 1073741000, 'QUERY', 'SELECT', 'DONE', false,
     [{'project_id': 'sluice-test', 'dataset_id': 'sales', 'table_id': 'orders'}],
     {'project_id': 'sluice-test', 'dataset_id': '_anon', 'table_id': 'anon1'},
     [{'key': 'team', 'value': 'data'}], 'SELECT * FROM sales.orders', CURRENT_TIMESTAMP - INTERVAL 2 HOUR, NULL),
    ('bquxjob_2', 'sluice-test', 'serviceAccount:etl@sluice-test.iam.gserviceaccount.com', 'etl@sluice-test.iam.gserviceaccount.com', 10485760, 10485000, 'QUERY', 'INSERT', 'DONE', false,
     [], NULL, [], 'INSERT INTO sales.daily SELECT 1', CURRENT_TIMESTAMP - INTERVAL 1 DAY, NULL),
    ('bquxjob_3', 'sluice-test', 'user:bob@example.com', 'bob@example.com', 0, 0, 'QUERY', 'SCRIPT', 'DONE', true,
     [], NULL, [], 'BEGIN SELECT 1; END', CURRENT_TIMESTAMP - INTERVAL 3 HOUR, NULL);
`;
