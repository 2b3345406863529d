import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startBigQuerySimulator, type BigQuerySimulator } from '../../sandbox/bigquery/bigquery-simulator.js';
import { Redactor } from '../../src/log/redactor.js';
import { openSqlDatabase } from '../../src/databases/open-sql-database.js';
import type { Row } from '../../src/rows/row.js';
import type { SqlDatabase } from '../../src/databases/sql-database.js';

let simulator: BigQuerySimulator | undefined;
let db: SqlDatabase | undefined;
let dir: string | undefined;
afterEach(async () => {
  await db?.close();
  await simulator?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  db = simulator = dir = undefined;
});

async function readAll(database: SqlDatabase, sql: string, batchSize?: number): Promise<Row[][]> {
  const batches: Row[][] = [];
  for await (const b of database.query(sql).read({ batchSize })) batches.push(b);
  return batches;
}

const withToken = (s: BigQuerySimulator) =>
  openSqlDatabase({ type: 'bigquery', project_id: s.projectId, api_endpoint: s.url, access_token: 'test-token' }, { projectDir: '.' });

describe('BigQuery source', () => {
  it('follows pageTokens across small pages and yields batches of its own size', async () => {
    simulator = await startBigQuerySimulator({ pageSize: 7, setupSql: 'CREATE TABLE t AS SELECT range::INTEGER AS n FROM range(50)' });
    db = await withToken(simulator);
    const batches = await readAll(db, 'SELECT n FROM `t` ORDER BY n', 20);
    expect(batches.map((b) => b.length)).toEqual([20, 20, 10]);
    expect(batches.flat().map((r) => r.n)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    const calls = simulator.requests.filter((r) => r.path.includes('/queries'));
    expect(calls[0]).toMatchObject({ method: 'POST', body: { useLegacySql: false, maxResults: 20 } });
    // 50 rows in pages of 7: the first from jobs.query, six more by pageToken.
    expect(calls.slice(1).map((r) => r.method)).toEqual(Array(7).fill('GET'));
    expect(calls.slice(1).every((r) => r.query.pageToken)).toBe(true);
  });

  it('polls getQueryResults while the job reports jobComplete false', async () => {
    simulator = await startBigQuerySimulator({ pendingPolls: 2, setupSql: 'CREATE TABLE t AS SELECT 1 AS a' });
    db = await withToken(simulator);
    expect((await readAll(db, 'SELECT a FROM t')).flat()).toEqual([{ a: 1 }]);
    const calls = simulator.requests.map((r) => `${r.method} ${r.query.pageToken ? 'page' : r.query.timeoutMs ? 'poll' : ''}`.trim());
    expect(calls).toEqual(['POST', 'GET poll', 'GET poll']);
  });

  it('reads nested RECORDs, REPEATED fields and TIMESTAMPs from INFORMATION_SCHEMA.JOBS', async () => {
    simulator = await startBigQuerySimulator();
    db = await withToken(simulator);
    const sql = `SELECT job_id, total_bytes_billed, referenced_tables, destination_table, labels, creation_time
      FROM \`region-us\`.INFORMATION_SCHEMA.JOBS
      WHERE creation_time >= TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 7 DAY) AND job_type = 'QUERY' AND statement_type != 'SCRIPT'
      ORDER BY total_bytes_billed DESC LIMIT 10`;
    const rows = (await readAll(db, sql)).flat();
    expect(rows.map((r) => r.job_id)).toEqual(['bquxjob_1', 'bquxjob_2']);
    expect(rows[0]).toMatchObject({
      total_bytes_billed: 1073741824,
      referenced_tables: [{ project_id: 'sluice-test', dataset_id: 'sales', table_id: 'orders' }],
      destination_table: { project_id: 'sluice-test', dataset_id: '_anon', table_id: 'anon1' },
      labels: [{ key: 'team', value: 'data' }],
    });
    expect(rows[1]).toMatchObject({ referenced_tables: [], destination_table: null, labels: [] });
    expect(rows[0]!.creation_time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    const columns = await db.query(sql).describe();
    expect(columns.map((c) => [c.name, c.type, c.nativeType])).toEqual([
      ['job_id', 'string', 'STRING'],
      ['total_bytes_billed', 'integer', 'INTEGER'],
      ['referenced_tables', 'json', 'ARRAY<STRUCT<project_id STRING, dataset_id STRING, table_id STRING>>'],
      ['destination_table', 'json', 'STRUCT<project_id STRING, dataset_id STRING, table_id STRING>'],
      ['labels', 'json', 'ARRAY<STRUCT<key STRING, value STRING>>'],
      ['creation_time', 'timestamp', 'TIMESTAMP'],
    ]);
  });

  it('keeps microsecond TIMESTAMPs exact to the millisecond', async () => {
    simulator = await startBigQuerySimulator();
    db = await withToken(simulator);
    const rows = (await readAll(db, "SELECT TIMESTAMPTZ '2026-11-22 18:00:00.999999+09:00' AS t, TIMESTAMPTZ '1969-12-31 23:59:59.5+00' AS before_epoch")).flat();
    expect(rows).toEqual([{ t: '2026-11-22T09:00:00.999Z', before_epoch: '1969-12-31T23:59:59.500Z' }]);
  });

  it('exchanges a service-account JWT for an access token and hides the secrets', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const clientEmail = 'sluice@sluice-test.iam.gserviceaccount.com';
    simulator = await startBigQuerySimulator({ accessTokens: [], serviceAccount: { clientEmail, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() } });
    dir = await mkdtemp(join(tmpdir(), 'sluice-bq-'));
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    await writeFile(join(dir, 'key.json'), JSON.stringify({ type: 'service_account', client_email: clientEmail, private_key: pem, token_uri: simulator.tokenUrl }));
    const redactor = new Redactor();
    db = await openSqlDatabase({ type: 'bigquery', project_id: 'sluice-test', api_endpoint: simulator.url, credentials: 'key.json' }, { projectDir: dir, redactor });
    await expect(db.test()).resolves.toBe('BigQuery project sluice-test');
    const token = simulator.requests.find((r) => r.path === '/token');
    expect(token?.status).toBe(200);
    expect(new URLSearchParams(token!.body as string).get('grant_type')).toBe('urn:ietf:params:oauth:grant-type:jwt-bearer');
    // The token is fetched once and reused.
    await db.test();
    expect(simulator.requests.filter((r) => r.path === '/token')).toHaveLength(1);
    expect(redactor.mask(pem)).toBe('****');
  });

  it('says why the token endpoint refused a JWT signed by another key', async () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const { privateKey: other } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const clientEmail = 'sluice@sluice-test.iam.gserviceaccount.com';
    simulator = await startBigQuerySimulator({ serviceAccount: { clientEmail, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() } });
    dir = await mkdtemp(join(tmpdir(), 'sluice-bq-'));
    await writeFile(join(dir, 'key.json'), JSON.stringify({ client_email: clientEmail, private_key: other.export({ type: 'pkcs8', format: 'pem' }).toString() }));
    db = await openSqlDatabase(
      { type: 'bigquery', project_id: 'sluice-test', api_endpoint: simulator.url, credentials: 'key.json', token_url: simulator.tokenUrl },
      { projectDir: dir },
    );
    await expect(db.test()).rejects.toThrow(`service account ${clientEmail}: the token endpoint ${simulator.tokenUrl} refused the JWT (invalid_grant: Invalid JWT Signature.)`);
  });

  it('surfaces an error body as a clear message', async () => {
    simulator = await startBigQuerySimulator();
    db = await withToken(simulator);
    await expect(readAll(db, 'SELECT * FROM `sales.missing`')).rejects.toThrow('BigQuery: Not found: Table sluice-test:sales.missing was not found in location US (notFound, HTTP 404)');
    await expect(readAll(db, 'SELEC 1')).rejects.toThrow(/^BigQuery: Syntax error: .*\(invalidQuery, HTTP 400\)$/);
  });

  it('reports a refused access token without showing it', async () => {
    simulator = await startBigQuerySimulator();
    const redactor = new Redactor();
    db = await openSqlDatabase({ type: 'bigquery', project_id: 'sluice-test', api_endpoint: simulator.url, access_token: 'expired-token-123' }, { projectDir: '.', redactor });
    const error = await db.test().catch((e: Error) => e);
    expect((error as Error).message).toBe(
      'BigQuery: Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. (authError, HTTP 401)',
    );
    expect(redactor.mask('token expired-token-123')).toBe('token ****');
  });
});
