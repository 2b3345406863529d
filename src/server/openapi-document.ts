/** One operation of the API, as the table below lists it. */
interface Operation {
  summary: string;
  /** The JSON body it takes, described as a schema. */
  body?: object;
  /** Query parameters (all optional). */
  query?: Record<string, string>;
  /** The status of a success (default 200) and what it returns. */
  status?: number;
  returns: string;
  /** No API token needed. */
  public?: boolean;
  /** Answers text/event-stream or text/html rather than JSON. */
  produces?: string;
}

const obj = (properties: Record<string, object>, required: string[] = []) => ({ type: 'object', properties, required });
const str = { type: 'string' };
const vars = { type: 'object', additionalProperties: { type: 'string' }, description: 'run-time variable values (like --var k=v)' };
const anyObject = { type: 'object', additionalProperties: true };
const builderInput = obj(
  {
    yaml: { type: 'string', description: 'the connector spec text' },
    endpoint: str,
    rows: { type: 'array', items: anyObject, description: 'sample rows, or { row, record: { id }, key } wrappers' },
    config: anyObject,
    connection: { type: 'string', description: 'a project connection whose config and credentials to use' },
  },
  ['yaml', 'endpoint', 'rows'],
);

/** Every route of the API: path → method → operation. A test checks it against the routes the server registers. */
const operations: Record<string, Record<string, Operation>> = {
  '/api/health': { get: { summary: 'Liveness and version', returns: '{ ok: true, version }', public: true } },
  '/api/openapi.json': { get: { summary: 'This description', returns: 'OpenAPI 3.1 document' } },
  '/api/schemas': { get: { summary: 'JSON Schemas of sluice.yaml and of connector specs (for forms and editors)', returns: '{ project, connector, filters }' } },
  '/api/validate': {
    post: {
      summary: 'Check sluice.yaml (on disk, or the unsaved text given as yaml); 422 with the issues when invalid',
      body: obj({ yaml: str }),
      returns: '{ ok, issues: [{ file, line, column, path, message }] }',
    },
  },
  '/api/project': {
    get: { summary: 'sluice.yaml as text, literal credentials shown as ****, with its issues (admin; for fixing a project that does not load)', returns: '{ file, text, issues }' },
    put: {
      summary: 'Replace sluice.yaml (validated first, nothing written when invalid; **** keeps the credential the file holds at that key path)',
      body: obj({ yaml: str }, ['yaml']),
      returns: '{ file, text, issues }; 422 with issues when invalid',
    },
  },
  '/api/connections': { get: { summary: 'List connections', returns: '[{ name, type, connector?, authType?, authorized? }]' } },
  '/api/connections/{name}': {
    get: { summary: 'One connection; config as written in sluice.yaml with credentials masked as ****', returns: '{ name, type, ..., config }' },
    put: {
      summary: "Write the connection's YAML object back to sluice.yaml (validated first; comments kept; **** keeps a stored secret)",
      body: anyObject,
      returns: 'the connection as GET returns it; 422 with issues when invalid (nothing written)',
    },
    delete: { summary: 'Remove the connection from sluice.yaml; 409 with the dependents while a sync or pipeline uses it', status: 204, returns: 'nothing' },
  },
  '/api/connections/{name}/test': {
    post: { summary: "Test the connection's credentials (a database login, the connector's test: request)", returns: '{ ok, verified, message, ms }' },
  },
  '/api/connections/{name}/authorize': {
    post: { summary: 'Start the OAuth authorization-code flow; open url in a browser', returns: '{ url, redirectUri }' },
  },
  '/api/connectors': { get: { summary: 'Built-in and project connectors', returns: '[{ name, title, file, builtin, endpoints, streams, auth, issues? }]' } },
  '/api/connectors/{name}': {
    get: { summary: "A connector's spec file", returns: '{ name, file, builtin, yaml, spec, issues? }' },
    put: { summary: 'Save a project connector spec (validated; built-ins are read-only)', body: obj({ yaml: str }, ['yaml']), returns: '{ name, file, builtin, yaml, spec }' },
    delete: { summary: "Delete a project connector's file; 409 with the dependents while a connection uses it", status: 204, returns: 'nothing' },
  },
  '/api/connectors/render': {
    post: { summary: "Render an endpoint's requests for sample rows (the builder's live preview); sends nothing", body: builderInput, returns: '{ requests: [{ keys, curl, method, url, headers, body, error? }] }' },
  },
  '/api/connectors/send': {
    post: { summary: 'Render and send the first request', body: builderInput, returns: '{ curl, status, headers, body, ms, results, error? }' },
  },
  '/api/syncs': { get: { summary: 'List syncs', returns: '[{ name, description, from, to, mode, key, schedule, nextRunAt, lastRun, runningRunId }]' } },
  '/api/syncs/{name}': {
    get: { summary: 'One sync, with its YAML object as written', returns: '{ ...summary, config }' },
    put: { summary: "Write the sync's YAML object back to sluice.yaml (validated first; comments kept)", body: anyObject, returns: 'the sync as GET returns it' },
    delete: { summary: 'Remove the sync from sluice.yaml; 409 with the dependents while a pipeline runs it', status: 204, returns: 'nothing' },
  },
  '/api/syncs/{name}/sample': { get: { summary: "First rows of the sync's source", query: { limit: 'rows (default 20)' }, returns: '{ columns, rows }' } },
  '/api/syncs/{name}/preview': {
    post: { summary: 'Plan counts and the first rendered requests; sends nothing', body: obj({ limit: { type: 'integer' }, vars }), returns: 'SyncPreview' },
  },
  '/api/syncs/{name}/runs': {
    get: { summary: 'Run history of the sync (newest first)', query: { limit: 'runs (default 20)' }, returns: '[RunRecord]' },
    post: { summary: 'Start a run; 409 when the sync is already running', body: obj({ vars, full: { type: 'boolean' } }), status: 202, returns: '{ runId }' },
  },
  '/api/syncs/{name}/rejected': { get: { summary: 'Rejected rows waiting, with error and redacted request', query: { limit: 'rows (default 100)' }, returns: '[RejectedRow]' } },
  '/api/syncs/{name}/records': {
    get: {
      summary: 'The records the sync keeps, in key order: key, remote id, status, last delivery, last error',
      query: { key: 'only this record key', status: 'failed or delivered', limit: 'records (default 100)', after: 'only keys after this one (the last key of the page before)' },
      returns: '[SyncRecord]',
    },
  },
  '/api/syncs/{name}/debug': {
    get: {
      summary: 'The debugger: the HTTP requests and responses behind one record key, newest first (masked, bodies cut at 8 KiB)',
      query: { key: 'the record key (required)', run: 'only the exchanges of this run', limit: 'exchanges (default 50, at most 500)' },
      returns: 'SyncDebug',
    },
  },
  '/api/syncs/{name}/notifications': {
    get: {
      summary: "Every attempt at the notify: targets of the sync's last runs: target, conditions met, status, attempt, HTTP status, error",
      query: { runs: 'the last runs to include (default 10, at most 50)' },
      returns: '{ runs: [RunRecord], notifications: [NotificationAttempt] }',
    },
  },
  '/api/syncs/{name}/rejected/retry': { post: { summary: 'Re-send the rejected rows as a run of kind retry', status: 202, returns: '{ runId }' } },
  '/api/sync-drafts/context': {
    get: { summary: 'Where the project keeps SQL files; with ?sync=NAME, the text of its query', query: { sync: 'a sync whose SQL text to return' }, returns: '{ sqlFolder, sql?: { text, file } }' },
  },
  '/api/sync-drafts/destinations/{connection}': {
    get: { summary: "What a sync can write through a connection: its connector's endpoints with their modes and row.* fields, or a table", returns: 'DestinationOptions' },
  },
  '/api/sync-drafts/sample': {
    post: { summary: 'First rows of a source as typed (admin): the query must only read; at most 100 rows, stopped after SLUICE_DRAFT_TIMEOUT_MS (default 30 s)', body: obj({ from: anyObject, limit: { type: 'integer' } }, ['from']), returns: '{ columns, rows }' },
  },
  '/api/sync-drafts/preview': {
    post: { summary: 'Preview a sync as edited, not as saved (admin): checked as saving would, sends nothing, stopped after SLUICE_DRAFT_TIMEOUT_MS', body: obj({ name: str, sync: anyObject, limit: { type: 'integer' } }, ['name', 'sync']), returns: 'SyncPreview' },
  },
  '/api/sync-drafts/save': {
    post: { summary: 'Save a sync into sluice.yaml keeping comments, its SQL into sqlFile when given (admin)', body: obj({ name: str, sync: anyObject, sqlFile: str, create: { type: 'boolean' } }, ['name', 'sync']), returns: '{ name, saved }' },
  },
  '/api/runs': {
    get: {
      summary: 'One page of runs, newest first, across syncs and pipelines or of one',
      query: {
        name: 'one sync or pipeline', kind: 'sync (with its retries), pipeline or retry', status: 'queued, running, succeeded, failed, cancelled or partial (delivered some rows, failed others)',
        since: 'runs started at or after this ISO time', until: 'runs started before this ISO time', limit: 'runs per page (1..500, default 50)', cursor: 'nextCursor of the page before',
      },
      returns: '{ runs: [RunRecord & { errorCode?, errorParams?, errorDetail? }], nextCursor }',
    },
  },
  '/api/runs/{id}': {
    get: {
      summary: 'A run record, with live progress while it runs, the summary once finished, and its retry links; a run error the engine wrote also comes as a code and its parameters (for translation)',
      returns: 'RunRecord & { errorCode?, errorParams?, errorDetail?, progress, summary, retryOf, retries }',
    },
  },
  '/api/runs/{id}/cancel': { post: { summary: 'Cancel a queued or running run: one this server runs, or with a queue one any worker runs (it ends as cancelled); 409 when it is not running', status: 202, returns: '{ runId }' } },
  '/api/schedules': { get: { summary: 'Every scheduled sync and pipeline: cron, time zone, next three runs, paused or not, last run', returns: '[ScheduleSummary]' } },
  '/api/schedules/{kind}/{name}/pause': { post: { summary: 'Pause a schedule: the scheduler skips its ticks until resumed (kept in the state store)', returns: '{ kind, name, pausedAt }' } },
  '/api/schedules/{kind}/{name}/resume': { post: { summary: 'Resume a paused schedule', returns: '{ kind, name, pausedAt: null }' } },
  '/api/connectors/{name}/dependents': { get: { summary: 'The connections that use the connector', returns: '{ dependents: [{ kind, name }] }' } },
  '/api/connections/{name}/dependents': { get: { summary: 'The syncs and pipelines that use the connection', returns: '{ dependents: [{ kind, name }] }' } },
  '/api/syncs/{name}/dependents': { get: { summary: 'The pipelines that run the sync', returns: '{ dependents: [{ kind, name }] }' } },
  '/api/runs/{id}/events': {
    get: {
      summary: 'Server-Sent Events: progress (RunProgress) and step (pipeline) while it runs, then done (the summary). Token in the header, or ?access_token=',
      returns: 'text/event-stream',
      produces: 'text/event-stream',
    },
  },
  '/api/runs/{id}/rejected': { get: { summary: 'Rows this run rejected (still waiting for a retry)', returns: '[RejectedRow]' } },
  '/api/pipelines': { get: { summary: 'List pipelines', returns: '[{ name, description, steps, schedule, nextRunAt, lastRun, runningRunId }]' } },
  '/api/pipelines/{name}/runs': {
    get: { summary: 'Run history of the pipeline', query: { limit: 'runs (default 20)' }, returns: '[RunRecord]' },
    post: { summary: 'Start a pipeline run; 409 when it or one of its syncs is running', body: obj({ vars }), status: 202, returns: '{ runId }' },
  },
  '/oauth/callback': {
    get: { summary: "The OAuth provider's redirect: completes the authorization and shows a small page", returns: 'text/html', public: true, produces: 'text/html' },
  },
};

const errorSchema = obj({ error: str }, ['error']);

/** The OpenAPI 3.1 description of the REST API, written from the table above. */
export function openApiDocument(version: string): object {
  const paths: Record<string, Record<string, object>> = {};
  for (const [path, methods] of Object.entries(operations)) {
    const params = [...path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: str }));
    paths[path] = {};
    for (const [method, op] of Object.entries(methods)) {
      const query = Object.entries(op.query ?? {}).map(([name, description]) => ({ name, in: 'query', required: false, description, schema: { type: 'integer' } }));
      const content = op.produces ? { [op.produces]: { schema: str } } : { 'application/json': { schema: { description: op.returns } } };
      paths[path]![method] = {
        summary: op.summary,
        ...(params.length || query.length ? { parameters: [...params, ...query] } : {}),
        ...(op.body ? { requestBody: { required: false, content: { 'application/json': { schema: op.body } } } } : {}),
        ...(op.public ? { security: [] } : {}),
        responses: {
          [String(op.status ?? 200)]: { description: op.returns, content },
          ...(op.public ? {} : { '401': { description: 'missing or invalid API token', content: { 'application/json': { schema: errorSchema } } } }),
        },
      };
    }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Sluice REST API',
      version,
      description: 'The commands of sluice under /api/. Errors are { error }; configuration errors are 422 { error, issues }.',
    },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'SLUICE_API_TOKEN, or the token sluice serve printed' } } },
    security: [{ bearer: [] }],
    paths,
  };
}
