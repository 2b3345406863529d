// examples/graphql-crm, run as its README says (the CLI in process, the graphql-crm simulator as `sluice sandbox`
// starts it): contacts read through a GraphQL query into DuckDB, scores sent back in one bulk mutation, and the one
// input the API refuses (its userErrors) reported on its own row.
import { DuckDBInstance } from '@duckdb/node-api';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGraphQLCrmSandbox, type GraphQLContact } from '../../sandbox/graphql-crm/graphql-crm-sandbox.js';
import { startSandboxes, type StartedSandboxes } from '../../sandbox/start-sandboxes.js';
import { runSluiceInProcess } from '../support/capture.js';
import { shellWords } from './run-command.js';

const example = resolve(__dirname, '../../examples/graphql-crm');
const ENV_NAMES = ['GRAPHQL_CRM_URL', 'GRAPHQL_CRM_TOKEN'] as const;

async function tableRows(dir: string, sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(join(dir, 'data/warehouse.duckdb'), { access_mode: 'READ_ONLY' });
  try {
    const connection = await instance.connect();
    try {
      return (await connection.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

describe('examples/graphql-crm', () => {
  let dir: string;
  let readme: string;
  let sandboxes: StartedSandboxes;
  let crm: string;
  const saved = Object.fromEntries(ENV_NAMES.map((n) => [n, process.env[n]]));

  beforeAll(async () => {
    readme = await readFile(join(example, 'README.md'), 'utf8');
    // A copy, so the run's state and DuckDB file stay out of the repository.
    dir = await mkdtemp(join(tmpdir(), 'sluice-graphql-crm-'));
    await cp(example, dir, { recursive: true, filter: (src) => !/[/\\](\.sluice|data)$/.test(src) });
    // What `sluice sandbox graphql-crm --port 8795` starts, on a free port (the connection's URL says which).
    expect(readme).toContain('sluice sandbox graphql-crm --port 8795');
    sandboxes = await startSandboxes(['graphql-crm']);
    crm = sandboxes.urls['graphql-crm']!;
    process.env.GRAPHQL_CRM_URL = crm;
  }, 30_000);
  afterAll(async () => {
    await sandboxes?.close();
    for (const n of ENV_NAMES) if (saved[n] === undefined) delete process.env[n];
    else process.env[n] = saved[n];
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Runs a README line (it must be in the README) in the project directory: `export` sets the environment, `sluice` runs the CLI. */
  async function run(line: string): Promise<{ code: number; out: string; err: string }> {
    expect(readme, 'README.md runs this command').toContain(line);
    if (line.startsWith('export ')) {
      const [name, value] = line.slice('export '.length).split('=') as [string, string];
      process.env[name] = value;
      return { code: 0, out: '', err: '' };
    }
    // From the project's directory, as the README says (the test files run in their own processes: pool forks).
    const previous = process.cwd();
    process.chdir(dir);
    try {
      return await runSluiceInProcess(shellWords(line).slice(1));
    } finally {
      process.chdir(previous);
    }
  }
  const contacts = async () => ((await (await fetch(`${crm}/_sandbox/records`)).json()) as { contacts: GraphQLContact[] }).contacts;

  it('reads the contacts into a table and upserts their scores back, the invalid lead reported on its row', async () => {
    await run('export GRAPHQL_CRM_TOKEN=sandbox-graphql-token');
    const validate = await run('sluice validate');
    expect(validate.out + validate.err).toContain('ok: 2 connections, 2 syncs, 1 pipeline');
    expect(validate.code).toBe(0);

    const cases = await run('sluice connector test connectors/graphql-crm.yaml --cases');
    expect(cases.out).toContain('5 passed');
    expect(cases.code, cases.out + cases.err).toBe(0);

    const test = await run('sluice connections test crm');
    expect(test.out + test.err).not.toMatch(/not verified|failed/);
    expect(test.code).toBe(0);

    expect((await run('sluice pipeline run setup')).code).toBe(0);

    const read = await run('sluice sync run contacts_in');
    expect(read.code, read.out + read.err).toBe(0);
    const table = await tableRows(dir, 'SELECT id, email, name, company, score::INTEGER AS score FROM crm_contacts ORDER BY id');
    expect(table).toEqual([
      { id: 'ct_0001', email: 'aiko@example.com', name: 'Aiko Tanaka', company: 'Acme', score: 40 },
      { id: 'ct_0002', email: 'ben@example.com', name: 'Ben Ortiz', company: 'Globex', score: 15 },
      { id: 'ct_0003', email: 'chloe@example.com', name: 'Chloé Martin', company: null, score: null },
      { id: 'ct_0004', email: 'dev@example.com', name: 'Dev Patel', company: 'Initech', score: 72 },
      { id: 'ct_0005', email: 'emma@example.com', name: 'Emma "Em" Weber', company: 'Acme', score: 8 },
    ]);

    const write = await run('sluice sync run scores_out');
    expect(write.out).toContain('planned 8: 8 added');
    expect(write.out).toContain('delivered 7, failed 1');
    expect(write.out).toContain('rejected not-an-email: Email is invalid (INVALID, field inputs.7.email)');
    expect(write.code, write.out + write.err).toBe(0);
    const after = await contacts();
    expect(after.map((c) => [c.email, c.name, c.company, c.score])).toEqual([
      ['aiko@example.com', 'Aiko Tanaka', 'Acme', 80],
      ['ben@example.com', 'Ben Ortiz', 'Globex', 50],
      ['chloe@example.com', 'Chloé Martin', null, 20],
      ['dev@example.com', 'Dev Patel', 'Initech', 50],
      ['emma@example.com', 'Emma "Em" Weber', 'Acme', 80],
      ['fatima@example.com', 'Fatima Zahra', 'Umbrella', 10],
      ['hana@example.com', 'Hana Sato', 'Acme', 10],
    ]);

    const rejected = await run('sluice sync rejected scores_out');
    expect(rejected.out).toContain('not-an-email');
    expect(rejected.out).toContain('Email is invalid (INVALID, field inputs.7.email)');
    expect(rejected.out).toMatch(/^not-an-email\s+rejected\s+upsert/m);
    expect(rejected.out).toContain('1 rejected row(s)');
    // The rejected row keeps the batch request it went in, with the token masked.
    expect(rejected.out).toContain("-H 'Authorization: Bearer ****'");
    expect(rejected.out + write.out + write.err).not.toContain('sandbox-graphql-token');

    // The second run sends the refused row alone (nothing else changed), and it is refused again.
    const again = await run('sluice sync run scores_out');
    expect(again.code, again.out + again.err).toBe(0);
    expect(again.out).toContain('planned 1: 1 added, 0 changed, 0 removed, 7 unchanged');
    expect(again.out).toContain('rejected not-an-email: Email is invalid (INVALID, field inputs.0.email)');
    expect(await contacts()).toHaveLength(7);

    // The preview shows the mutation it would send for the row still to deliver, and sends nothing.
    const requestsBefore = (await (await fetch(`${crm}/_sandbox/requests`)).json()) as unknown[];
    const preview = await run('sluice sync preview scores_out');
    expect(preview.code, preview.out + preview.err).toBe(0);
    expect(preview.out).toContain('contactsUpsert(inputs: $inputs)');
    expect(preview.out).toContain('"email": "not-an-email"');
    expect(preview.out).not.toContain('sandbox-graphql-token');
    expect(await (await fetch(`${crm}/_sandbox/requests`)).json()).toHaveLength(requestsBefore.length);
  }, 60_000);

  it('reads again only the contacts updated since the last read (updatedSince in the variables)', async () => {
    const again = await run('sluice sync run contacts_in');
    expect(again.code, again.out + again.err).toBe(0);
    expect(again.out).toContain('planned 7: 2 added, 5 changed, 0 removed, 0 unchanged');
    const table = await tableRows(dir, 'SELECT email, score::INTEGER AS score FROM crm_contacts ORDER BY email');
    // The upserts of the first test updated every contact and created two: all are read again, with their scores.
    expect(table).toEqual([
      { email: 'aiko@example.com', score: 80 },
      { email: 'ben@example.com', score: 50 },
      { email: 'chloe@example.com', score: 20 },
      { email: 'dev@example.com', score: 50 },
      { email: 'emma@example.com', score: 80 },
      { email: 'fatima@example.com', score: 10 },
      { email: 'hana@example.com', score: 10 },
    ]);
    // Nothing changed since: the API returns only the contact at the kept second, which was read already.
    const third = await run('sluice sync run contacts_in');
    expect(third.code, third.out + third.err).toBe(0);
    expect(third.out).toContain('planned 0: 0 added, 0 changed, 0 removed, 0 unchanged');
  }, 60_000);

  // The page cursor goes into the body (cursor_param variables.after, in: body): a GraphQL API reads only the body.
  it('reads 120 contacts, 50 a page, the page cursor sent in the query variables', async () => {
    const many = await startGraphQLCrmSandbox({
      seed: { contacts: Array.from({ length: 120 }, (_, i) => ({ email: `c${String(i).padStart(3, '0')}@example.com`, name: `Contact ${i}` })) },
    });
    const project = await mkdtemp(join(tmpdir(), 'sluice-graphql-crm-pages-'));
    try {
      await cp(example, project, { recursive: true, filter: (src) => !/[/\\](\.sluice|data)$/.test(src) });
      process.env.GRAPHQL_CRM_URL = many.url;
      const read = await runSluiceInProcess(['sync', 'run', 'contacts_in', '--project', project]);
      expect(read.code, read.err).toBe(0);
      expect(read.out).toContain('delivered 120, failed 0');
      expect(await tableRows(project, 'SELECT count(*)::INTEGER AS n, count(DISTINCT email)::INTEGER AS emails, min(email) AS first, max(email) AS last FROM crm_contacts')).toEqual([
        { n: 120, emails: 120, first: 'c000@example.com', last: 'c119@example.com' },
      ]);
    } finally {
      process.env.GRAPHQL_CRM_URL = crm;
      await many.close();
      await rm(project, { recursive: true, force: true });
    }
  }, 60_000);
});
