import { z } from 'zod';

/** A field's description, read by editors (JSON Schema), the UI's forms and DESIGN's key tables. */
const about = (description: string) => ({ description });
const kind = <T extends string>(type: T, description: string) => z.literal(type).meta(about(description));

/** The default `state:`: an embedded store beside sluice.yaml. */
export const DEFAULT_STATE = '.sluice';

const ssh = z
  .strictObject({
    host: z.string().meta(about('The SSH server (bastion) the database is reached through.')),
    port: z.number().int().default(22).meta(about('The SSH port. Default: 22.')),
    username: z.string().meta(about('The SSH user.')),
    password: z.string().optional().meta(about('The SSH password, when no private key is given (use ${env:} or ${secret:}).')),
    private_key: z.string().optional().meta(about('The private key (PEM text, e.g. "${env:SSH_KEY}").')),
    passphrase: z.string().optional().meta(about('The passphrase of an encrypted private key.')),
  })
  .meta(about('Reach the database through an SSH tunnel.'));

/** Credentials a connection gives for its connector's auth kind. */
export const connectionAuthSchema = z
  .discriminatedUnion('type', [
    z.strictObject({ type: kind('none', 'none: no credential.') }),
    z
      .strictObject({
        type: kind('api_key', 'api_key: a key, or several used in turn, placed as the connector says.'),
        key: z.string().optional().meta(about('The API key (use ${env:} or ${secret:}).')),
        keys: z.array(z.string()).min(1).max(100).optional().meta(about('Several API keys, used in turn (spreading a quota per key); a key the API refuses is skipped for the rest of the run.')),
      })
      .refine((a) => (a.key === undefined) !== (a.keys === undefined), { message: 'give either key (one API key) or keys (a list)', path: ['key'] }),
    z.strictObject({
      type: kind('basic', 'basic: HTTP Basic.'),
      username: z.string().meta(about('The user name.')),
      password: z.string().meta(about('The password (use ${env:} or ${secret:}).')),
    }),
    z.strictObject({ type: kind('bearer', 'bearer: a fixed token.'), token: z.string().meta(about('The token (use ${env:} or ${secret:}).')) }),
    z.strictObject({
      type: kind('oauth2', 'oauth2: authorized once with sluice connect (or Connect in the UI); tokens are kept encrypted in the state store.'),
      client_id: z.string().meta(about('The OAuth client (app) id registered at the provider.')),
      client_secret: z.string().optional().meta(about('The client secret (use ${env:} or ${secret:}); absent for a public client using PKCE.')),
      redirect_uri: z.string().optional().meta(about('The redirect URI registered at the provider. Default: http://127.0.0.1:8765/oauth/callback for sluice connect, the server\'s /oauth/callback in the UI.')),
    }),
    z.strictObject({ type: kind('session', 'session: a token from the connector\'s login request; the login reads its credentials from config.') }),
    z.strictObject({
      type: kind('jwt', 'jwt: a JSON Web Token signed with a private key.'),
      private_key: z.string().optional().meta(about('The PEM private key (use ${secret:} or ${env:}), unless the connector reads it from a config field.')),
    }),
    z.strictObject({
      type: kind('oauth2_client_credentials', 'oauth2_client_credentials: the client\'s own token, fetched as needed.'),
      client_id: z.string().meta(about('The OAuth client id.')),
      client_secret: z.string().meta(about('The client secret (use ${env:} or ${secret:}).')),
    }),
  ])
  .meta(about('The credentials for one of the auth kinds the connector accepts. Default: { type: none }.'));

const databaseUrl = (example: string) => z.string().meta(about(`The connection URL, e.g. "${example}" (use \${env:} or \${secret:} for the password).`));

export const connectionSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: kind('duckdb', 'duckdb: an embedded DuckDB database.'),
    path: z.string().default(':memory:').meta(about('The database file, relative to sluice.yaml. Default: :memory: (a database for this run only).')),
  }),
  z.strictObject({ type: kind('sqlite', 'sqlite: a SQLite file.'), path: z.string().meta(about('The database file, relative to sluice.yaml.')) }),
  z.strictObject({ type: kind('postgres', 'postgres: a PostgreSQL database.'), url: databaseUrl('postgres://user:${env:PGPASSWORD}@host:5432/db'), ssh: ssh.optional() }),
  z.strictObject({ type: kind('mysql', 'mysql: a MySQL or MariaDB database.'), url: databaseUrl('mysql://user:${env:MYSQL_PASSWORD}@host:3306/db'), ssh: ssh.optional() }),
  z.strictObject({
    type: kind('bigquery', 'bigquery: a Google BigQuery project.'),
    project_id: z.string().meta(about('The Google Cloud project whose jobs run the queries.')),
    location: z.string().optional().meta(about('Where the datasets are (US, EU, asia-northeast1...). Default: BigQuery\'s default.')),
    credentials: z.string().optional().meta(about('The path of a service-account JSON key file.')),
    access_token: z.string().optional().meta(about('An OAuth access token, instead of a key file (use ${env:}).')),
    api_endpoint: z.string().default('https://bigquery.googleapis.com').meta(about('The base URL of the BigQuery REST API (a simulator in tests). Default: https://bigquery.googleapis.com.')),
    token_url: z.string().optional().meta(about('Where a service-account key is exchanged for a token. Default: Google\'s, from the key file.')),
  }),
  z.strictObject({
    type: kind('http', 'http: an HTTP API through a connector spec.'),
    connector: z.string().meta(about('A built-in connector name (backlog, hubspot...), or a path to a connector spec relative to sluice.yaml (./connectors/x.yaml).')),
    config: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}).meta(about('Values for the connector\'s config fields, by name.')),
    auth: connectionAuthSchema.default({ type: 'none' }),
    base_url: z.string().optional().meta(about('Overrides the connector\'s base_url (a sandbox, a staging host).')),
  }),
]);

export const variableSchema = z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z.strictObject({
    type: z.enum(['date', 'string', 'number', 'identifier']).default('string').meta(about('How the value is checked and quoted in SQL: date, string (default), number, or identifier (a table or column name).')),
    default: z.union([z.string(), z.number()]).optional().meta(about('The value when --var gives none; for a date, YYYY-MM-DD or ISO-8601 (it replaces now + offset).')),
    offset: z.string().regex(/^[+-]?\d+[smhdwMy]$/, 'an offset looks like -1d, +2h or 30m').optional().meta(about('For dates: a signed offset added to the value, such as -1d, +2h, -30m.')),
    format: z.string().optional().meta(about('For dates: the strftime format written into the SQL. Default: %Y-%m-%d.')),
    timezone: z.string().optional().meta(about('For dates: the IANA zone whose clock the date is read on, e.g. Asia/Tokyo. Default: UTC.')),
  }),
]);

export const syncSourceSchema = z
  .strictObject({
    connection: z.string().meta(about('The connection read from.')),
    sql: z.string().optional().meta(about('A query, or the path of a .sql file, run on the connection; $name$ variables are replaced.')),
    table: z.string().optional().meta(about('A table read whole.')),
    stream: z.string().optional().meta(about('A stream of the connection\'s connector (an HTTP connection).')),
    variables: z.record(z.string(), variableSchema).default({}).meta(about('The $name$ variables of the query: a value, or { type, default, offset, format, timezone }.')),
  })
  .refine((s) => [s.sql, s.table, s.stream].filter((x) => x !== undefined).length === 1, {
    message: 'give exactly one of sql, table or stream',
  })
  .meta(about('What the sync reads: one of sql, table or stream of a connection.'));

const endpointName = (operation: string) => z.string().optional().meta(about(`The endpoint used for records to ${operation}.`));

export const syncDestinationSchema = z
  .strictObject({
    connection: z.string().meta(about('The connection written to.')),
    endpoint: z.string().optional().meta(about('The one endpoint of the connection\'s connector that every record goes to.')),
    endpoints: z
      .strictObject({
        create: endpointName('create'),
        update: endpointName('update'),
        upsert: endpointName('upsert'),
        delete: endpointName('delete'),
        lookup: z.string().optional().meta({
          description:
            "A lookup endpoint that finds a record's remote id by its key, for upsert and mirror: a record without a kept id " +
            'is looked up, then updated when found, created when not. Without it only a lookup the connector marks default: true runs.',
        }),
      })
      .optional()
      .meta(about('One endpoint per operation: a record with a kept remote id is updated, one without is created.')),
    table: z.string().optional().meta(about('A table of a database connection, created when missing.')),
  })
  .refine((d) => [d.endpoint, d.endpoints, d.table].filter((x) => x !== undefined).length === 1, {
    message: 'give exactly one of endpoint, endpoints or table',
  })
  .meta(about('Where the sync writes: an endpoint (or endpoints) of an HTTP connection, or a table.'));

export const syncModeSchema = z
  .enum(['insert', 'update', 'upsert', 'mirror', 'append'])
  .meta(about('insert: new keys only; update: known keys only; upsert: both; mirror: upsert and delete what is gone from the source; append: every row read, no change detection.'));

export const maxFailedRowsSchema = z
  .union([z.number().int().min(0), z.string().regex(/^\d+(\.\d+)?%$/, 'a percentage looks like 5%')])
  .meta(about('How many rows may fail before the run fails: a count, or a percentage such as "5%" of the planned rows. Default: 0.'));

export const maxInvalidRowsSchema = z
  .union([z.number().int().min(0), z.string().regex(/^\d+(\.\d+)?%$/, 'a percentage looks like 5%')])
  .meta(about('How many rows may be invalid (caught before sending: no key, a request that cannot be rendered) before the run fails: a count, or a percentage such as "5%" of the planned rows. Default: 0.'));

const onErrorSchema = z.strictObject({
  max_failed_rows: maxFailedRowsSchema.default(0),
  max_invalid_rows: maxInvalidRowsSchema.default(0),
});

/** Bounds of a sync's `fields:` rules: a name as long as any API's field names, as many rules as a wide model has columns. */
export const MAX_FIELD_NAME_CHARS = 255;
export const MAX_FIELD_RULES = 1000;
export const MAX_FIELD_VALUE_CHARS = 65_536;

export const fieldRuleSchema = z
  .strictObject({
    skip_null: z.boolean().optional().meta(about(
      'true: when the row\'s value is null (or the column is missing), the field is left out of the row, so a template sending ' +
        'the whole row ({{ row | json }}) omits it and the API keeps the value it has. Not with value. Default: false (a null is sent as null).',
    )),
    on: z.enum(['always', 'create']).optional().meta(about(
      'create: the field is sent only when the record is created; updates leave it out, and it is not part of the ' +
        'fingerprint (a change in it alone sends nothing). Through a native upsert endpoint, which cannot tell a create from ' +
        'an update, it is sent only for a key the ledger has no delivery of yet (an added row): a record made outside Sluice ' +
        'gets it on its first upsert. always: sent with every write. Default: always.',
    )),
    value: z
      .union([z.string().max(MAX_FIELD_VALUE_CHARS), z.number(), z.boolean(), z.null()])
      .optional()
      .meta(about('A constant (a string, number, boolean or null) set on every row, e.g. owner: { value: sluice }; the field is added when the source has no such column.')),
  })
  .refine((r) => !(r.value !== undefined && r.skip_null !== undefined), { message: 'give value or skip_null, not both (a constant is never null)' })
  .meta(about('What is written to one field: skip_null, on, value.'));

export const fieldRulesSchema = z
  .record(z.string().min(1).max(MAX_FIELD_NAME_CHARS), fieldRuleSchema)
  .refine((rules) => Object.keys(rules).length <= MAX_FIELD_RULES, { message: `at most ${MAX_FIELD_RULES} field rules` })
  .meta(about(
    'Per-field write rules, by destination field name (after mapping): { phone: { skip_null: true }, lead_source: { on: create }, ' +
      'owner: { value: "sluice" } }. Applied to each row before it is rendered and fingerprinted.',
  ));

export const onDeleteSchema = z
  .enum(['delete', 'clear', 'ignore'])
  .meta(about(
    'What mode mirror does with a record gone from the source. delete: the delete endpoint (or row) removes it. clear: the ' +
      'update endpoint is sent with the key and every other field of the sync\'s rows set to null (create-only fields ' +
      'aside), and the record stays. ignore: nothing is sent and the record stays as it is. After each, the key leaves the ' +
      'ledger, so a later run does not send it again. Default: delete.',
  ));

/** Bounds of `notify:`: enough targets and conditions for any team, URLs and templates as long as real ones get. */
export const MAX_NOTIFY_TARGETS = 20;
export const MAX_NOTIFY_CONDITIONS = 10;
export const MAX_WEBHOOK_URL_CHARS = 2048;
export const MIN_WEBHOOK_SECRET_CHARS = 16;

/** A condition as written in a flow list or alone: `failed`, `rejected_over: 5%`, `longer_than: 30m`. */
export const NOTIFY_CONDITION_PATTERN = /^(failed|succeeded|cancelled|rejected_over:\s*\d+(\.\d+)?%?|longer_than:\s*\d+(ms|s|m|h|d))$/;
const conditionHint = 'a condition is failed, succeeded, cancelled, "rejected_over: 5%" (a share of the planned rows, or a row count) or "longer_than: 30m" (ms, s, m, h, d)';

export const notifyConditionSchema = z
  .union([
    z.enum(['failed', 'succeeded', 'cancelled']).meta(about('The run ended with this status.')),
    z.string().regex(NOTIFY_CONDITION_PATTERN, conditionHint).meta(about('"rejected_over: 5%" or "longer_than: 30m", written as one string.')),
    z.strictObject({
      rejected_over: z
        .union([z.number().int().min(0), z.string().regex(/^\d+(\.\d+)?%?$/, 'a share looks like 5% (or a row count, such as 10)')])
        .meta(about('More rows failed than this: a share of the planned rows ("5%") or a count (10).')),
    }),
    z.strictObject({
      longer_than: z.string().regex(/^\d+(ms|s|m|h|d)$/, 'a duration looks like 30m, 90s, 2h').meta(about('The run took longer than this: 30s, 30m, 2h...')),
    }),
  ])
  .meta(about(conditionHint.replace(/^a condition is/, 'When to notify:') + '. Evaluated once the run has ended.'));

export const webhookSchema = z
  .strictObject({
    url: z.string().max(MAX_WEBHOOK_URL_CHARS).meta(about(
      'Where the run is POSTed as JSON: https://, or http:// only for loopback and the hosts SLUICE_ALLOWED_HOSTS lists.',
    )),
    secret: z.string().min(MIN_WEBHOOK_SECRET_CHARS, `a signing secret has at least ${MIN_WEBHOOK_SECRET_CHARS} characters`).max(1024).meta(about(
      'The key of the X-Sluice-Signature HMAC-SHA256 (the receiver checks it): a reference, "${secret:NAME}" or "${env:NAME}", never the value itself.',
    )),
  })
  .meta(about('A signed webhook: POST of the run as JSON, retried with backoff on 5xx, 408, 429 and network errors.'));

export const notifyTargetSchema = z
  .strictObject({
    on: z.array(notifyConditionSchema).min(1).max(MAX_NOTIFY_CONDITIONS).default(['failed']).meta(about(
      'The conditions, any of which sends the notification: failed, succeeded, cancelled, rejected_over: 5%, longer_than: 30m. Default: [failed].',
    )),
    webhook: webhookSchema.optional(),
    connection: z.string().optional().meta(about('An HTTP connection whose endpoint is sent the run (with endpoint), such as a Slack connection.')),
    endpoint: z.string().optional().meta(about(
      'The endpoint of that connection\'s connector (post_message for Slack). It renders the run as its row: row.name, row.status, row.text... and run.* the same.',
    )),
    row: z
      .record(z.string().min(1).max(MAX_FIELD_NAME_CHARS), z.string().max(MAX_FIELD_VALUE_CHARS))
      .refine((r) => Object.keys(r).length <= 50, { message: 'at most 50 row fields' })
      .optional()
      .meta(about(
        'Fields added to the row the endpoint renders, each a template seeing run: { channel: "#data-alerts", text: "{{ run.name }} {{ run.status }}" }.',
      )),
  })
  .refine((t) => (t.webhook !== undefined) !== (t.connection !== undefined), { message: 'give webhook, or connection with endpoint (one of them)' })
  .refine((t) => (t.connection === undefined) === (t.endpoint === undefined), { message: 'connection and endpoint go together' })
  .refine((t) => t.row === undefined || t.connection !== undefined, { message: 'row is for a connection\'s endpoint (a webhook is sent the run as it is)' })
  .meta(about('One notification: when (on) and where (webhook, or connection and endpoint).'));

export const notifySchema = z
  .array(notifyTargetSchema)
  .max(MAX_NOTIFY_TARGETS)
  .meta(about(
    'Who is told when a run ends: [{ on: [failed, "rejected_over: 5%"], webhook: { url, secret } }, { on: [failed], connection: slack, endpoint: post_message }]. ' +
      'A notification that fails never fails the run; each attempt is recorded with the run.',
  ));

/** A table Sluice keeps in the user's database: plain identifiers only, as every engine takes them unquoted. */
export const RESULT_TABLE_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,62}(\.[A-Za-z_][A-Za-z0-9_]{0,62})?$/;
const resultTableHint = 'a table name is letters, digits and _ (not starting with a digit), at most 63 characters, as table or schema.table';

const resultTableSchema = (what: string) =>
  z.strictObject({
    connection: z.string().max(MAX_FIELD_NAME_CHARS).meta(about('A database connection of the project (postgres, mysql, sqlite or duckdb).')),
    // Length first: a name past any engine's limit is refused without being echoed back.
    table: z.string().max(127, { abort: true }).regex(RESULT_TABLE_PATTERN, resultTableHint).meta(about(`The table ${what}, created when missing: table or schema.table.`)),
  });

export const writeBackSchema = resultTableSchema('of results')
  .meta(about(
    'Where each record\'s result goes, as a table analysts can join on: one row per key, with the sync\'s key columns ' +
      '(named and typed as in the source), remote_id, status (delivered or failed), last_error, synced_at and run_id; upserted ' +
      'after every batch, and a record removed by mirror leaves it. Rows the destination refused are there with its error. ' +
      'A baseline (sync run --baseline) writes the keys it adopted as delivered and those its lookup did not find as not_found. ' +
      'When the table cannot be written the deliveries still count (the ledger keeps them), and the run fails at its end naming the table. ' +
      'E.g. { connection: warehouse, table: analytics.hubspot_contacts }.',
  ));

export const runLogSchema = resultTableSchema('of runs')
  .meta(about(
    'Where each run of the sync (and each retry of its rejected rows) appends one row when it ends: run_id, sync, kind, status, ' +
      'trigger, started_at, finished_at, duration_ms, the planned, added, changed, removed, unchanged, delivered and failed ' +
      'counts, and the error (masked, at most 2000 characters). A run log that cannot be written is reported and never changes the run. ' +
      'E.g. { connection: warehouse, table: analytics.sluice_runs }.',
  ));

/** The longest a sync's debugger keeps its exchanges: bounded state, and three months of incidents. */
export const MAX_DEBUG_RETENTION_DAYS = 90;

export const debugSchema = z
  .strictObject({
    retention_days: z.number().int().min(0).max(MAX_DEBUG_RETENTION_DAYS).default(7).meta(about(
      `How many days each HTTP request a run sends, and its response, are kept per record key for sluice sync debug and the UI's debugger ` +
        `(0 to ${MAX_DEBUG_RETENTION_DAYS}; 0 keeps none and forgets what was kept). Default: 7.`,
    )),
  })
  .meta(about(
    'The debugger: every request a run sends to an HTTP destination and its response, kept per record key (a batch request once, ' +
      'shared by its rows) with secrets masked (credential headers and query parameters, and every known secret in any encoding) and ' +
      'bodies cut at 8 KiB; older exchanges are pruned when a run starts. Default: { retention_days: 7 }.',
  ));

/** An IANA time zone name the runtime knows (Asia/Tokyo, UTC). */
export const timeZoneSchema = z
  .string()
  .max(64)
  .refine((zone) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  }, { message: 'not a time zone: give an IANA name such as Asia/Tokyo, Europe/Paris or UTC' });

export const syncSchema = z.strictObject({
  description: z.string().optional().meta(about('What the sync is for, in a sentence.')),
  from: syncSourceSchema,
  to: syncDestinationSchema,
  mode: syncModeSchema,
  key: z.union([z.string(), z.array(z.string()).min(1)]).optional().meta(about('The column (or columns) identifying a record across runs: the ledger, diffs and remote ids are kept by it.')),
  mapping: z.record(z.string(), z.string()).optional().meta(about('Renames columns: destination field -> source column; unmapped columns pass through.')),
  schedule: z.string().optional().meta(about('A cron expression for the server\'s scheduler, e.g. "0 9 * * *" (read in timezone, else SLUICE_TIMEZONE, else UTC).')),
  timezone: timeZoneSchema.optional().meta(about('The IANA time zone the schedule and full_refresh are read in, e.g. Asia/Tokyo ("0 9 * * *" is then 09:00 in Tokyo). Default: SLUICE_TIMEZONE, else UTC.')),
  full_refresh: z.string().optional().meta({
    description:
      'A cron schedule (like schedule) for full reads of an incremental stream: the first run after each of its ticks reads ' +
      'the whole stream, and only a full read removes records (mode mirror needs it when the stream reads incrementally). ' +
      'E.g. "0 3 * * 0" (Sundays at 03:00, in timezone).',
  }),
  on_error: onErrorSchema.default(onErrorSchema.parse({})).meta(about('When the run fails because of rows the destination refused (max_failed_rows) or rows caught before sending (max_invalid_rows).')),
  fields: fieldRulesSchema.optional(),
  on_delete: onDeleteSchema.default('delete'),
  notify: notifySchema.optional(),
  write_back: writeBackSchema.optional(),
  run_log: runLogSchema.optional(),
  debug: debugSchema.default(debugSchema.parse({})),
  partitions: z.union([z.number().int().min(1).max(64), z.literal('auto')]).optional().meta(about(
    'With SLUICE_QUEUE=redis, splits each run over up to this many queue jobs (1 to 64), which any workers take: each ' +
      'reads the source and delivers the rows whose key falls in its hash bucket, and the run ends when all have. ' +
      'auto: the run\'s job first plans the run (one read of the source, nothing sent) and splits it into one job per ' +
      '50,000 rows to send (SLUICE_PARTITION_ROWS), at most one per live worker and at most 8; a run with fewer stays ' +
      'one job, as does an incremental stream\'s. Without the queue the run is one, as when unset. A number is not for ' +
      'incremental streams (each job would move the cursor).',
  )),
});

export const pipelineStepSchema = z.union([
  z.string(),
  z.strictObject({ sql: z.string().meta(about('A statement, or the path of a .sql file, run before the next step.')), connection: z.string().meta(about('The connection the SQL runs on.')) }),
  z.strictObject({ sync: z.string().meta(about('A sync to run.')) }),
]);

export const pipelineSchema = z.strictObject({
  description: z.string().optional().meta(about('What the pipeline is for, in a sentence.')),
  schedule: z.string().optional().meta(about('A cron expression for the server\'s scheduler.')),
  steps: z.array(pipelineStepSchema).min(1).meta(about('Run in order, stopping at the first failure: a sync name, { sync }, or { sql, connection }.')),
  notify: notifySchema.optional(),
});

/** The project file, `sluice.yaml`. */
export const projectSchema = z.strictObject({
  $schema: z.string().optional().meta(about('The JSON Schema editors check this file against (sluice.schema.json, written by sluice schema).')),
  version: z.literal(1).meta(about('The file format version: 1.')),
  state: z.string().default(DEFAULT_STATE).meta(about(`Where runs, the ledger and secrets are kept: a directory (SQLite) relative to sluice.yaml, or a postgres:// URL. Default: ${DEFAULT_STATE}.`)),
  connections: z.record(z.string(), connectionSchema).default({}).meta(about('Databases and HTTP APIs, by name.')),
  syncs: z.record(z.string(), syncSchema).default({}).meta(about('What to read, where to write it and how, by name.')),
  pipelines: z.record(z.string(), pipelineSchema).default({}).meta(about('Steps (syncs and SQL) run in order, by name.')),
});

export type Project = z.infer<typeof projectSchema>;
export type Connection = z.infer<typeof connectionSchema>;
export type ConnectionAuth = z.infer<typeof connectionAuthSchema>;
export type Sync = z.infer<typeof syncSchema>;
export type SyncMode = z.infer<typeof syncModeSchema>;
export type FieldRule = z.infer<typeof fieldRuleSchema>;
export type OnDelete = z.infer<typeof onDeleteSchema>;
export type NotifyTarget = z.infer<typeof notifyTargetSchema>;
export type ResultTable = z.infer<typeof writeBackSchema>;
export type NotifyCondition = z.infer<typeof notifyConditionSchema>;
export type SyncSource = z.infer<typeof syncSourceSchema>;
export type SyncDestination = z.infer<typeof syncDestinationSchema>;
export type Variable = z.infer<typeof variableSchema>;
export type Pipeline = z.infer<typeof pipelineSchema>;
export type PipelineStep = z.infer<typeof pipelineStepSchema>;
