import { z } from 'zod';

const ssh = z.strictObject({
  host: z.string(),
  port: z.number().int().default(22),
  username: z.string(),
  password: z.string().optional(),
  private_key: z.string().optional(),
  passphrase: z.string().optional(),
});

/** Credentials a connection gives for its connector's auth kind. */
export const connectionAuthSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('none') }),
  z.strictObject({ type: z.literal('api_key'), key: z.string() }),
  z.strictObject({ type: z.literal('basic'), username: z.string(), password: z.string() }),
  z.strictObject({ type: z.literal('bearer'), token: z.string() }),
  z.strictObject({
    type: z.literal('oauth2'),
    client_id: z.string(),
    client_secret: z.string().optional(),
    redirect_uri: z.string().optional(),
  }),
  z.strictObject({ type: z.literal('oauth2_client_credentials'), client_id: z.string(), client_secret: z.string() }),
]);

export const connectionSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('duckdb'), path: z.string().default(':memory:') }),
  z.strictObject({ type: z.literal('sqlite'), path: z.string() }),
  z.strictObject({ type: z.literal('postgres'), url: z.string(), ssh: ssh.optional() }),
  z.strictObject({ type: z.literal('mysql'), url: z.string(), ssh: ssh.optional() }),
  z.strictObject({
    type: z.literal('bigquery'),
    project_id: z.string(),
    location: z.string().optional(),
    /** Path to a service-account JSON key file. */
    credentials: z.string().optional(),
    access_token: z.string().optional(),
    /** Base URL of the BigQuery REST API (a simulator in tests). */
    api_endpoint: z.string().default('https://bigquery.googleapis.com'),
    token_url: z.string().optional(),
  }),
  z.strictObject({
    type: z.literal('http'),
    /** A built-in connector name, or a path relative to sluice.yaml. */
    connector: z.string(),
    config: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
    auth: connectionAuthSchema.default({ type: 'none' }),
    /** Overrides the connector's base_url (a sandbox, a staging host). */
    base_url: z.string().optional(),
  }),
]);

export const variableSchema = z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z.strictObject({
    type: z.enum(['date', 'string', 'number', 'identifier']).default('string'),
    default: z.union([z.string(), z.number()]).optional(),
    /** For dates: a signed offset such as -1d, +2h, -30m. */
    offset: z.string().regex(/^[+-]?\d+[smhdwMy]$/, 'an offset looks like -1d, +2h or 30m').optional(),
    format: z.string().optional(),
    timezone: z.string().optional(),
  }),
]);

export const syncSourceSchema = z
  .strictObject({
    connection: z.string(),
    sql: z.string().optional(),
    table: z.string().optional(),
    stream: z.string().optional(),
    variables: z.record(z.string(), variableSchema).default({}),
  })
  .refine((s) => [s.sql, s.table, s.stream].filter((x) => x !== undefined).length === 1, {
    message: 'give exactly one of sql, table or stream',
  });

export const syncDestinationSchema = z
  .strictObject({
    connection: z.string(),
    endpoint: z.string().optional(),
    endpoints: z
      .strictObject({
        create: z.string().optional(),
        update: z.string().optional(),
        upsert: z.string().optional(),
        delete: z.string().optional(),
        lookup: z.string().optional().meta({
          description:
            "A lookup endpoint that finds a record's remote id by its key, for upsert and mirror: a record without a kept id " +
            'is looked up, then updated when found, created when not. Without it only a lookup the connector marks default: true runs.',
        }),
      })
      .optional(),
    table: z.string().optional(),
  })
  .refine((d) => [d.endpoint, d.endpoints, d.table].filter((x) => x !== undefined).length === 1, {
    message: 'give exactly one of endpoint, endpoints or table',
  });

export const syncModeSchema = z.enum(['insert', 'update', 'upsert', 'mirror', 'append']);

export const maxFailedRowsSchema = z.union([
  z.number().int().min(0),
  z.string().regex(/^\d+(\.\d+)?%$/, 'a percentage looks like 5%'),
]);

export const syncSchema = z.strictObject({
  description: z.string().optional(),
  from: syncSourceSchema,
  to: syncDestinationSchema,
  mode: syncModeSchema,
  key: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
  mapping: z.record(z.string(), z.string()).optional(),
  schedule: z.string().optional(),
  full_refresh: z.string().optional().meta({
    description:
      'A cron schedule (like schedule) for full reads of an incremental stream: the first run after each of its ticks reads ' +
      'the whole stream, and only a full read removes records (mode mirror needs it when the stream reads incrementally).',
  }),
  on_error: z.strictObject({ max_failed_rows: maxFailedRowsSchema.default(0) }).default({ max_failed_rows: 0 }),
});

export const pipelineStepSchema = z.union([
  z.string(),
  z.strictObject({ sql: z.string(), connection: z.string() }),
  z.strictObject({ sync: z.string() }),
]);

export const pipelineSchema = z.strictObject({
  description: z.string().optional(),
  schedule: z.string().optional(),
  steps: z.array(pipelineStepSchema).min(1),
});

/** The project file, `sluice.yaml`. */
export const projectSchema = z.strictObject({
  $schema: z.string().optional(),
  version: z.literal(1),
  state: z.string().default('.sluice'),
  connections: z.record(z.string(), connectionSchema).default({}),
  syncs: z.record(z.string(), syncSchema).default({}),
  pipelines: z.record(z.string(), pipelineSchema).default({}),
});

export type Project = z.infer<typeof projectSchema>;
export type Connection = z.infer<typeof connectionSchema>;
export type ConnectionAuth = z.infer<typeof connectionAuthSchema>;
export type Sync = z.infer<typeof syncSchema>;
export type SyncMode = z.infer<typeof syncModeSchema>;
export type SyncSource = z.infer<typeof syncSourceSchema>;
export type SyncDestination = z.infer<typeof syncDestinationSchema>;
export type Variable = z.infer<typeof variableSchema>;
export type Pipeline = z.infer<typeof pipelineSchema>;
export type PipelineStep = z.infer<typeof pipelineStepSchema>;
