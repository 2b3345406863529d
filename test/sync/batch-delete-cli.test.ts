// A batch DELETE with no batch.item and no body, the ids in the query string (DESIGN §3: "a batch delete can put
// ids in the query string"): the built-in BigCommerce connector's delete_customers, through the built CLI, in mirror
// mode against the BigCommerce simulator.
import Database from 'better-sqlite3';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startBigCommerceSandbox, type BigCommerceSandbox } from '../../sandbox/bigcommerce/bigcommerce-sandbox.js';
import { runCommand } from '../examples/run-command.js';

const TOKEN = 'sandbox-access-token';

const PROJECT = `version: 1
connections:
  model: { type: sqlite, path: model.db }
  shop:
    type: http
    connector: bigcommerce
    config: { store_hash: sandbox }
    base_url: "\${env:BC_URL}"
    auth: { type: api_key, key: "\${env:BC_TOKEN}" }
syncs:
  customers:
    from: { connection: model, table: customers }
    to: { connection: shop, endpoints: { create: create_customers, update: update_customers, delete: delete_customers } }
    mode: mirror
    key: email
`;

interface Preview {
  operations: Record<string, number>;
  invalid: unknown[];
  requests: { operation: string; keys: string[]; text: string; error?: string }[];
}

describe('a batch DELETE whose ids go in the query string', () => {
  let dir: string;
  let shop: BigCommerceSandbox;
  let db: Database.Database;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-batch-delete-'));
    shop = await startBigCommerceSandbox();
    await writeFile(join(dir, 'sluice.yaml'), PROJECT);
    db = new Database(join(dir, 'model.db'));
    db.exec('CREATE TABLE customers (email TEXT PRIMARY KEY, first_name TEXT, last_name TEXT)');
    const insert = db.prepare('INSERT INTO customers VALUES (?, ?, ?)');
    for (const [email, first, last] of [
      ['aiko@kumo.example', 'Aiko', 'Tanaka'],
      ['ben@delta.example', 'Ben', 'Okafor'],
      ['erin@fjord.example', 'Erin', 'Berg'],
      ['femi@lagos.example', 'Femi', 'Adeyemi'],
    ]) insert.run(email, first, last);
  });
  afterEach(async () => {
    db.close();
    await shop.close();
    await rm(dir, { recursive: true, force: true });
  });

  const sluice = (args: string) =>
    runCommand(`sluice --project ${dir} ${args}`, { cwd: dir, env: { ...process.env, BC_URL: shop.url, BC_TOKEN: TOKEN, SLUICE_SECRET_KEY: '' } });
  const emails = () => shop.state.customers.map((c) => c.email).sort();
  const deletes = () => shop.requests().filter((r) => r.method === 'DELETE');

  it('validates, and deletes the removed keys in one DELETE ?id:in=... with no body, as the preview showed', async () => {
    const spec = await readFile(resolve(__dirname, '../../connectors/bigcommerce.yaml'), 'utf8');
    expect(spec.slice(spec.indexOf('  delete_customers:'), spec.indexOf('streams:'))).not.toContain('item:');
    const validate = await sluice('validate');
    expect(validate.stdout + validate.stderr).not.toContain('error');
    expect(validate.code).toBe(0);

    const first = await sluice('sync run customers');
    expect(first.stdout + first.stderr).toContain('delivered 4, failed 0');
    expect(first.code).toBe(0);
    expect(emails()).toEqual(['aiko@kumo.example', 'ben@delta.example', 'erin@fjord.example', 'femi@lagos.example']);
    const idOf = (email: string) => shop.state.customers.find((c) => c.email === email)!.id;
    const [ben, erin] = [idOf('ben@delta.example'), idOf('erin@fjord.example')];

    db.prepare("DELETE FROM customers WHERE email IN ('ben@delta.example', 'erin@fjord.example')").run();
    const preview = await sluice('sync preview customers --json');
    expect(preview.code).toBe(0);
    const p = JSON.parse(preview.stdout) as Preview;
    expect(p.operations).toEqual({ delete: 2 });
    expect(p.invalid).toEqual([]);
    expect(p.requests).toHaveLength(1);
    expect(p.requests[0]).toMatchObject({ operation: 'delete', keys: ['ben@delta.example', 'erin@fjord.example'] });
    expect(p.requests[0]!.error).toBeUndefined();
    // Both ids in one request's query (`id:in=ben,erin`, percent-encoded), and no body.
    expect(p.requests[0]!.text).toContain(`-X DELETE`);
    expect(decodeURIComponent(p.requests[0]!.text)).toContain(`/stores/sandbox/v3/customers?id:in=${ben},${erin}`);
    expect(p.requests[0]!.text).not.toContain('--data');
    expect(deletes()).toEqual([]);

    const second = await sluice('sync run customers');
    expect(second.stdout + second.stderr).toContain('0 changed, 2 removed, 2 unchanged');
    expect(second.stdout + second.stderr).toContain('delivered 2, failed 0');
    expect(second.code).toBe(0);
    // One request, as previewed; the simulator answers 422 to a DELETE without id:in, so the ids arrived.
    expect(deletes()).toEqual([{ method: 'DELETE', path: '/stores/sandbox/v3/customers', status: 204 }]);
    expect(emails()).toEqual(['aiko@kumo.example', 'femi@lagos.example']);

    const third = await sluice('sync run customers');
    expect(third.stdout + third.stderr).toContain('0 added, 0 changed, 0 removed, 2 unchanged');
    expect(deletes()).toHaveLength(1);
    for (const out of [validate, first, preview, second, third]) expect(out.stdout + out.stderr).not.toContain(TOKEN);
  }, 60_000);
});
