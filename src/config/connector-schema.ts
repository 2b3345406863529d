import { z } from 'zod';

/** A Liquid template string (rendered with the context its field documents). */
const template = z.string();

/** A Liquid condition without braces, as in `{% if %}`. */
const condition = z.string();

export const configFieldSchema = z.strictObject({
  type: z.enum(['string', 'number', 'integer', 'boolean']).default('string'),
  required: z.boolean().default(false),
  default: z.union([z.string(), z.number(), z.boolean()]).optional(),
  secret: z.boolean().default(false),
  description: z.string().optional(),
});

const tokenHeader = {
  /** Header carrying the credential. */
  header: z.string().default('Authorization'),
  /** Scheme written before the token; empty for none. */
  scheme: z.string().default('Bearer'),
};

const clientAuth = z.enum(['client_secret_post', 'client_secret_basic']).default('client_secret_post');

export const connectorAuthSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('none') }),
  z.strictObject({
    type: z.literal('api_key'),
    in: z.enum(['header', 'query']).default('header'),
    name: z.string().default('Authorization'),
    scheme: z.string().optional(),
  }),
  z.strictObject({ type: z.literal('basic'), header: z.string().default('Authorization') }),
  z.strictObject({ type: z.literal('bearer'), ...tokenHeader }),
  z.strictObject({
    type: z.literal('oauth2'),
    authorization_url: template,
    token_url: template,
    refresh_url: template.nullable().optional(),
    scopes: z.array(z.string()).default([]),
    authorization_params: z.record(z.string(), z.string()).default({}),
    token_params: z.record(z.string(), z.string()).default({}),
    client_auth: clientAuth,
    pkce: z.boolean().default(false),
    /** Token-response field whose value becomes the base URL (Salesforce: instance_url). */
    base_url_from: z.string().optional(),
    ...tokenHeader,
  }),
  z.strictObject({
    type: z.literal('oauth2_client_credentials'),
    token_url: template,
    scopes: z.array(z.string()).default([]),
    token_params: z.record(z.string(), z.string()).default({}),
    client_auth: clientAuth,
    base_url_from: z.string().optional(),
    ...tokenHeader,
  }),
]);

export const rateLimitSchema = z.strictObject({
  requests_per_second: z.number().positive().optional(),
  concurrency: z.number().int().positive().default(4),
});

export const retrySchema = z.strictObject({
  max_attempts: z.number().int().min(1).default(5),
  on_status: z.array(z.number().int()).default([408, 429, 500, 502, 503, 504]),
  initial_delay_ms: z.number().int().min(0).default(500),
  max_delay_ms: z.number().int().min(0).default(30_000),
});

export const timeoutsSchema = z.strictObject({
  connect_ms: z.number().int().positive().default(10_000),
  read_ms: z.number().int().positive().default(60_000),
  total_ms: z.number().int().positive().default(300_000).meta({
    description:
      'The longest one attempt of a request may take, connecting and reading the whole response included (read_ms only bounds a silence): past it the attempt fails as a timeout and is retried like one.',
  }),
});

export const responseActionSchema = z.enum(['success', 'retry', 'rate_limited', 'refresh_auth', 'reject', 'fail']);

export const responseRuleSchema = z.strictObject({
  when: condition,
  action: responseActionSchema,
  /** Message for reject/fail (a template seeing `response`). */
  message: template.optional(),
});

export const operationSchema = z.enum(['create', 'update', 'upsert', 'delete', 'lookup']);

export const endpointSchema = z.strictObject({
  operation: operationSchema,
  request: z.enum(['single', 'batch']).default('single'),
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('POST'),
  path: template,
  query: z.record(z.string(), template).default({}),
  headers: z.record(z.string(), template).default({}),
  /** Body template; JSON mode when Content-Type is JSON, form-encoding when it is a map and Content-Type is form. */
  body: z.union([template, z.record(z.string(), z.unknown())]).optional(),
  batch: z
    .strictObject({
      size: z.number().int().min(1).default(100),
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
    .optional(),
  default: z.boolean().optional().meta({
    description:
      'On a lookup endpoint: used by every upsert or mirror sync of this connector that names no lookup of its own ' +
      '(endpoints: { lookup: NAME }). Mark it only when every row has what the lookup reads (the key, e.g. row.email). ' +
      'Without it a lookup runs only when a sync names it.',
  }),
  response: z
    .strictObject({
      record_id: template.optional(),
      results: z.string().optional(),
      match: template.optional(),
      success: condition.optional(),
      error: template.optional(),
    })
    .default({}),
  responses: z.array(responseRuleSchema).default([]),
});

export const paginateSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('offset'),
    offset_param: z.string().default('offset'),
    limit_param: z.string().default('limit'),
    limit: z.number().int().positive().default(100),
    total: z.string().optional(),
  }),
  z.strictObject({
    type: z.literal('page'),
    page_param: z.string().default('page'),
    size_param: z.string().optional(),
    size: z.number().int().positive().optional(),
    start: z.number().int().default(1),
    total_pages: z.string().optional(),
  }),
  z.strictObject({
    type: z.literal('cursor'),
    cursor: z.string(),
    cursor_param: z.string(),
    in: z.enum(['query', 'body']).default('query'),
  }),
  z.strictObject({ type: z.literal('next_url'), next_url: z.string() }),
  z.strictObject({ type: z.literal('link_header'), rel: z.string().default('next') }),
]);

export const streamSchema = z.strictObject({
  method: z.enum(['GET', 'POST']).default('GET'),
  path: template,
  query: z.record(z.string(), z.union([template, z.number(), z.boolean()])).default({}),
  headers: z.record(z.string(), template).default({}),
  body: template.optional(),
  records: z.string().default('$'),
  paginate: paginateSchema.optional(),
  primary_key: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
  incremental: z
    .strictObject({
      cursor_field: z.string(),
      param: z.string(),
      format: z.string().optional(),
    })
    .optional(),
  max_requests: z.number().int().positive().default(10_000),
  responses: z.array(responseRuleSchema).default([]),
  stop_when: condition.optional().meta({
    description:
      "A condition on `response` (as in responses[].when), evaluated on each page: when true, that page's records are kept " +
      'and reading stops. For APIs that mark their last page otherwise, e.g. "response.body.done" or "response.body.paging == nil".',
  }),
});

/** A connector spec (`connectors/<name>.yaml`): one HTTP API. */
export const connectorSpecSchema = z.strictObject({
  $schema: z.string().optional(),
  name: z.string().regex(/^[a-z][a-z0-9_-]*$/, 'a connector name is lower-case letters, digits, - and _'),
  title: z.string().optional(),
  description: z.string().optional(),
  config: z.record(z.string(), configFieldSchema).default({}),
  base_url: template,
  base_url_secret: z.boolean().default(false).meta({
    description:
      'The base URL is itself a secret (a Slack incoming webhook, a webhook URL carrying a token): the effective URL, after templating or the connection\'s base_url, is masked in every output, keeping its scheme and host (https://hooks.slack.com/****).',
  }),
  auth: z
    .union([connectorAuthSchema, z.array(connectorAuthSchema).min(1)])
    .default([{ type: 'none' }])
    .transform((a) => (Array.isArray(a) ? a : [a])),
  rate_limit: rateLimitSchema.default({ concurrency: 4 }),
  retry: retrySchema.default({
    max_attempts: 5,
    on_status: [408, 429, 500, 502, 503, 504],
    initial_delay_ms: 500,
    max_delay_ms: 30_000,
  }),
  timeouts: timeoutsSchema.default({ connect_ms: 10_000, read_ms: 60_000, total_ms: 300_000 }),
  headers: z.record(z.string(), template).default({}),
  error_message: template.optional(),
  responses: z.array(responseRuleSchema).default([]),
  endpoints: z.record(z.string(), endpointSchema).default({}),
  streams: z.record(z.string(), streamSchema).default({}),
  test: z
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
    .optional()
    .meta({
      description:
        'The request `sluice connections test` sends to check the credentials: a cheap endpoint that needs them (the current user, the account). ' +
        'A 401 or 403, another error status, or a false `success` fails the test with the API\'s message; without `test:` a connection that answers is only "reachable; credentials not verified".',
    }),
});

export type ConnectorSpec = z.infer<typeof connectorSpecSchema>;
export type ConnectorAuth = z.infer<typeof connectorAuthSchema>;
export type Endpoint = z.infer<typeof endpointSchema>;
export type Stream = z.infer<typeof streamSchema>;
export type Paginate = z.infer<typeof paginateSchema>;
export type ResponseRule = z.infer<typeof responseRuleSchema>;
export type ResponseAction = z.infer<typeof responseActionSchema>;
export type Operation = z.infer<typeof operationSchema>;
export type RetryPolicy = z.infer<typeof retrySchema>;
export type RateLimit = z.infer<typeof rateLimitSchema>;
