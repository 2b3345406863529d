import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, formatConfigIssue } from '../../src/config/config-error.js';
import { loadProject } from '../../src/config/load-project.js';
import { sluiceYaml } from '../support/sluice-yaml.js';
import { TRACKER_CONNECTOR, writeProject } from './write-project.js';

interface Case {
  name: string;
  /** sluice.yaml */
  project: string;
  /** Extra files (connectors/tracker.yaml is the valid fixture unless replaced here). */
  files?: Record<string, string>;
  env?: Record<string, string>;
  /** Every issue, exactly as `sluice validate` prints it. */
  issues: string[];
}

const CONNECTIONS = `connections:
  warehouse: { type: duckdb }
  tracker:
    type: http
    connector: ./connectors/tracker.yaml
    config: { space: acme }
    auth: { type: api_key, key: "\${env:TRACKER_KEY}" }
`;

/** The parts of a sync that differ from a query sent to add_issue, insert by id. */
interface SyncParts {
  from?: string;
  to?: string;
  mode?: string | null;
  key?: string | null;
  more?: string[];
}

/**
 * The lines of one sync, `s` unless named: the name, then from, to, mode (none when null), key (none when null) and
 * the `more` lines. Unless given: from a query, to add_issue, insert by id.
 */
function syncLines(sync: SyncParts, name = 's'): string {
  const lines = [
    `  ${name}:`,
    `    from: ${sync.from ?? '{ connection: warehouse, sql: "SELECT 1 AS id" }'}`,
    `    to: ${sync.to ?? '{ connection: tracker, endpoint: add_issue }'}`,
    ...(sync.mode === null ? [] : [`    mode: ${sync.mode ?? 'insert'}`]),
    ...(sync.key === null ? [] : [`    key: ${sync.key ?? 'id'}`]),
    ...(sync.more ?? []).map((line) => `    ${line}`),
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * A sluice.yaml of CONNECTIONS (lines 2 to 9) and one sync (syncLines) on line 10: from on line 11, to on 12, mode
 * on 13, key on 14 (a line left out moves the next ones up).
 */
function withSync(sync: SyncParts, name = 's'): string {
  return `version: 1\n${CONNECTIONS}syncs:\n${syncLines(sync, name)}`;
}

/** A case whose sluice.yaml is `withSync(sync)`. */
function syncCase(name: string, sync: SyncParts, ...issues: string[]): Case {
  return { name, project: withSync(sync), issues };
}

/** A case whose sluice.yaml is CONNECTIONS alone and whose connectors/tracker.yaml is the valid one with `edit` made. */
function connectorCase(name: string, edit: [string, string], issue: string): Case {
  return { name, project: `version: 1\n${CONNECTIONS}`, files: { 'connectors/tracker.yaml': TRACKER_CONNECTOR.replace(...edit) }, issues: [issue] };
}

/** A case whose sluice.yaml has the one connection `tracker` (connectors/tracker.yaml), its config on line 6 and its auth, if any, on line 7. */
function trackerCase(name: string, tracker: { config: string; auth?: string }, ...issues: string[]): Case {
  const auth = tracker.auth === undefined ? [] : [`auth: ${tracker.auth}`];
  return { name, project: sluiceYaml({ connections: { tracker: ['type: http', 'connector: ./connectors/tracker.yaml', `config: ${tracker.config}`, ...auth] } }), issues };
}

const cases: Case[] = [
  {
    name: 'an unknown top-level key, with the closest valid key',
    project: `version: 1\nconections: {}\n`,
    issues: ['sluice.yaml:2:1: conections: unknown key "conections" (did you mean "connections"?)'],
  },
  syncCase('an unknown key in a sync', { more: ['shedule: "0 9 * * *"'] }, 'sluice.yaml:15:5: syncs.s.shedule: unknown key "shedule" (did you mean "schedule"?)'),
  syncCase('a negative max_invalid_rows', { more: ['on_error: { max_invalid_rows: -1 }'] }, 'sluice.yaml:15:35: syncs.s.on_error.max_invalid_rows: expected a number >= 0, got -1'),
  syncCase('a max_invalid_rows that is neither a count nor a percentage', { more: ['on_error: { max_invalid_rows: "5%; DROP TABLE runs" }'] },
    'sluice.yaml:15:35: syncs.s.on_error.max_invalid_rows: invalid max_invalid_rows "5%; DROP TABLE runs": a percentage looks like 5%'),
  {
    name: 'an unknown key in a sync destination',
    project: `version: 1
${CONNECTIONS}syncs:
  top_scan:
    from: { connection: warehouse, sql: "SELECT 1 AS id" }
    to:
      connection: tracker
      endpiont: add_issue
    mode: insert
    key: id
`,
    issues: ['sluice.yaml:14:7: syncs.top_scan.to.endpiont: unknown key "endpiont" (did you mean "endpoint"?)'],
  },
  {
    name: 'an unknown key in a connection',
    project: `version: 1
connections:
  warehouse: { type: duckdb, pth: data/w.duckdb }
`,
    issues: ['sluice.yaml:3:30: connections.warehouse.pth: unknown key "pth" (did you mean "path"?)'],
  },
  {
    name: 'an unknown key in a connector endpoint, reported in the connector file',
    project: `version: 1\n${CONNECTIONS}`,
    files: {
      'connectors/tracker.yaml': TRACKER_CONNECTOR.replace('update_issue: { operation: update, method: PATCH,', 'update_issue: { operation: update, methd: PATCH,'),
    },
    issues: ['connectors/tracker.yaml:22:38: endpoints.update_issue.methd: unknown key "methd" (did you mean "method"?)'],
  },
  {
    name: 'an unknown key far from every valid key lists the valid keys',
    project: `version: 1\nconnections:\n  w: { type: sqlite, path: a.db, colour: blue }\n`,
    issues: ['sluice.yaml:3:34: connections.w.colour: unknown key "colour" (valid keys: type, path)'],
  },
  {
    name: 'a wrong type',
    project: `version: 1\nstate: 5\n`,
    issues: ['sluice.yaml:2:8: state: expected a string, got a number'],
  },
  connectorCase('a wrong type in a connector', ['title: Issue tracker', 'title: Issue tracker\nrate_limit: { concurrency: four }'], 'connectors/tracker.yaml:3:28: rate_limit.concurrency: expected a number, got a string'),
  syncCase('a missing required key', { mode: null }, 'sluice.yaml:10:3: syncs.s.mode: missing required key "mode"'),
  {
    name: 'a missing environment variable',
    project: `version: 1\n${CONNECTIONS}`,
    env: {},
    issues: ['sluice.yaml:8:33: connections.tracker.auth.key: environment variable TRACKER_KEY is not set (set it, or give a default: ${env:TRACKER_KEY:-value})'],
  },
  syncCase('an unknown connection', { from: '{ connection: warehose, sql: "SELECT 1 AS id" }' }, 'sluice.yaml:11:25: syncs.s.from.connection: unknown connection "warehose" (did you mean "warehouse"?)'),
  {
    name: 'an unknown endpoint',
    project: withSync({ to: '{ connection: tracker, endpoint: add_isue }' }, 'top_scan'),
    issues: ['sluice.yaml:12:42: syncs.top_scan.to.endpoint: unknown endpoint "add_isue" in connector tracker (did you mean "add_issue"?)'],
  },
  syncCase('an endpoint whose operation does not fit the mode', { mode: 'update' }, 'sluice.yaml:12:42: syncs.s.to.endpoint: mode update needs an update or upsert endpoint; endpoint "add_issue" of connector tracker is a create endpoint'),
  syncCase(
    'mirror with a single endpoint',
    { to: '{ connection: tracker, endpoint: upsert_issue }', mode: 'mirror' },
    'sluice.yaml:12:42: syncs.s.to.endpoint: mode mirror needs endpoints that create, update and delete: { upsert: ..., delete: ... } or { create: ..., update: ..., delete: ... }; endpoint "upsert_issue" of connector tracker is an upsert endpoint',
  ),
  syncCase('an endpoints entry naming an endpoint of another operation', { to: '{ connection: tracker, endpoints: { create: add_issue, update: upsert_issue } }', mode: 'upsert' }, 'sluice.yaml:12:72: syncs.s.to.endpoints.update: endpoints.update must name an update endpoint; "upsert_issue" of connector tracker is an upsert endpoint'),
  syncCase('endpoints that do not cover the mode', { to: '{ connection: tracker, endpoints: { create: add_issue, update: update_issue } }', mode: 'mirror' }, 'sluice.yaml:12:32: syncs.s.to.endpoints: mode mirror needs endpoints that create, update and delete: { upsert: ..., delete: ... } or { create: ..., update: ..., delete: ... }'),
  syncCase('a lookup named by a sync whose mode never looks up', { to: '{ connection: tracker, endpoints: { create: add_issue, lookup: find_issue } }' }, 'sluice.yaml:12:72: syncs.s.to.endpoints.lookup: a lookup is used by modes upsert and mirror only (it decides between update and create); mode insert never runs it'),
  {
    name: 'a batch body that uses items, without batch.item',
    project: `version: 1\n${CONNECTIONS}`,
    files: {
      'connectors/tracker.yaml': TRACKER_CONNECTOR.replace(
        '  delete_issue: { operation: delete, method: DELETE, path: "/issues/{{ record.id }}" }',
        `  delete_issue: { operation: delete, request: batch, method: POST, path: /issues/delete, batch: { body: '{ "ids": {{ items }} }' } }`,
      ),
    },
    issues: ["connectors/tracker.yaml:24:105: endpoints.delete_issue.batch.body: batch.body uses items, so batch.item must say how one row renders (item: '{{ row | json }}' sends the row as it is)"],
  },
  connectorCase('default: true on an endpoint that is not a lookup', ['upsert_issue: { operation: upsert,', 'upsert_issue: { operation: upsert, default: true,'], 'connectors/tracker.yaml:23:47: endpoints.upsert_issue.default: default applies to lookup endpoints only; "upsert_issue" is an upsert endpoint'),
  {
    name: 'two lookup endpoints marked default',
    project: `version: 1\n${CONNECTIONS}`,
    files: {
      'connectors/tracker.yaml': TRACKER_CONNECTOR.replace(
        '  find_issue: { operation: lookup,',
        '  find_by_email: { operation: lookup, default: true, method: GET, path: /issues, query: { email: "{{ row.email }}" } }\n  find_issue: { operation: lookup, default: true,',
      ),
    },
    issues: ['connectors/tracker.yaml:26:45: endpoints.find_issue.default: only one lookup endpoint can be the default; "find_by_email" already is'],
  },
  ...[
    ['a negative lookback', '-3600', 'lookback -3600 is negative: it goes back from the kept cursor, so give an ISO-8601 duration such as PT6H or P2D, or a number of seconds'],
    ['an absurd lookback', 'P9999D', 'lookback "P9999D" is more than 366 days (P366D): for a read from the start, use sync run --full or full_refresh'],
    ['a lookback in months', 'P1M', 'invalid lookback "P1M": give an ISO-8601 duration such as PT6H or P2D, or a number of seconds'],
  ].map(([name, lookback, message]) => ({
    name: `${name} on an incremental stream`,
    project: `version: 1\n${CONNECTIONS}`,
    files: {
      'connectors/tracker.yaml': TRACKER_CONNECTOR.replace(
        '  issues: { path: /issues, paginate: { type: offset } }',
        `  issues:\n    path: /issues\n    incremental: { cursor_field: updated, param: since, lookback: ${lookback} }`,
      ),
    },
    issues: [`connectors/tracker.yaml:29:57: streams.issues.incremental.lookback: ${message}`],
  })),
  syncCase('update mode without a key', { to: '{ connection: tracker, endpoint: update_issue }', mode: 'update', key: null }, 'sluice.yaml:10:3: syncs.s.key: mode update needs a key: the column (or list of columns) that identifies a record'),
  connectorCase('bad Liquid syntax, at its line and column in the connector file', ['{% if row.urgent %}', '{% iff row.urgent %}'], 'connectors/tracker.yaml:20:22: endpoints.add_issue.body: invalid liquid template: tag "iff" not found'),
  connectorCase('an unclosed Liquid output in a quoted path', ['path: "/issues/{{ record.id }}" }\n  upsert', 'path: "/issues/{{ record.id" }\n  upsert'], 'connectors/tracker.yaml:22:68: endpoints.update_issue.path: invalid liquid template: output "{{ record.id" not closed'),
  connectorCase('a bad condition', ['success: "response.body.ok != false"', 'success: "response.body.ok !="'], 'connectors/tracker.yaml:21:64: endpoints.add_issue.response.success: invalid condition "response.body.ok !=": operator "!=" is missing an operand'),
  connectorCase('a bad condition in the connection test', ['endpoints:\n', 'test: { path: /me, success: "response.status ==" }\nendpoints:\n'], 'connectors/tracker.yaml:13:30: test.success: invalid condition "response.status ==": operator "==" is missing an operand'),
  connectorCase('an unclosed Liquid output in the connection test path', ['endpoints:\n', 'test: { path: "/users/{{ config.space" }\nendpoints:\n'], 'connectors/tracker.yaml:13:23: test.path: invalid liquid template: output "{{ config.space" not closed'),
  {
    name: 'duplicate sync names, naming both lines',
    project: withSync({}) + syncLines({ from: '{ connection: warehouse, sql: "SELECT 2 AS id" }' }),
    issues: ['sluice.yaml:15:3: syncs.s: duplicate key "s" (first defined at line 10; names must be unique)'],
  },
  {
    name: 'an unknown connection type',
    project: `version: 1\nconnections:\n  crm: { type: postgress, url: "postgres://localhost/crm" }\n`,
    issues: ['sluice.yaml:3:16: connections.crm.type: unknown connection type "postgress" (expected one of duckdb, sqlite, postgres, mysql, bigquery, http)'],
  },
  connectorCase('an unknown auth type in a connector', ['- { type: api_key, in: query, name: apiKey }', '- { type: apikey, in: query, name: apiKey }'], 'connectors/tracker.yaml:9:13: auth.0.type: unknown auth type "apikey" (expected one of none, api_key, basic, bearer, oauth2, session, jwt, oauth2_client_credentials)'),
  syncCase('an unknown mode', { mode: 'insrt' }, 'sluice.yaml:13:11: syncs.s.mode: unknown mode "insrt" (did you mean "insert"?)'),
  syncCase('both sql and table given', { from: '{ connection: warehouse, sql: "SELECT 1 AS id", table: issues }' }, 'sluice.yaml:11:5: syncs.s.from: give exactly one of sql, table or stream'),
  syncCase('a bad cron expression', { more: ['schedule: "0 25 * * *"'] }, 'sluice.yaml:15:15: syncs.s.schedule: invalid cron expression "0 25 * * *": invalid value for hour: 25 (five fields: minute hour day month weekday, e.g. "0 9 * * *")'),
  syncCase(
    'full_refresh on a sync that reads a query, and not a cron expression',
    { more: ['full_refresh: "every sunday"'] },
    'sluice.yaml:15:5: syncs.s.full_refresh: full_refresh schedules full reads of an incremental stream; sync s reads its query in full every run (remove full_refresh)',
    'sluice.yaml:15:19: syncs.s.full_refresh: invalid cron expression "every sunday": invalid configuration format (\'every sunday\'), exactly five, six, or seven space separated parts are required. (five fields: minute hour day month weekday, e.g. "0 9 * * *")',
  ),
  {
    name: 'a bad variable offset',
    project: `version: 1
${CONNECTIONS}syncs:
  s:
    from:
      connection: warehouse
      sql: "SELECT * FROM scans WHERE day = '$yesterday$'"
      variables:
        yesterday: { type: date, offset: -1days }
    to: { connection: tracker, endpoint: add_issue }
    mode: insert
    key: id
`,
    issues: ['sluice.yaml:15:42: syncs.s.from.variables.yesterday.offset: invalid offset "-1days": an offset looks like -1d, +2h or 30m'],
  },
  {
    name: 'an unknown time zone of a date variable',
    project: `version: 1
${CONNECTIONS}syncs:
  s:
    from:
      connection: warehouse
      sql: "SELECT * FROM scans WHERE day = '$day$'"
      variables:
        day: { type: date, timezone: Asia/Tokio }
    to: { connection: tracker, endpoint: add_issue }
    mode: insert
    key: id
`,
    issues: ['sluice.yaml:15:14: syncs.s.from.variables.day: unknown time zone "Asia/Tokio" (an IANA name such as Asia/Tokyo or UTC)'],
  },
  {
    name: 'an undeclared variable in the SQL',
    project: withSync({ from: `{ connection: warehouse, sql: "SELECT * FROM scans WHERE project = '$project_id$'" }` }),
    issues: ["sluice.yaml:11:41: syncs.s.from.sql: unknown variable $project_id$ (known: today, yesterday, now, run_id; declare it under from.variables)"],
  },
  trackerCase('a required connector config missing', { config: '{ page_size: 20 }', auth: '{ type: api_key, key: k-123456 }' }, 'sluice.yaml:6:5: connections.tracker.config.space: missing required config "space" for connector tracker (the subdomain of your space)'),
  trackerCase(
    'an unknown connector config key and a config of the wrong type',
    { config: '{ space: acme, page_sise: 20, page_size: twenty }', auth: '{ type: api_key, key: k-123456 }' },
    'sluice.yaml:6:28: connections.tracker.config.page_sise: unknown config key "page_sise" for connector tracker (did you mean "page_size"?)',
    'sluice.yaml:6:54: connections.tracker.config.page_size: expected a whole number for config "page_size" of connector tracker, got "twenty"',
  ),
  trackerCase('an auth type the connector does not accept', { config: '{ space: acme }', auth: '{ type: bearer, token: t-123456 }' }, 'sluice.yaml:7:19: connections.tracker.auth.type: auth type "bearer" is not accepted by connector tracker (accepted: api_key, oauth2)'),
  trackerCase('no auth where the connector needs one', { config: '{ space: acme }' }, 'sluice.yaml:3:3: connections.tracker.auth: connector tracker needs auth (give auth: { type: ... } with one of: api_key, oauth2)'),
  {
    name: 'a YAML syntax error',
    project: `version: 1\nsyncs:\n  s: { from: [1, 2 }\n`,
    issues: ['sluice.yaml:3:20: yaml syntax error: flow sequence in block collection must be sufficiently indented and end with a ]'],
  },
  syncCase('a missing sql file', { from: '{ connection: warehouse, sql: queries/top_scan.sql }' }, 'sluice.yaml:11:41: syncs.s.from.sql: sql file "queries/top_scan.sql" not found (a path ending in .sql is read relative to the project directory)'),
  syncCase('a table destination on an http connection', { to: '{ connection: tracker, table: issues }' }, 'sluice.yaml:12:32: syncs.s.to.table: connection "tracker" is http: write to it with endpoint: or endpoints: (table needs a database connection)'),
  syncCase('an endpoint on a database connection', { from: '{ connection: tracker, stream: issues }', to: '{ connection: warehouse, endpoint: add_issue }', mode: 'upsert' }, 'sluice.yaml:12:34: syncs.s.to.endpoint: connection "warehouse" is duckdb: write to it with table: (endpoint needs an http connection)'),
  syncCase('an unknown stream', { from: '{ connection: tracker, stream: isues }', to: '{ connection: warehouse, table: issues }', mode: 'upsert' }, 'sluice.yaml:11:42: syncs.s.from.stream: unknown stream "isues" in connector tracker (did you mean "issues"?)'),
  syncCase('a stream from a database connection', { from: '{ connection: warehouse, stream: issues }' }, 'sluice.yaml:11:36: syncs.s.from.stream: a stream is read from an http connection; "warehouse" is duckdb (use sql: or table:)'),
  {
    name: 'an unknown built-in connector',
    project: `version: 1\nconnections:\n  t: { type: http, connector: trackr }\n`,
    files: { 'builtin/tracker.yaml': TRACKER_CONNECTOR },
    issues: ['sluice.yaml:3:31: connections.t.connector: unknown built-in connector "trackr" (did you mean "tracker"?); for your own spec give a path such as ./connectors/trackr.yaml'],
  },
  {
    name: 'an unknown sync in a pipeline, and a sql step on an http connection',
    project: `version: 1
${CONNECTIONS}syncs:
  load:
    from: { connection: tracker, stream: issues }
    to: { connection: warehouse, table: issues }
    mode: upsert
    key: id
pipelines:
  nightly:
    schedule: "0 3 * * *"
    steps: [lod, { sql: "DELETE FROM issues WHERE closed", connection: tracker }]
`,
    issues: [
      'sluice.yaml:18:13: pipelines.nightly.steps.0: unknown sync "lod" (did you mean "load"?)',
      'sluice.yaml:18:72: pipelines.nightly.steps.1.connection: a sql step runs on a database connection; "tracker" is http',
    ],
  },
  {
    name: 'a connection without a type',
    project: `version: 1\nconnections:\n  crm: { url: "postgres://localhost/crm" }\n`,
    issues: ['sluice.yaml:3:3: connections.crm.type: missing required key "type" (one of duckdb, sqlite, postgres, mysql, bigquery, http)'],
  },
  {
    name: 'pipeline steps of the wrong shapes',
    project: `version: 1\npipelines:\n  p: { steps: [{ sql: x.sql }, 5, { sync: a, extra: 1 }] }\n`,
    issues: [
      'sluice.yaml:3:16: pipelines.p.steps.0.connection: missing required key "connection"',
      'sluice.yaml:3:32: pipelines.p.steps.1: expected a string or a mapping, got a number',
      'sluice.yaml:3:46: pipelines.p.steps.2.extra: unknown key "extra" (valid keys: sync)',
    ],
  },
  {
    name: 'a variable with an unknown type and key',
    project: `version: 1
${CONNECTIONS}syncs:
  s:
    from:
      connection: warehouse
      sql: "SELECT '$day$'"
      variables:
        day: { type: dat, timezon: UTC }
    to: { connection: tracker, endpoint: add_issue }
    mode: insert
    key: id
`,
    issues: [
      'sluice.yaml:15:22: syncs.s.from.variables.day.type: unknown type "dat" (did you mean "date"?)',
      'sluice.yaml:15:27: syncs.s.from.variables.day.timezon: unknown key "timezon" (did you mean "timezone"?)',
    ],
  },
  {
    name: 'an unsupported version',
    project: `version: 2\n`,
    issues: ['sluice.yaml:1:10: version: expected 1, got 2'],
  },
];

describe('invalid configurations: each bad config and the exact message a user sees', () => {
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await cleanup?.();
    cleanup = undefined;
  });

  it('covers at least 24 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(24);
  });

  it.each(cases)('$name', async (c) => {
    const project = await writeProject({ 'connectors/tracker.yaml': TRACKER_CONNECTOR, ...c.files, 'sluice.yaml': c.project });
    cleanup = project.cleanup;
    const error = await loadProject({
      cwd: project.dir,
      env: c.env ?? { TRACKER_KEY: 'tk-0123456789' },
      connectorsDir: `${project.dir}/builtin`,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map(formatConfigIssue)).toEqual(c.issues);
  });
});
