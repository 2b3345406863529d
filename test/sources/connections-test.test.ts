import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBigQuerySimulator, type BigQuerySimulator } from '../../sandbox/bigquery/bigquery-simulator.js';
import { main } from '../../src/cli/main.js';
import { Capture } from '../support/capture.js';

let dir: string;
let simulator: BigQuerySimulator;

beforeAll(async () => {
  simulator = await startBigQuerySimulator();
  dir = await mkdtemp(join(tmpdir(), 'sluice-conn-test-'));
  await writeFile(
    join(dir, 'sluice.yaml'),
    `version: 1
connections:
  warehouse: { type: duckdb, path: data/warehouse.duckdb }
  local: { type: sqlite, path: local.sqlite }
  crm: { type: postgres, url: "postgres://postgres@127.0.0.1:5432/test" }
  shop: { type: mysql, url: "mysql://root@127.0.0.1:3306/test" }
  down: { type: postgres, url: "postgres://postgres:pg-Secret-77@127.0.0.1:1/test" }
  bq: { type: bigquery, project_id: sluice-test, api_endpoint: "${simulator.url}", access_token: "test-token" }
  bq_bad: { type: bigquery, project_id: sluice-test, api_endpoint: "${simulator.url}", access_token: "\${env:SLUICE_TEST_BQ_TOKEN}" }
`,
  );
  process.env.SLUICE_TEST_BQ_TOKEN = 'stale-token-0042';
});

afterAll(async () => {
  delete process.env.SLUICE_TEST_BQ_TOKEN;
  await simulator.close();
  await rm(dir, { recursive: true, force: true });
});

async function run(...args: string[]) {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await main(['node', 'sluice', '--project', dir, ...args], { stdout, stderr });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

describe('sluice connections test', () => {
  it.each([
    ['warehouse', /^ok: warehouse \(DuckDB v\d+\.\d+\.\d+ \(.*warehouse\.duckdb\)\) in \d+ ms\n$/],
    ['local', /^ok: local \(SQLite 3\.\d+\.\d+ \(.*local\.sqlite\)\) in \d+ ms\n$/],
    ['crm', /^ok: crm \(PostgreSQL 1\d\.\d+\) in \d+ ms\n$/],
    ['shop', /^ok: shop \(MariaDB 1\d\.\d+\.\d+\) in \d+ ms\n$/],
    ['bq', /^ok: bq \(BigQuery project sluice-test\) in \d+ ms\n$/],
  ])('reaches %s and says what answered', async (name, line) => {
    const r = await run('connections', 'test', name);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(line);
    expect(r.code).toBe(0);
  });

  it('answers --json with what answered', async () => {
    const r = await run('--json', 'connections', 'test', 'crm');
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, connection: 'crm', type: 'postgres', server: expect.stringMatching(/^PostgreSQL /) });
    expect(r.code).toBe(0);
  });

  it('fails with exit 1 and the reason, the password masked', async () => {
    const r = await run('connections', 'test', 'down');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: down: .*ECONNREFUSED/);
    expect(r.stderr + r.stdout).not.toContain('pg-Secret-77');
  });

  it('reports a refused BigQuery token without printing it', async () => {
    const r = await run('--json', 'connections', 'test', 'bq_bad');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, connection: 'bq_bad', error: expect.stringContaining('(authError, HTTP 401)') });
    expect(r.stdout).not.toContain('stale-token-0042');
  });

  it('names the connections when the name is unknown (exit 2)', async () => {
    const r = await run('connections', 'test', 'crn');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no connection named "crn" (did you mean "crm"?)');
  });
});
