// `sluice sync run NAME --baseline` with `write_back:` and `run_log:` (issue #19 points 5 and 6) through the CLI
// against the HubSpot simulator: adopting the contacts HubSpot already holds fills the write-back table in PostgreSQL
// with each key's remote id and status, and the run log in SQLite with the baseline's row, with no write sent.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHubSpotSandbox, type HubSpotSandbox } from '../../sandbox/hubspot/hubspot-sandbox.js';
import { runSluiceInProcess } from '../support/capture.js';
import { sluiceYaml } from '../support/sluice-yaml.js';
import { querySqlite, writeSqlite } from '../support/sqlite-file.js';

const TOKEN = 'sandbox-private-app-token';
const PG = 'postgres://postgres@127.0.0.1:5432/test';
const CONTACTS = 1000;
const email = (i: number) => `person${String(i).padStart(4, '0')}@example.com`;
/** Not in HubSpot: a key made of a quote, a newline and an escape is kept in the table as it is. */
const HOSTILE = "o'x\n\u001b[31m@example.com";

/** The built-in HubSpot connector with a rate limit a loopback test can use (the shipped one keeps to 100 requests per 10 s). */
async function hubspotConnector(dir: string): Promise<void> {
  const spec = await readFile(resolve(__dirname, '../../connectors/hubspot.yaml'), 'utf8');
  const limit = 'rate_limit: { requests_per_second: 9, concurrency: 4 }';
  expect(spec).toContain(limit);
  await writeFile(join(dir, 'hubspot.yaml'), spec.replace(limit, 'rate_limit: { requests_per_second: 5000, concurrency: 8 }'));
}

/** contacts → HubSpot by email (find_contact is the connector's default lookup); results into `table`, runs into sluice_runs of model.db. */
const project = (table: string, warehouse = `{ type: postgres, url: "${PG}" }`) =>
  sluiceYaml({
    connections: {
      model: '{ type: sqlite, path: model.db }',
      warehouse,
      hubspot: ['type: http', 'connector: ./hubspot.yaml', 'base_url: "${env:BASELINE_WB_HUBSPOT_URL}"', 'auth: { type: bearer, token: "${env:BASELINE_WB_HUBSPOT_TOKEN}" }'],
    },
    syncs: {
      contacts: {
        from: '{ connection: model, table: contacts }',
        to: '{ connection: hubspot, endpoint: upsert_contacts }',
        mode: 'upsert',
        key: 'email',
        more: ['on_error: { max_failed_rows: 1 }', `write_back: { connection: warehouse, table: ${table} }`, 'run_log: { connection: model, table: sluice_runs }'],
      },
    },
  });

interface ResultRow {
  email: string;
  remote_id: string | null;
  status: string;
  last_error: string | null;
  synced_at: Date;
  run_id: string;
}

interface RunLogRow {
  run_id: string;
  sync: string;
  kind: string;
  status: string;
  trigger: string;
  planned: number;
  added: number;
  changed: number;
  removed: number;
  unchanged: number;
  delivered: number;
  failed: number;
  error: string | null;
}

describe('sluice sync run --baseline with write_back and run_log', () => {
  let dir: string;
  let hubspot: HubSpotSandbox;
  let db: pg.Client;
  const table = `baseline_write_back_${process.pid}_${Date.now()}`;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-baseline-write-back-'));
    await hubspotConnector(dir);
    hubspot = await startHubSpotSandbox({
      rateLimit: { tenSecondly: 1_000_000 },
      seed: { contacts: Array.from({ length: CONTACTS }, (_, i) => ({ email: email(i), firstname: `First ${i}` })) },
    });
    process.env.BASELINE_WB_HUBSPOT_URL = hubspot.url;
    process.env.BASELINE_WB_HUBSPOT_TOKEN = TOKEN;
    db = new pg.Client({ connectionString: PG });
    await db.connect();
    // The 1,000 contacts HubSpot holds, and two it does not.
    const rows = [...Array.from({ length: CONTACTS }, (_, i) => [email(i), `First ${i}`]), ['new@example.com', 'New'], [HOSTILE, 'Odd']];
    writeSqlite(join(dir, 'model.db'), 'CREATE TABLE contacts (email TEXT PRIMARY KEY, firstname TEXT)', { insert: 'INSERT INTO contacts VALUES (?, ?)', values: rows });
  });
  afterEach(async () => {
    delete process.env.BASELINE_WB_HUBSPOT_URL;
    delete process.env.BASELINE_WB_HUBSPOT_TOKEN;
    await db.query(`DROP TABLE IF EXISTS ${table}`);
    await db.end();
    await hubspot.close();
    await rm(dir, { recursive: true, force: true });
  });

  const sluice = async (...args: string[]) => {
    const out = await runSluiceInProcess(['--project', dir, ...args]);
    expect(out.out + out.err).not.toContain(TOKEN);
    return out;
  };
  const writes = () => hubspot.requests().filter((r) => r.method !== 'GET');
  const results = async () => (await db.query<ResultRow>(`SELECT * FROM ${table} ORDER BY email`)).rows;
  const runLog = () => querySqlite<RunLogRow>(join(dir, 'model.db'), 'SELECT * FROM sluice_runs ORDER BY started_at');
  const idOf = (address: string) => hubspot.state.contacts.find((c) => c.properties.email === address)?.id;

  it(`adopting ${CONTACTS} existing contacts writes their ids to the write-back table and the run to the run log, sending no write`, async () => {
    await writeFile(join(dir, 'sluice.yaml'), project(table));
    const baseline = await sluice('sync', 'run', 'contacts', '--baseline');
    expect(baseline.code, baseline.out + baseline.err).toBe(0);
    expect(baseline.out).toContain(`read ${CONTACTS + 2}: ${CONTACTS + 2} to adopt, 0 already delivered`);
    expect(baseline.out).toContain(`adopted ${CONTACTS} as delivered, ${CONTACTS} remote ids found by find_contact`);
    expect(baseline.out).toContain('not found 2, left for the next run to create: ');
    expect(baseline.err).not.toContain('run_log');
    expect(writes(), 'a baseline writes nothing').toEqual([]);
    expect(hubspot.state.contacts).toHaveLength(CONTACTS);

    const [logged] = runLog();
    expect(runLog()).toHaveLength(1);
    expect(logged).toMatchObject({
      sync: 'contacts', kind: 'sync', status: 'succeeded', trigger: 'cli:baseline',
      planned: CONTACTS + 2, added: CONTACTS + 2, changed: 0, removed: 0, unchanged: 0, delivered: CONTACTS, failed: 0, error: null,
    });
    const baselineRun = logged!.run_id;
    expect(baseline.out).toContain(`(run ${baselineRun})`);

    // A row per key: each contact HubSpot holds with the id HubSpot gave it, the two it lacks as not_found.
    const after = await results();
    expect(after).toHaveLength(CONTACTS + 2);
    const expected = [
      ...Array.from({ length: CONTACTS }, (_, i) => ({ email: email(i), remote_id: idOf(email(i)), status: 'delivered', last_error: null, run_id: baselineRun })),
      { email: 'new@example.com', remote_id: null, status: 'not_found', last_error: 'not found by the lookup find_contact: the next run creates it', run_id: baselineRun },
      { email: HOSTILE, remote_id: null, status: 'not_found', last_error: 'not found by the lookup find_contact: the next run creates it', run_id: baselineRun },
    ];
    const byEmail = (rows: { email: string }[]) => [...rows].sort((a, b) => (a.email < b.email ? -1 : a.email > b.email ? 1 : 0));
    expect(byEmail(after.map(({ synced_at: _, ...r }) => r))).toEqual(byEmail(expected));
    expect(after.every((r) => r.remote_id === null || /^\d+$/.test(r.remote_id))).toBe(true);
    expect(new Set(after.map((r) => r.remote_id)).size).toBe(CONTACTS + 1);

    // The next run sends the two HubSpot lacked and writes back their results (a new id; HubSpot's refusal of the odd
    // address); the adopted rows stay as the baseline left them.
    const next = await sluice('sync', 'run', 'contacts');
    expect(next.code, next.out + next.err).toBe(0);
    expect(next.out).toContain(`planned 2: 2 added, 0 changed, 0 removed, ${CONTACTS} unchanged`);
    const nextRun = runLog()[1]!;
    expect(nextRun).toMatchObject({ trigger: 'cli', status: 'succeeded', planned: 2, delivered: 1, failed: 1 });
    const again = await results();
    const row = (rows: ResultRow[], address: string) => rows.find((r) => r.email === address)!;
    expect(row(again, 'new@example.com')).toMatchObject({ remote_id: idOf('new@example.com'), status: 'delivered', last_error: null, run_id: nextRun.run_id });
    expect(row(again, HOSTILE)).toMatchObject({ remote_id: null, status: 'failed', last_error: expect.stringContaining('INVALID_EMAIL'), run_id: nextRun.run_id });
    expect(idOf('new@example.com')).toMatch(/^\d+$/);
    expect(row(again, email(500))).toEqual(row(after, email(500)));
  }, 120_000);

  it('writes back batch by batch: a baseline stopped by a refused lookup leaves the batches it adopted written back', async () => {
    await writeFile(join(dir, 'sluice.yaml'), project(table));
    // Rows are adopted 200 at a time in key order: new@…, o'x…, person0000 to person0197, then 200 a batch. The lookup of
    // person0700 is refused, so its batch (person0598 to person0797) fails the run and the three before it stand.
    hubspot.faults({ status: 403, count: 1, path: `/crm/v3/objects/contacts/${encodeURIComponent(email(700))}` });
    const stopped = await sluice('sync', 'run', 'contacts', '--baseline');
    expect(stopped.code, stopped.out + stopped.err).toBe(1);
    expect(stopped.out).toContain('adopted 598 as delivered, 598 remote ids found by find_contact');
    expect(stopped.out).toContain(`error: lookup of "${email(700)}" failed: 403`);
    expect(writes()).toEqual([]);
    const first = runLog()[0]!;
    expect(first).toMatchObject({ trigger: 'cli:baseline', status: 'failed', delivered: 598, error: expect.stringContaining('403') });
    const adopted = Array.from({ length: 598 }, (_, i) => email(i));
    const kept = await results();
    expect(kept).toHaveLength(600);
    expect(kept.filter((r) => r.status === 'delivered' && r.remote_id === idOf(r.email) && r.run_id === first.run_id).map((r) => r.email).sort()).toEqual(adopted);
    expect(kept.filter((r) => r.status === 'not_found' && r.run_id === first.run_id).map((r) => r.email).sort()).toEqual(['new@example.com', HOSTILE]);

    // A baseline again adopts the rest (what it adopted is delivered already) and writes their rows; the 598 stay as written.
    const again = await sluice('sync', 'run', 'contacts', '--baseline');
    expect(again.code, again.out + again.err).toBe(0);
    expect(again.out).toContain(`read ${CONTACTS + 2}: ${CONTACTS + 2 - 598} to adopt, 598 already delivered`);
    const second = runLog()[1]!;
    const all = await results();
    expect(all).toHaveLength(CONTACTS + 2);
    expect(all.filter((r) => r.run_id === first.run_id).map((r) => r.email).sort()).toEqual(adopted);
    expect(all.filter((r) => r.run_id === second.run_id && r.status === 'delivered' && r.remote_id === idOf(r.email))).toHaveLength(CONTACTS - 598);
    expect(all.filter((r) => r.run_id === second.run_id && r.status === 'not_found').map((r) => r.email).sort()).toEqual(['new@example.com', HOSTILE]);
    expect(writes()).toEqual([]);
  }, 120_000);

  it('a write-back that cannot be written fails the baseline naming the table, and what it adopted stays in the ledger', async () => {
    const secret = 'bwb-Secret-71';
    await writeFile(join(dir, 'sluice.yaml'), project(table, `{ type: postgres, url: "postgres://postgres:${secret}@127.0.0.1:1/test" }`));
    const baseline = await sluice('sync', 'run', 'contacts', '--baseline');
    expect(baseline.code).toBe(1);
    expect(baseline.out).toContain('baseline contacts failed');
    expect(baseline.out).toContain(`error: sync contacts: write_back to table ${table} (connection warehouse) failed for ${CONTACTS + 2} rows: cannot open PostgreSQL:`);
    expect(baseline.out + baseline.err).not.toContain(secret);
    expect(writes()).toEqual([]);
    const [logged] = runLog();
    expect(logged).toMatchObject({ trigger: 'cli:baseline', status: 'failed', delivered: CONTACTS, error: expect.stringContaining(`write_back to table ${table}`) });
    expect(logged!.error).not.toContain(secret);

    // The ledger kept the adoption: the next run (the table still unreachable) sends only the two HubSpot lacks.
    const next = await sluice('sync', 'run', 'contacts');
    expect(next.out).toContain(`planned 2: 2 added, 0 changed, 0 removed, ${CONTACTS} unchanged`);
    expect(hubspot.state.contacts.map((c) => c.properties.email)).toContain('new@example.com');
    expect(hubspot.state.contacts).toHaveLength(CONTACTS + 1);
  }, 120_000);
});
