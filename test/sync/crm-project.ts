import { join } from 'node:path';
import { writeSqlite } from '../support/sqlite-file.js';
import { sluiceYaml, type SyncYaml } from '../support/sluice-yaml.js';

/** The body of a created customer: its id and name. */
const CUSTOMER_BODY = `'{ "id": {{ row.id | json }}, "name": "{{ row.name }}" }'`;

/**
 * The crm connector (crm.yaml) the delivery tests sync into the webhook sandbox with: a bearer token, the API's own
 * error text, and create_customer, which posts to /hooks/customers/<id> and keeps the id the sandbox answers.
 * `concurrency` adds a rate_limit, `retry` replaces Sluice's default retries, `body` and `endpoints` extend it.
 */
export function crmConnector(options: { concurrency?: number; retry?: string; body?: string; endpoints?: string } = {}): string {
  return `name: crm
base_url: http://127.0.0.1:1
auth: [{ type: bearer }]
${options.concurrency ? `rate_limit: { concurrency: ${options.concurrency} }\n` : ''}${options.retry ? `retry: ${options.retry}\n` : ''}error_message: "{{ response.body.error }}"
endpoints:
  create_customer:
    operation: create
    method: POST
    path: "/hooks/customers/{{ row.id }}"
    body: ${options.body ?? CUSTOMER_BODY}
    response: { record_id: "{{ response.body.id }}" }
${options.endpoints ?? ''}`;
}

/** A sluice.yaml with the SQLite model (model.db) and the crm connection, its URL and token from CRM_URL and CRM_TOKEN. */
export function crmProject(syncs: Record<string, SyncYaml>, state?: string): string {
  return sluiceYaml({
    state,
    connections: {
      model: '{ type: sqlite, path: model.db }',
      crm: ['type: http', 'connector: ./crm.yaml', 'base_url: "${env:CRM_URL}"', 'auth: { type: bearer, token: "${env:CRM_TOKEN}" }'],
    },
    syncs,
  });
}

/** The usual sync: the model's customers table, created one by one through create_customer, keyed by id. */
export const CUSTOMERS_SYNC: SyncYaml = {
  from: '{ connection: model, table: customers }',
  to: '{ connection: crm, endpoint: create_customer }',
  mode: 'insert',
  key: 'id',
};

/** Writes model.db in `dir` with a customers table of `n` rows: ids 1 to n, named `customer <id>`. */
export function writeCustomers(dir: string, n: number): void {
  writeSqlite(join(dir, 'model.db'), 'CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)', {
    insert: 'INSERT INTO customers VALUES (?, ?)',
    values: (function* () {
      for (let i = 1; i <= n; i++) yield [i, `customer ${i}`];
    })(),
  });
}
