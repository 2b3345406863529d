import { z } from 'zod';
import { lookbackSchema } from './lookback-schema.js';
import { rateLimitSchema, responseRuleSchema, retrySchema, timeoutsSchema } from '../http/request-policy.js';

/** A Liquid template string (rendered with the context its field documents). */
const template = z.string();

/** A Liquid condition without braces, as in `{% if %}`. */
const condition = z.string();

/** A field's description, read by editors (JSON Schema), the UI's forms and DESIGN's key tables. */
const about = (description: string) => ({ description });

/** How many rows a batch request carries unless `batch.size` says otherwise. */
export const DEFAULT_BATCH_SIZE = 100;

export const configFieldSchema = z
  .strictObject({
    type: z.enum(['string', 'number', 'integer', 'boolean']).default('string').meta(about('The type a connection\'s value must have (strings from ${env:} are converted). Default: string.')),
    required: z.boolean().default(false).meta(about('A connection must give this field. Default: false.')),
    default: z.union([z.string(), z.number(), z.boolean()]).optional().meta(about('The value used when a connection gives none.')),
    secret: z.boolean().default(false).meta(about('The value is a secret: it is masked in every output. Default: false.')),
    description: z.string().optional().meta(about('What the field is, in the user\'s words; shown in forms and in the "missing required config" error.')),
  })
  .meta(about('One setting a connection gives (templates see it as config.NAME).'));

const tokenHeader = {
  header: z.string().default('Authorization').meta(about('The header carrying the credential. Default: Authorization.')),
  scheme: z.string().default('Bearer').meta(about('Written before the token in the header; empty for none. Default: Bearer.')),
};

/** What the claims of a jwt auth see: config, the signing time and the expiry (seconds since 1970). */
export const JWT_CLAIM_VARIABLES = ['config', 'now', 'exp'];

const clientAuth = z
  .enum(['body', 'basic', 'client_secret_post', 'client_secret_basic'])
  .default('body')
  .meta(about(
    'How token calls present the client id and secret: body (form fields, the default) or basic (an HTTP Basic header, RFC 6749 §2.3.1). ' +
      'client_secret_post and client_secret_basic are the same two by their registered names.',
  ));
const sessionLogin = z
  .strictObject({
    method: z.enum(['POST', 'GET', 'PUT']).default('POST').meta(about('The HTTP method of the login request. Default: POST.')),
    path: template.meta(about('Appended to the base URL (a template seeing config); the login goes to the connection\'s own origin only, e.g. /api/login.')),
    headers: z.record(z.string(), template).default({}).meta(about('Headers of the login request (templates seeing config); the connector\'s headers are not sent with it.')),
    body: z.union([template, z.record(z.string(), template)]).optional().meta(about(
      'The login body: a template seeing config (JSON-escaped when Content-Type is JSON, the default with a body), ' +
        'or a mapping of templates sent as JSON (form-encoded when Content-Type is a form), e.g. { username: "{{ config.username }}", password: "{{ config.password }}" }.',
    )),
    token_path: z.string().meta(about('A JSONPath to the token in the login response body, e.g. "$.session.token".')),
    expires_in_path: z.string().optional().meta(about('A JSONPath to the token\'s lifetime in seconds in the login response, e.g. "$.expires_in".')),
    expires_in: z.number().int().positive().max(31_536_000).optional().meta(about('The token\'s lifetime in seconds, when the response does not say. Without either the token is used until the API refuses it.')),
  })
  .meta(about('The login request that yields the session token. It is sent on first use, again before the token expires, and once when the API answers 401.'));

const tokenParams = z.record(z.string(), z.string()).default({}).meta(about('Extra form fields sent with every token call (templates seeing config), e.g. { audience: "api" }.'));
const scopes = z.array(z.string()).default([]).meta(about('Scopes asked for, joined with spaces. Default: none.'));
const baseUrlFrom = z.string().optional().meta(about('A token-response field whose value becomes the base URL (Salesforce: instance_url).'));
const kind = <T extends string>(type: T, description: string) => z.literal(type).meta(about(description));

export const connectorAuthSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: kind('none', 'none: requests carry no credential.') }),
  z.strictObject({
    type: kind('api_key', 'api_key: a key from the connection (or several, used in turn), in a header or a query parameter.'),
    in: z.enum(['header', 'query']).default('header').meta(about('Where the key goes: header (default) or query.')),
    name: z.string().default('Authorization').meta(about('The header or query parameter carrying the key. Default: Authorization.')),
    scheme: z.string().optional().meta(about('Written before the key in a header (e.g. Token); none by default.')),
    per_key_requests_per_second: z.number().positive().max(10_000).optional().meta(about(
      'With several keys (the connection\'s auth.keys): the most requests a second each key sends, so a quota per key spreads over the keys. ' +
        'Requests take the keys in turn and wait for the next key with room. Default: no limit of its own (rate_limit still applies).',
    )),
  }),
  z.strictObject({
    type: kind('basic', 'basic: HTTP Basic with the connection\'s username and password.'),
    header: z.string().default('Authorization').meta(about('The header carrying the credentials. Default: Authorization.')),
  }),
  z.strictObject({ type: kind('bearer', 'bearer: a fixed token from the connection.'), ...tokenHeader }),
  z.strictObject({
    type: kind('oauth2', 'oauth2: the authorization-code grant (sluice connect, or Connect in the UI), with refresh.'),
    authorization_url: template.meta(about('Where the browser is sent to approve access (a template seeing config).')),
    token_url: template.meta(about('Where codes and refresh tokens are exchanged for access tokens (a template seeing config).')),
    refresh_url: template.nullable().optional().meta(about('Where refresh tokens are exchanged, when it differs from token_url.')),
    scopes,
    authorization_params: z.record(z.string(), z.string()).default({}).meta(about('Extra parameters added to the authorization URL (templates seeing config), e.g. { access_type: offline }.')),
    token_params: tokenParams,
    client_auth: clientAuth,
    pkce: z.boolean().default(false).meta(about('PKCE (RFC 7636): send an S256 challenge with the authorization request and its verifier with the code exchange, as providers requiring it and public clients (no secret) need. Default: false.')),
    base_url_from: baseUrlFrom,
    ...tokenHeader,
  }),
  z.strictObject({
    type: kind('session', 'session: a token from a login request (username and password from config), sent with every request and renewed by logging in again.'),
    login: sessionLogin,
    query_param: z.string().min(1).max(100).optional().meta(about('Send the token in this query parameter instead of a header (e.g. session_id).')),
    ...tokenHeader,
  }),
  z.strictObject({
    type: kind('jwt', 'jwt: a JSON Web Token signed with a private key, sent as a bearer token or exchanged at token_url for an access token (RFC 7523, as Google service accounts do).'),
    claims: z.record(z.string(), z.union([template, z.number(), z.boolean()])).default({}).meta(about(
      'The token\'s claims (templates seeing config, now and exp: now is the signing time and exp now + lifetime_seconds, in seconds since 1970), ' +
        'e.g. { iss: "{{ config.client_email }}", aud: "https://oauth2.googleapis.com/token" }. A claim reading now or exp that renders a whole number is sent as a number. ' +
        'iat and exp are added unless given.',
    )),
    algorithm: z.enum(['RS256', 'ES256']).default('RS256').meta(about('The signature: RS256 (an RSA key, the default) or ES256 (an EC P-256 key).')),
    private_key: template.optional().meta(about(
      'The PEM private key, when a config field holds it (a template seeing config, e.g. "{{ config.private_key }}"). ' +
        'Else the connection gives it: auth: { type: jwt, private_key: "${secret:NAME}" }.',
    )),
    key_id: template.optional().meta(about('The kid header naming the key to the provider (a template seeing config), e.g. a service account\'s private_key_id.')),
    token_url: template.optional().meta(about(
      'Where the signed token is exchanged for an access token (grant_type urn:ietf:params:oauth:grant-type:jwt-bearer, a template seeing config). ' +
        'Without it the signed token itself is sent.',
    )),
    token_params: tokenParams,
    lifetime_seconds: z.number().int().min(30).max(86_400).default(3600).meta(about('How long a signed token is valid (its exp); it is signed again, or exchanged again, before then. Default: 3600.')),
    ...tokenHeader,
  }),
  z.strictObject({
    type: kind('oauth2_client_credentials', 'oauth2_client_credentials: a token for the client itself (no user), fetched and renewed as needed.'),
    token_url: template.meta(about('Where the client credentials are exchanged for an access token (a template seeing config).')),
    scopes,
    token_params: tokenParams,
    client_auth: clientAuth,
    base_url_from: baseUrlFrom,
    ...tokenHeader,
  }),
]);

const responseRules = z.array(responseRuleSchema).default([]).meta(about('Rules classifying responses, checked in order before the connector\'s and the defaults.'));

export const operationSchema = z
  .enum(['create', 'update', 'upsert', 'delete', 'lookup'])
  .meta(about('What the endpoint does to a record: create, update, upsert, delete, or lookup (find a record\'s remote id by its key).'));

const methods = <const M extends readonly [string, ...string[]]>(list: M, fallback: M[number]) =>
  z.enum(list).default(fallback).meta(about(`The HTTP method. Default: ${fallback}.`));

/** One request of an asynchronous job (creating it, polling it, downloading or reading its results). */
const jobRequest = (fallback: 'GET' | 'POST' | 'PATCH', role: string) =>
  z
    .strictObject({
      method: methods(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], fallback),
      path: template.meta(about('Appended to the base URL (a template seeing config, vars and job), e.g. "/jobs/{{ job.id }}".')),
      query: z.record(z.string(), template).default({}).meta(about('Query parameters (templates seeing what path sees); one rendering empty is left out.')),
      headers: z.record(z.string(), template).default({}).meta(about('Headers besides the connector\'s (templates seeing what path sees).')),
      body: z.union([template, z.record(z.string(), z.unknown())]).optional().meta(about(
        'The request body: a template (JSON mode when Content-Type is JSON, the default for a body starting with { or [), or a mapping sent as JSON (form-encoded when Content-Type is a form).',
      )),
    })
    .meta(about(role));

/** How a job's answer is read: JSON, or CSV (a header line, then one record a line; Salesforce Bulk API 2.0). */
const jobFormat = z
  .enum(['json', 'csv'])
  .optional()
  .meta(about('How the body is read: json, or csv (a header line naming the fields, then one record a line, RFC 4180). Default: csv when the response\'s Content-Type is text/csv, else json.'));

/** The most requests one poll of a job may send, whatever timeout_ms allows. */
export const MAX_JOB_POLLS = 100_000;

const jobPoll = z
  .strictObject({
    request: jobRequest('GET', 'The request asking for the job\'s state (templates seeing config, vars and job).').optional(),
    until: condition.meta(about(
      'A condition on response (the poll\'s answer; job too) that the job is done, e.g. "response.body.state == \'JobComplete\'".',
    )),
    failed: condition.optional().meta(about(
      'A condition on response that the job failed for good, e.g. "response.body.state == \'Failed\' or response.body.state == \'Aborted\'": polling stops with error\'s message.',
    )),
    error: template.optional().meta(about('The message of a failed job (a template seeing response and job), e.g. "{{ response.body.errorMessage }}". Default: the connector\'s error_message, else the body.')),
    interval_ms: z.number().int().min(10).max(3_600_000).default(5000).meta(about('How long to wait between polls, in milliseconds (10 to 3600000). Default: 5000.')),
    timeout_ms: z.number().int().min(100).max(86_400_000).default(3_600_000).meta(about(
      'How long the job may take, in milliseconds from its creation (100 to 86400000): past it the read or write fails naming the job and its last answer. Default: 3600000 (an hour).',
    )),
    max_polls: z.number().int().min(1).max(MAX_JOB_POLLS).default(10_000).meta(about(`The most poll requests one job may take before it fails (1 to ${MAX_JOB_POLLS}). Default: 10000.`)),
  })
  .meta(about('How to wait for the job: a request sent every interval_ms until the until condition holds, the failed condition holds, or timeout_ms passes.'));

export const endpointJobSchema = z
  .strictObject({
    create: jobRequest('POST', 'A request opening the job before the batch is sent (Salesforce: POST /jobs/ingest); its response body is job, seen by the batch\'s own request and every later one (templates seeing config, vars and rows).').optional(),
    close: jobRequest('PATCH', 'A request sent once the batch is sent, telling the API the job has all its records (Salesforce: PATCH /jobs/ingest/{{ job.id }} with state UploadComplete).').optional(),
    abort: jobRequest('PATCH', 'A request giving the job up when the write does not go on: its batch was refused, the job was not done within timeout_ms, or polling failed (Salesforce: PATCH /jobs/ingest/{{ job.id }} with state Aborted). A failing abort only adds to the error.').optional(),
    poll: jobPoll,
    split: z.boolean().default(true).meta(about(
      'A job that fails as a whole is split and its halves sent again as jobs, until the rows causing it stand alone (as a batch refused ' +
        'as a whole is). false: every row of the job fails with its message, for APIs whose whole-job failures are never one row\'s ' +
        '(a batch of N rows can take up to 2N-1 jobs to split). Default: true.',
    )),
    results: z
      .array(
        jobRequest('GET', '')
          .extend({
            path: template.optional().meta(about('Appended to the base URL (a template seeing config, vars and job), e.g. "/jobs/{{ job.id }}/results". Give path or url.')),
            url: template.optional().meta(about(
              'The whole URL of the results, instead of path (a template seeing job), e.g. "{{ job.response_body_url }}". It must be on the ' +
                'connection\'s origin unless external is true: a URL an API answers is never followed elsewhere with the connection\'s credentials.',
            )),
            external: z.boolean().default(false).meta(about(
              'The results are on another host (Mailchimp\'s batch results on S3): url is fetched with a plain GET carrying none of the ' +
                'connection\'s credentials, headers or cookies, over https (http only for loopback and SLUICE_ALLOWED_HOSTS), through the same ' +
                'network guard as every request (server mode refuses private addresses), no redirect followed. Needs url. Default: false.',
            )),
            archive: z.enum(['tar.gz']).optional().meta(about(
              'The answer is a gzipped tar archive of JSON files (Mailchimp batch results): the results are the records (at records) of every ' +
                'file, file after file. At most 64 MiB unpacked and 10000 files. Needs external (an archive is read as bytes, without credentials).',
            )),
            parse_json: z.array(z.string().min(1).max(200)).max(20).default([]).meta(about(
              'Fields of each result holding JSON as text, read as JSON (Mailchimp\'s response), so templates reach inside: {{ result.response.detail }}. ' +
                'A field whose text is not JSON is left as text.',
            )),
            records: z.string().default('$').meta(about('A JSONPath to the results in a JSON answer. Default: $ (the body is the list); a CSV answer\'s rows are its results.')),
            format: jobFormat,
          })
          .meta(about('A request whose answer holds per-record results (Salesforce: successfulResults, failedResults).')),
      )
      .min(1)
      .max(10)
      .optional()
      .meta(about(
        'The requests reading the per-record results once the job is done; their results together are read by response: (match, success, record_id, error), each seen as result. ' +
          'Default: the results are read from the last poll\'s answer, at response.results (Zendesk job_status.results).',
      )),
  })
  .meta(about(
    'An asynchronous batch write: the endpoint\'s request (its method, path, body: the rendered batch, e.g. "{{ rows | csv }}") submits the batch to a job, ' +
      'then the job is polled until done and its per-record results read and matched to the rows (response.match, else by position), as for a batch answered at once. ' +
      'Without create, the batch\'s own answer is job. A job that fails as a whole is split and retried in halves, as a batch refused as a whole is. Needs request: batch.',
  ));

export const endpointSchema = z.strictObject({
  operation: operationSchema,
  request: z.enum(['single', 'batch']).default('single').meta(about('single: one record a request (default); batch: many records a request (see batch).')),
  method: methods(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], 'POST'),
  path: template.meta(about('Appended to the base URL; a template seeing row and record (rows and records in a batch), e.g. "/issues/{{ record.id }}".')),
  query: z.record(z.string(), template).default({}).meta(about('Query parameters (templates seeing what path sees).')),
  headers: z.record(z.string(), template).default({}).meta(about('Headers besides the connector\'s (templates).')),
  body: z.union([template, z.record(z.string(), z.unknown())]).optional().meta(about(
    'The request body: a template (JSON mode when Content-Type is JSON: every {{ }} output is escaped for a JSON string, | json writes a whole literal), ' +
      'or a mapping form-encoded when Content-Type is a form. Filters besides standard Liquid\'s: json, csv (rows as CSV text: a header line, a line a row), ' +
      'md5 and sha256 (lower-case hex), base64, form (an object as x-www-form-urlencoded text); date takes strftime formats.',
  )),
  batch: z
    .strictObject({
      size: z.number().int().min(1).default(DEFAULT_BATCH_SIZE).meta(about(`The most records in one request. Default: ${DEFAULT_BATCH_SIZE}.`)),
      item: template.optional().meta({
        description:
          'One row as a JSON item (a template seeing row and record); the items make `items`, a JSON array, for batch.body. ' +
          'Needed only when batch.body uses items.',
      }),
      body: template.optional().meta({
        description:
          'The request body (a template seeing rows, records and items). Default: {{ items }} when batch.item is given; ' +
          'without both, no body is sent (a DELETE whose ids go in the query, from records).',
      }),
    })
    .optional()
    .meta(about('How a batch endpoint (request: batch) groups records: size, one item per row, the body around the items.')),
  default: z.boolean().optional().meta({
    description:
      'On a lookup endpoint: used by every upsert or mirror sync of this connector that names no lookup of its own ' +
      '(endpoints: { lookup: NAME }). Mark it only when every row has what the lookup reads (the key, e.g. row.email). ' +
      'Without it a lookup runs only when a sync names it.',
  }),
  response: z
    .strictObject({
      record_id: template.optional().meta(about('The remote id of the record (a template seeing response, or result in a batch), kept so later runs update it, e.g. "{{ response.body.id }}".')),
      results: z.string().optional().meta(about('A batch: the JSONPath to the per-record results in the body, e.g. "$.results".')),
      match: template.optional().meta(about('A batch: matches a result to its row by key (a template seeing result); default: by position.')),
      success: condition.optional().meta(about('A condition that the record succeeded (seeing response, or result in a batch); false marks it failed.')),
      error: template.optional().meta(about('The message of a failed record (a template seeing response or result).')),
    })
    .default({})
    .meta(about('How to read what the API answered: the remote id, per-record results of a batch, success and error.')),
  responses: responseRules,
  job: endpointJobSchema.optional(),
});

export const paginateSchema = z
  .discriminatedUnion('type', [
    z.strictObject({
      type: kind('offset', 'offset: an offset and a limit in the query (or placed by the stream\'s query templates: in: template).'),
      offset_param: z.string().default('offset').meta(about('The query parameter of the offset. Default: offset.')),
      limit_param: z.string().default('limit').meta(about('The query parameter of the page size. Default: limit.')),
      limit: z.number().int().positive().default(100).meta(about('Records a page. Default: 100.')),
      total: z.string().optional().meta(about('A JSONPath to the total count of records, when the API gives it (reading stops there).')),
      in: z.enum(['query', 'template']).default('query').meta(about(
        'Where the offset and limit go: query (offset_param and limit_param, the default), or template: no parameter is sent and the ' +
          'stream\'s query templates place {{ page.offset }} and {{ page.limit }} themselves, for APIs paging inside a query language ' +
          '(kintone: query: "order by $id asc limit {{ page.limit }} offset {{ page.offset }}").',
      )),
      restart_after: z.number().int().min(1).max(100_000_000).optional().meta(about(
        'For APIs that cap how deep paging goes (offset <= 10000): after this many records, e.g. 10000, paging starts again from its first page, ' +
          'asking from the incremental cursor_field value of the last record read (sent in incremental.param, or placed by the query templates, ' +
          'which then see it as cursor). The API must return records in ascending cursor order, the cursor value sent included: records already ' +
          'read at that value are left out by primary_key, so each is read once, and more than this many records sharing one value fail the read. ' +
          'Needs incremental with inclusive: true, and primary_key. Default: no restart.',
      )),
    }),
    z.strictObject({
      type: kind('page', 'page: a page number in the query.'),
      page_param: z.string().default('page').meta(about('The query parameter of the page number. Default: page.')),
      size_param: z.string().optional().meta(about('The query parameter of the page size, when the API takes one.')),
      size: z.number().int().positive().optional().meta(about('Records a page, sent in size_param.')),
      start: z.number().int().default(1).meta(about('The number of the first page. Default: 1.')),
      total_pages: z.string().optional().meta(about('A JSONPath to the number of pages, when the API gives it (reading stops there).')),
      restart_after: z.number().int().min(1).max(100_000_000).optional().meta(about(
        'For APIs that cap how deep paging goes (offset <= 10000): after this many records, e.g. 10000, paging starts again from its first page, ' +
          'asking from the incremental cursor_field value of the last record read (sent in incremental.param, or placed by the query templates, ' +
          'which then see it as cursor). The API must return records in ascending cursor order, the cursor value sent included: records already ' +
          'read at that value are left out by primary_key, so each is read once, and more than this many records sharing one value fail the read. ' +
          'Needs incremental with inclusive: true, and primary_key. Default: no restart.',
      )),
    }),
    z.strictObject({
      type: kind('cursor', 'cursor: a token from each response asks for the next page.'),
      cursor: z.string().optional().meta(about('A JSONPath to the next page\'s token in the body, e.g. "$.paging.next.after"; null or empty ends the read. Give cursor or header.')),
      header: z.string().min(1).max(200).optional().meta(about(
        'The response header holding the next page\'s token instead of the body, e.g. Sforce-Locator (Salesforce Bulk API 2.0); empty or the text null ends the read. Give cursor or header.',
      )),
      cursor_param: z.string().min(1).max(200).meta(about(
        'Where the token is sent: a query parameter\'s name, or with in: body a dotted path in the stream\'s JSON body (variables.after), its objects created where absent.',
      )),
      in: z.enum(['query', 'body']).default('query').meta(about(
        'Where the token is sent: query (default), or body: set at cursor_param in the JSON body the stream sends (a GraphQL query\'s variables: ' +
          'cursor_param: variables.after), the first page sent without it. body needs the stream\'s body.',
      )),
    }),
    z.strictObject({
      type: kind('next_url', 'next_url: each response gives the URL of the next page.'),
      next_url: z.string().meta(about('A JSONPath to the next page\'s URL in the body, e.g. "$.nextRecordsUrl".')),
    }),
    z.strictObject({
      type: kind('link_header', 'link_header: the next page is in the Link header (RFC 8288).'),
      rel: z.string().default('next').meta(about('The link relation of the next page. Default: next.')),
    }),
  ])
  .meta(about('How the stream pages: offset, page, cursor, next_url or link_header. Default: one request.'));

export const streamSchema = z.strictObject({
  method: methods(['GET', 'POST'], 'GET'),
  path: template.optional().meta(about(
    'Appended to the base URL; a template seeing config, vars and cursor (the incremental cursor this read asks from, as sent in incremental.param; ' +
      'null when the read starts from the beginning). Needed unless the stream reads a job (job.download).',
  )),
  query: z.record(z.string(), z.union([template, z.number(), z.boolean()])).default({}).meta(about(
    'Query parameters of every page (templates seeing config, vars and cursor; with an offset paginate also page: { offset, limit }, the page ' +
      'asked for, and after a restart_after restart cursor is the value paging restarted from), e.g. { count: 100 }; one rendering empty is left out.',
  )),
  headers: z.record(z.string(), template).default({}).meta(about('Headers besides the connector\'s (templates).')),
  body: template.optional().meta(about(
    'A JSON body template, for a POST search or a GraphQL query (JSON mode, as an endpoint body); it sees what path sees, ' +
      'e.g. "variables": { "updatedSince": {{ cursor | json }} }. Rendered once per read: every page sends the same body, ' +
      'except for the next page\'s token, which a cursor paginate with in: body sets in it.',
  )),
  records: z.string().default('$').meta(about('A JSONPath to the array of records in each response, e.g. "$.data". Default: $ (the body is the array).')),
  unwrap_fields: z.string().min(1).max(200).optional().meta(about(
    'For APIs that wrap each field\'s value in an object: every field of a record that is an object holding this key becomes that key\'s ' +
      'value (kintone\'s { "type": "NUMBER", "value": "42" } with unwrap_fields: value becomes "42"), before primary_key, incremental and ' +
      'partition read the record. Default: records as the API gives them.',
  )),
  paginate: paginateSchema.optional(),
  primary_key: z.union([z.string(), z.array(z.string()).min(1)]).optional().meta(about('The field (or fields) identifying a record, used as the key of syncs reading the stream.')),
  incremental: z
    .strictObject({
      cursor_field: z.string().meta(about('The record field that grows when a record changes (updated_at): the highest value read is kept as the cursor.')),
      param: z.string().optional().meta(about(
        'The query parameter the kept cursor is sent in, so the API returns only newer records, e.g. updatedSince. Needed unless the ' +
          'stream\'s templates place the cursor themselves (cursor, e.g. in a job\'s query: WHERE SystemModstamp > {{ cursor }}).',
      )),
      format: z.string().optional().meta(about('An strftime format the cursor is sent in when the API wants a date, e.g. "%Y-%m-%d". Default: as kept.')),
      lookback: lookbackSchema.optional().meta(about(
        'How far before the kept cursor the next incremental read starts, so records that arrive late (written with an older ' +
          'cursor value after a read) are read again: an ISO-8601 duration in weeks, days, hours, minutes and seconds, such as PT1H or P2D, or seconds (at most 366 days). ' +
          'Rows read again are unchanged for the ledger, so nothing is sent twice. Needs a date-time cursor. Default: none.',
      )),
      start: z.string().min(1).max(100).optional().meta(about(
        'The cursor value a read starts from when no cursor is kept (the first run, a full read), sent in param in the form ' +
          'of format, e.g. 2024-01-01T00:00:00Z: records before it are never read. Default: none (the first read is not filtered).',
      )),
      inclusive: z.boolean().default(false).meta(about(
        'The API returns the records whose cursor equals the one sent (updated_since >=, as most do). The records read at the ' +
          'kept cursor value are then remembered by primary_key (up to 10000) and left out when read again, so a record ' +
          'written in the checkpoint\'s second after a read is neither lost (as with >) nor sent twice. Needs primary_key. Default: false.',
      )),
    })
    .optional()
    .meta(about('Read only what changed since the last run: the highest cursor_field value read is kept, and sent in param.')),
  partition: z
    .strictObject({
      stream: z.string().min(1).max(200).meta(about('The parent stream: each of its records is one partition of this stream, read with its own requests.')),
      field: z.string().min(1).max(200).meta(about("The parent record's field naming its partition (its id): an incremental stream keeps a cursor per value.")),
      as: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'a name of letters, digits and _').meta(about(
        'The name templates see the parent record under: {{ partition.<as>.id }} in path, query, headers and body.',
      )),
      copy: z.array(z.string().min(1).max(200)).max(100).default([]).meta(about('Parent fields copied into each of its records, as <as>_<field> (e.g. project_name).')),
    })
    .optional()
    .meta(about(
      'Child records read per parent record (issues per project: path "/projects/{{ partition.project.id }}/issues"). The parent ' +
        'stream is read in full every time; an incremental child keeps its cursor per partition.',
    )),
  chunk_fields: z
    .strictObject({
      param: z.string().min(1).max(200).meta(about('The query parameter a chunk of fields is sent in, joined by commas, e.g. properties.')),
      size: z.number().int().min(1).max(1000).meta(about('The most fields one request asks for (the API\'s cap), 1 to 1000.')),
      fields: z
        .array(z.string().min(1).max(200).regex(/^[^,]*$/, 'a field name without a comma (the chunk is joined by commas)'))
        .min(1)
        .max(10_000)
        .meta(about(
          'The fields the stream reads, split into chunks of size. Those of primary_key listed here are sent in every chunk; ' +
            'a key field the API always returns (HubSpot\'s id) need not be listed.',
        )),
    })
    .optional()
    .meta(about(
      'For APIs that cap the fields one request may ask for (HubSpot properties): the read is made once per chunk of fields, ' +
        'every page of each, and the records are merged by primary_key into one (nested objects merged too). A record missing ' +
        'from a chunk (created or deleted during the read) is left out until a read has it whole. One read holds its records ' +
        'until the last chunk: past 1000000 it fails. Needs primary_key.',
    )),
  job: z
    .strictObject({
      create: jobRequest('POST', 'The request creating the job (an export, a bulk query); its response body is job, seen by every later request. Its templates see config, vars, partition and cursor (the incremental cursor the read asks from, e.g. WHERE SystemModstamp > {{ cursor }} in a query).'),
      abort: jobRequest('PATCH', 'A request giving the job up when the read stops before downloading: the job was not done within timeout_ms, or polling failed (Salesforce: PATCH /jobs/query/{{ job.id }} with state Aborted). A failing abort only adds to the error.').optional(),
      poll: jobPoll,
      download: jobRequest('GET', '').extend({ format: jobFormat }).meta(about(
        'The request reading the job\'s records (templates seeing config, vars and job), paged by the stream\'s paginate; records selects them in a JSON answer.',
      )),
    })
    .optional()
    .meta(about(
      'An asynchronous read (Salesforce Bulk API 2.0 query, report exports), instead of path: create the job, poll it until done, then download its records (JSON or CSV, paged by paginate). ' +
        'job is the create answer\'s body, updated with each poll answer\'s fields; every later request\'s templates see it (job.id). Without poll.request, the first download request is repeated until until holds.',
    )),
  max_requests: z.number().int().positive().default(10_000).meta(about('The most requests one read may make before it fails (a paging setting that never ends). Default: 10000.')),
  responses: responseRules,
  stop_when: condition.optional().meta({
    description:
      "A condition on `response` (as in responses[].when), evaluated on each page: when true, that page's records are kept " +
      'and reading stops. For APIs that mark their last page otherwise, e.g. "response.body.done" or "response.body.paging == nil".',
  }),
});

export const connectorTestSchema = z
  .strictObject({
    method: z.enum(['GET', 'POST']).default('GET').meta({ description: 'GET, or POST for APIs whose check is a POST (Slack auth.test).' }),
    path: template.meta({ description: 'Appended to the base URL; a template seeing config.' }),
    query: z.record(z.string(), template).default({}).meta({ description: 'Query parameters (templates seeing config).' }),
    headers: z.record(z.string(), template).default({}).meta({ description: 'Headers besides the connector headers and the credential.' }),
    body: template.optional().meta({ description: 'A request body template, for a POST.' }),
    success: condition.optional().meta({
      description:
        'A condition on `response` (as in responses[].when) that the credentials work, e.g. "response.status == 200 and response.body.ok == true". Default: a 2xx status.',
    }),
  })
  .meta({
    description:
      'The request `sluice connections test` sends to check the credentials: a cheap endpoint that needs them (the current user, the account). ' +
      'A 401 or 403, another error status, or a false `success` fails the test with the API\'s message; without `test:` a connection that answers is only "reachable; credentials not verified".',
  });

/** A connector spec (`connectors/<name>.yaml`): one HTTP API. */
export const connectorSpecSchema = z.strictObject({
  $schema: z.string().optional().meta(about('The JSON Schema editors check this file against (connector.schema.json, written by sluice schema).')),
  name: z.string().regex(/^[a-z][a-z0-9_-]*$/, 'a connector name is lower-case letters, digits, - and _').meta(about('The connector\'s name: lower-case letters, digits, - and _.')),
  title: z.string().optional().meta(about('The name people read, e.g. "Backlog".')),
  description: z.string().optional().meta(about('What the API is and what the connector does with it.')),
  config: z.record(z.string(), configFieldSchema).default({}).meta(about('What a connection must or may give (config: on the connection), by field name.')),
  base_url: template.meta(about('The URL every path is appended to; a template seeing config, e.g. "https://{{ config.space_key }}.backlog.com". A connection may override it.')),
  base_url_secret: z.boolean().default(false).meta({
    description:
      'The base URL is itself a secret (a Slack incoming webhook, a webhook URL carrying a token): the effective URL, after templating or the connection\'s base_url, is masked in every output, keeping its scheme and host (https://hooks.slack.com/****).',
  }),
  auth: z
    .union([connectorAuthSchema, z.array(connectorAuthSchema).min(1)])
    .default([{ type: 'none' }])
    .transform((a) => (Array.isArray(a) ? a : [a]))
    .meta(about('The auth kind the API takes, or a list of the kinds it accepts (a connection picks one by auth.type). Default: none.')),
  rate_limit: rateLimitSchema.default(rateLimitSchema.parse({})).meta(about('How fast requests may go: a rate and a concurrency.')),
  retry: retrySchema.default(retrySchema.parse({})).meta(about('How requests are retried: attempts, statuses, backoff.')),
  timeouts: timeoutsSchema.default(timeoutsSchema.parse({})).meta(about('Time limits of one request attempt.')),
  headers: z.record(z.string(), template).default({}).meta(about('Headers of every request (templates seeing config), e.g. { Accept: application/json }.')),
  error_message: template.optional().meta(about('The API\'s message in an error response (a template seeing response), shown with the failed row, e.g. "{{ response.body.errors[0].message }}".')),
  responses: z.array(responseRuleSchema).default([]).meta(about('Rules classifying responses of every endpoint and stream, checked in order before the defaults.')),
  endpoints: z.record(z.string(), endpointSchema).default({}).meta(about('What a sync can write, by endpoint name: one operation each.')),
  streams: z.record(z.string(), streamSchema).default({}).meta(about('What a sync can read, by stream name: records from a paged GET (or POST).')),
  test: connectorTestSchema.optional(),
});

export type ConnectorSpec = z.infer<typeof connectorSpecSchema>;
export type ConnectorAuth = z.infer<typeof connectorAuthSchema>;
export type Endpoint = z.infer<typeof endpointSchema>;
export type Stream = z.infer<typeof streamSchema>;
export type Paginate = z.infer<typeof paginateSchema>;
export type Operation = z.infer<typeof operationSchema>;
export type EndpointJob = z.infer<typeof endpointJobSchema>;
export type StreamJob = NonNullable<Stream['job']>;
export type JobRequest = StreamJob['create'];
export type JobPoll = StreamJob['poll'];
export type JobResultsRequest = NonNullable<EndpointJob['results']>[number];
