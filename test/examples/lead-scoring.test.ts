// examples/lead-scoring, run as its README says: the built CLI, the Salesforce and BigCommerce simulators from
// `sluice sandbox`, OAuth through `sluice connect`, real PostgreSQL (a schema of the test's own), two pipeline runs.
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawn } from 'node:child_process';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand, shellWords, type CommandResult } from './run-command.js';
import { freePorts, startCliSandbox, type CliSandbox } from './start-cli-sandbox.js';

const example = resolve(__dirname, '../../examples/lead-scoring');
const cli = resolve(__dirname, '../../bin/sluice.js');
const PG = 'postgres://postgres@127.0.0.1:5432/test';
const README_PORT = 8792;

interface Lead { Id: string; FirstName: string; Company: string; Email: string | null; Status: string; LeadScore__c: number | null }
interface Customer { email: string; company: string; customer_group_id: number }

/** The README's scoring rules, written again here so the SQL is checked against them. */
function expectedScore(lead: Lead, customers: Customer[]): number {
  const email = lead.Email?.toLowerCase() ?? '';
  const own = customers.find((c) => c.email.toLowerCase() === email);
  const colleague = customers.some((c) => c.company.toLowerCase() === lead.Company.toLowerCase() && c.email.toLowerCase() !== email);
  const freeMail = ['gmail.com', 'yahoo.com', 'outlook.com', 'hotmail.com'].includes(email.split('@')[1] ?? '');
  return 10 + (own ? 30 : 0) + (own && own.customer_group_id > 0 ? 20 : 0) + (colleague ? 15 : 0)
    + (lead.Status === 'Working - Contacted' ? 15 : 0) - (freeMail ? 10 : 0);
}

describe('examples/lead-scoring', () => {
  let dir: string;
  let readme: string;
  let sandbox: CliSandbox;
  let port: number;
  const schema = `lead_scoring_${randomBytes(4).toString('hex')}`;
  const db = new pg.Client({ connectionString: PG });
  const env: NodeJS.ProcessEnv = { ...process.env, SLUICE_SECRET_KEY: '' };

  beforeAll(async () => {
    readme = await readFile(join(example, 'README.md'), 'utf8');
    dir = await mkdtemp(join(tmpdir(), 'sluice-lead-scoring-'));
    await cp(example, dir, { recursive: true, filter: (src) => !/[/\\]\.sluice$/.test(src) });
    await db.connect();
    await db.query(`CREATE SCHEMA ${schema}`);
    port = await freePorts(2);
    sandbox = await startCliSandbox(readmeLine('sluice sandbox salesforce bigcommerce --port 8792'), port);
  }, 30_000);
  afterAll(async () => {
    await sandbox?.close();
    await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await db.end();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  function readmeLine(line: string): string {
    expect(readme, 'README.md runs this command').toContain(line);
    return line;
  }
  /** A README line on the test's ports, with the PostgreSQL tables in the test's schema. */
  function localized(line: string): string {
    return readmeLine(line)
      .replaceAll(`127.0.0.1:${README_PORT + 1}`, `127.0.0.1:${port + 1}`)
      .replaceAll(`127.0.0.1:${README_PORT}`, `127.0.0.1:${port}`)
      .replace(`DATABASE_URL=${PG}`, `DATABASE_URL=${PG}?options=-csearch_path%3D${schema}`);
  }
  function run(line: string): Promise<CommandResult> {
    return runCommand(localized(line), { cwd: dir, env });
  }
  /** `sluice connect ... --no-browser`: opens the printed URL as a browser would, and waits for the command to end. */
  function connect(line: string): Promise<CommandResult> {
    const child = spawn(process.execPath, [cli, ...shellWords(localized(line)).slice(1)], { cwd: dir, env });
    let stdout = '';
    let stderr = '';
    let opened = false;
    return new Promise((done, fail) => {
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        const url = /(http:\/\/127\.0\.0\.1:\d+\/services\/oauth2\/authorize\?\S+)/.exec(stdout)?.[1];
        if (url && !opened) {
          opened = true;
          fetch(url).then((page) => page.text()).catch(fail);
        }
      });
      child.on('close', (code) => done({ code, stdout, stderr }));
    });
  }
  const records = async <T>(name: string, path: string): Promise<T> => (await (await fetch(`${sandbox.urls[name]}${path}`)).json()) as T;
  const leads = async () => (await records<{ Lead: Lead[] }>('salesforce', '/_sandbox/records')).Lead;
  const patches = async () =>
    (await records<{ method: string; path: string }[]>('salesforce', '/_sandbox/requests')).filter((r) => r.method === 'PATCH');

  it('scores every Lead from both systems in PostgreSQL, writes the scores to Salesforce, and sends nothing again', async () => {
    await run('export DATABASE_URL=postgres://postgres@127.0.0.1:5432/test');
    await run('export SALESFORCE_LOGIN_URL=http://127.0.0.1:8792 SALESFORCE_CLIENT_ID=sandbox-client SALESFORCE_CLIENT_SECRET=sandbox-secret');
    await run('export BIGCOMMERCE_URL=http://127.0.0.1:8793 BIGCOMMERCE_TOKEN=sandbox-access-token');
    for (const line of [
      "curl -s -X POST http://127.0.0.1:8792/_sandbox/seed -H 'Content-Type: application/json' --data @seed/salesforce.json",
      "curl -s -X POST http://127.0.0.1:8793/_sandbox/seed -H 'Content-Type: application/json' --data @seed/bigcommerce.json",
    ]) {
      expect((await run(line)).stdout).toBe('{"ok":true}');
    }
    const validate = await run('sluice validate');
    expect(validate.stdout + validate.stderr).toContain('ok: 3 connections, 3 syncs, 1 pipeline');

    const connected = await connect('sluice connect salesforce --no-browser');
    expect(connected.stdout + connected.stderr).toMatch(/^connected: salesforce/m);
    expect(connected.code).toBe(0);

    const before = await leads();
    const customers = (await records<{ customers: Customer[] }>('bigcommerce', '/_sandbox/records')).customers;
    expect(before).toHaveLength(8);
    expect(customers).toHaveLength(5);
    const expected = Object.fromEntries(before.map((l) => [l.Id, expectedScore(l, customers)]));

    const first = await run('sluice pipeline run lead_scoring');
    expect(first.stdout + first.stderr).toContain('pipeline lead_scoring succeeded');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^ok {2}sf_leads_to_pg \(8 delivered, 0 failed\)/m);
    expect(first.stdout).toMatch(/^ok {2}bc_customers_to_pg \(5 delivered, 0 failed\)/m);
    expect(first.stdout).toMatch(/^ok {2}sql queries\/score\.sql on crm/m);
    expect(first.stdout).toMatch(/^ok {2}leads_to_salesforce \(8 delivered, 0 failed\)/m);

    // What arrived in Salesforce: every Lead's score, as the rules give it.
    const after = await leads();
    expect(Object.fromEntries(after.map((l) => [l.Id, l.LeadScore__c]))).toEqual(expected);
    expect(Object.fromEntries(after.map((l) => [l.FirstName, l.LeadScore__c]))).toEqual({
      Aiko: 40, Ben: 40, Chloe: 10, Diego: 60, Emma: 40, Farid: 25, Grace: 75, Hiro: 0,
    });
    expect(await patches()).toHaveLength(8);

    // The tables the syncs created, and the scores SQL computed.
    const tables = await db.query<{ table_name: string }>(
      'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name', [schema]);
    expect(tables.rows.map((r) => r.table_name)).toEqual(['bc_customers', 'lead_scores', 'sf_leads']);
    expect((await db.query(`SELECT count(*)::int AS n FROM ${schema}.sf_leads`)).rows[0]).toEqual({ n: 8 });
    expect((await db.query(`SELECT count(*)::int AS n FROM ${schema}.bc_customers`)).rows[0]).toEqual({ n: 5 });
    const scores = await db.query<{ Id: string; score: number }>(`SELECT "Id", score FROM ${schema}.lead_scores`);
    expect(Object.fromEntries(scores.rows.map((r) => [r.Id, r.score]))).toEqual(expected);

    const second = await run('sluice pipeline run lead_scoring');
    expect(second.stdout + second.stderr).toContain('pipeline lead_scoring succeeded');
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/^ok {2}leads_to_salesforce \(0 delivered, 0 failed\)/m);
    expect(await patches()).toHaveLength(8);
    for (const out of [validate, connected, first, second]) {
      expect(out.stdout + out.stderr).not.toContain('sandbox-secret');
      expect(out.stdout + out.stderr).not.toContain('sandbox-access-token');
    }
  }, 60_000);
});
