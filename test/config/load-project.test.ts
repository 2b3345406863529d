import { mkdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, formatConfigIssue } from '../../src/config/config-error.js';
import { loadConnectorSpec, loadProject } from '../../src/config/load-project.js';
import { readSyncQuery } from '../../src/config/read-sync-query.js';
import { closeAfterEachTest } from '../support/close-after-each-test.js';
import { TRACKER_CONNECTOR, writeProject } from './write-project.js';

const PROJECT = `version: 1
connections:
  warehouse: { type: duckdb, path: data/w.duckdb }
  crm: { type: postgres, url: "postgres://app:p%40ss-w0rd@db.internal:5432/crm" }
  my: { type: mysql, url: "mysql://root:maria-secret@127.0.0.1/test" }
  tracker:
    type: http
    connector: ./connectors/tracker.yaml
    config: { space: "\${env:SPACE}", signing_secret: "sign-me-please" }
    auth: { type: api_key, key: "\${env:TRACKER_KEY}" }
  builtin:
    type: http
    connector: tracker
    config: { space: beta, page_size: "\${env:PAGE_SIZE:-25}" }
    auth: { type: oauth2, client_id: "client-abc", client_secret: "\${env:CLIENT_SECRET}" }
syncs:
  scans_to_tracker:
    from: { connection: warehouse, sql: queries/scans.sql }
    to: { connection: tracker, endpoint: add_issue }
    mode: insert
    key: id
  leads_to_tracker:
    from: { connection: crm, table: analytics.lead_scores }
    to: { connection: builtin, endpoints: { create: add_issue, update: update_issue } }
    mode: upsert
    key: [id]
  mysql_rows:
    from: { connection: my, table: "odd\`name" }
    to: { connection: warehouse, table: copy }
    mode: append
  inline:
    from: { connection: warehouse, sql: "SELECT 1 AS id" }
    to: { connection: tracker, endpoint: upsert_issue }
    mode: upsert
    key: id
pipelines:
  nightly: { schedule: "0 3 * * *", steps: [scans_to_tracker, { sql: queries/score.sql, connection: crm }] }
`;

const env = { SPACE: 'acme', TRACKER_KEY: 'tk-live-0123456789', CLIENT_SECRET: 'cs-very-secret' };

const closeLater = closeAfterEachTest();

/** PROJECT with its connector files and queries, `files` added or replaced; its dir is the real path (the temp dir may be behind a link). */
async function project(files: Record<string, string> = {}) {
  const p = await writeProject({
    'sluice.yaml': PROJECT,
    'connectors/tracker.yaml': TRACKER_CONNECTOR,
    'builtin/tracker.yaml': TRACKER_CONNECTOR,
    'queries/scans.sql': "SELECT * FROM scans WHERE day = '$yesterday$'\n",
    'queries/score.sql': 'UPDATE leads SET score = 1\n',
    ...files,
  });
  closeLater(p.cleanup);
  return { ...p, dir: await realpath(p.dir) };
}

describe('loadProject', () => {
  it('loads a valid project: env resolved, defaults filled, connectors by connection', async () => {
    const { dir } = await project();
    const loaded = await loadProject({ project: dir, env, connectorsDir: join(dir, 'builtin') });
    expect(loaded.file).toBe(join(dir, 'sluice.yaml'));
    expect(loaded.dir).toBe(dir);
    expect(loaded.project.state).toBe('.sluice');
    expect(loaded.project.connections.tracker).toEqual({
      type: 'http',
      connector: './connectors/tracker.yaml',
      config: { space: 'acme', signing_secret: 'sign-me-please', page_size: 50 },
      auth: { type: 'api_key', key: 'tk-live-0123456789' },
    });
    // A number field given as a string through ${env:...:-default} is converted.
    expect(loaded.project.connections.builtin).toMatchObject({ config: { space: 'beta', page_size: 25 } });
    expect(Object.keys(loaded.connectors).sort()).toEqual(['builtin', 'tracker']);
    expect(loaded.connectors.tracker!.file).toBe(join(dir, 'connectors/tracker.yaml'));
    expect(loaded.connectors.builtin!.file).toBe(join(dir, 'builtin/tracker.yaml'));
    expect(loaded.connectors.tracker!.spec.endpoints.add_issue!.operation).toBe('create');
    expect(loaded.project.syncs.scans_to_tracker!.on_error).toEqual({ max_failed_rows: 0, max_invalid_rows: 0 });
  });

  it('registers every secret in the redactor: env values, auth values, URL passwords, secret config', async () => {
    const { dir } = await project();
    const { redactor } = await loadProject({ project: dir, env, connectorsDir: join(dir, 'builtin') });
    const text = [
      'key=tk-live-0123456789',
      'secret=cs-very-secret',
      'client=client-abc',
      'pg=p@ss-w0rd',
      'pg-url=p%40ss-w0rd',
      'my=maria-secret',
      'sign=sign-me-please',
      'space=acme',
    ].join(' ');
    // client_id is public (RFC 6749): it stays readable.
    expect(redactor.mask(text)).toBe('key=**** secret=**** client=client-abc pg=**** pg-url=**** my=**** sign=**** space=****');
    // Values that did not come from the environment and are not secrets stay readable.
    expect(redactor.mask('space=beta type=api_key')).toBe('space=beta type=api_key');
  });

  it('finds the nearest sluice.yaml from a subdirectory, and takes the file itself', async () => {
    const { dir } = await project();
    await mkdir(join(dir, 'queries/deep'), { recursive: true });
    const fromSub = await loadProject({ cwd: join(dir, 'queries/deep'), env, connectorsDir: join(dir, 'builtin') });
    expect(fromSub.file).toBe(join(dir, 'sluice.yaml'));
    const fromFile = await loadProject({ project: 'sluice.yaml', cwd: dir, env, connectorsDir: join(dir, 'builtin') });
    expect(fromFile.dir).toBe(dir);
  });

  it('says clearly when there is no project', async () => {
    const p = await writeProject({ 'empty/.keep': '' });
    closeLater(p.cleanup);
    const dir = await realpath(p.dir);
    const error = await loadProject({ cwd: join(dir, 'empty') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(
      `sluice.yaml: no sluice.yaml in ${join(dir, 'empty')} or any parent directory (create one with: sluice init, or pass --project DIR)`,
    );
    const missing = await loadProject({ cwd: dir, project: 'nowhere' }).catch((e: unknown) => e);
    expect((missing as ConfigError).message).toBe('nowhere: project not found: nowhere does not exist');
    const noFile = await loadProject({ cwd: dir, project: 'empty' }).catch((e: unknown) => e);
    expect((noFile as ConfigError).message).toBe('empty/sluice.yaml: no sluice.yaml in empty (create one with: sluice init empty)');
  });

  it('reports schema issues before cross-checks', async () => {
    const { dir } = await project({ 'sluice.yaml': PROJECT.replace('key: [id]', 'key: [id]\n    mapping: { a: 1 }') });
    const error = await loadProject({ cwd: dir, env, connectorsDir: join(dir, 'builtin') }).catch((e: unknown) => e);
    expect((error as ConfigError).issues.map(formatConfigIssue)).toEqual(['sluice.yaml:27:19: syncs.leads_to_tracker.mapping.a: expected a string, got a number']);
  });

  it('reports every issue at once: sluice.yaml first, then each connector file once however many connections use it', async () => {
    const withSecond = PROJECT.replace('  builtin:\n', '  tracker2: { type: http, connector: ./connectors/tracker.yaml, config: { space: b }, auth: { type: api_key, key: k-999999 } }\n  builtin:\n');
    const { dir } = await project({
      'connectors/tracker.yaml': TRACKER_CONNECTOR.replace('path: /issues\n', 'path: "{{ oops"\n'),
      'sluice.yaml': withSecond.replace('mode: append', 'mode: append\n    schedule: "every day"'),
    });
    const error = await loadProject({ cwd: dir, env: { ...env, TRACKER_KEY: '' }, connectorsDir: join(dir, 'builtin') }).catch((e: unknown) => e);
    expect((error as ConfigError).issues.map(formatConfigIssue)).toEqual([
      'sluice.yaml:10:33: connections.tracker.auth.key: environment variable TRACKER_KEY is empty (set it, or give a default: ${env:TRACKER_KEY:-value})',
      'sluice.yaml:32:15: syncs.mysql_rows.schedule: invalid cron expression "every day": invalid configuration format (\'every day\'), exactly five, six, or seven space separated parts are required. (five fields: minute hour day month weekday, e.g. "0 9 * * *")',
      'connectors/tracker.yaml:16:12: endpoints.add_issue.path: invalid liquid template: output "{{ oops" not closed',
    ]);
  });

  it('masks secrets in issue messages', async () => {
    const { dir } = await project({
      'sluice.yaml': PROJECT.replace('mode: insert', 'mode: "${env:TRACKER_KEY}"'),
    });
    const error = await loadProject({ cwd: dir, env, connectorsDir: join(dir, 'builtin') }).catch((e: unknown) => e);
    expect((error as ConfigError).issues.map(formatConfigIssue)).toEqual(['sluice.yaml:20:11: syncs.scans_to_tracker.mode: unknown mode "****" (expected one of insert, update, upsert, mirror, append)']);
  });
});

describe('loadConnectorSpec', () => {
  it('loads a built-in by name and a spec by path; a ConfigError names what is wrong', async () => {
    const p = await writeProject({ 'builtin/tracker.yaml': TRACKER_CONNECTOR, 'specs/mine.yaml': TRACKER_CONNECTOR.replace('name: tracker', 'name: Mine') });
    closeLater(p.cleanup);
    const dir = await realpath(p.dir);
    const builtin = await loadConnectorSpec('tracker', dir, { connectorsDir: join(dir, 'builtin') });
    expect(builtin.file).toBe(join(dir, 'builtin/tracker.yaml'));
    expect(builtin.spec.auth.map((a) => a.type)).toEqual(['api_key', 'oauth2']);
    const error = await loadConnectorSpec('./specs/mine.yaml', dir, { cwd: dir }).catch((e: unknown) => e);
    expect((error as ConfigError).message).toBe('specs/mine.yaml:1:7: name: invalid name "Mine": a connector name is lower-case letters, digits, - and _');
    const missing = await loadConnectorSpec('./specs/none.yaml', dir, { cwd: dir }).catch((e: unknown) => e);
    expect((missing as ConfigError).message).toBe('./specs/none.yaml: connector file "./specs/none.yaml" not found (looked for specs/none.yaml)');
  });
});

describe('readSyncQuery', () => {
  it('reads a .sql file, inline SQL, or selects a whole table quoted for the engine', async () => {
    const { dir } = await project();
    const loaded = await loadProject({ cwd: dir, env, connectorsDir: join(dir, 'builtin') });
    expect(await readSyncQuery(loaded, 'scans_to_tracker')).toBe("SELECT * FROM scans WHERE day = '$yesterday$'\n");
    expect(await readSyncQuery(loaded, 'inline')).toBe('SELECT 1 AS id');
    expect(await readSyncQuery(loaded, 'leads_to_tracker')).toBe('SELECT * FROM "analytics"."lead_scores"');
    expect(await readSyncQuery(loaded, 'mysql_rows')).toBe('SELECT * FROM `odd``name`');
    const error = await readSyncQuery(loaded, 'scans_to_trackr').catch((e: unknown) => e);
    expect((error as ConfigError).issues[0]!.message).toBe('unknown sync "scans_to_trackr" (did you mean "scans_to_tracker"?)');
  });
});
