import type pg from 'pg';

// What the pg-to-http benches share: the customers table they read and the sink connector they send to.

/** Creates `table` with `n` customers (id, email, name, score, updated_at), analysed. */
export async function createCustomersTable(admin: pg.Client, table: string, n: number): Promise<void> {
  await admin.query(`CREATE TABLE ${table} (id integer PRIMARY KEY, email text, name text, score integer, updated_at timestamptz)`);
  await admin.query(`INSERT INTO ${table} SELECT i, md5(i::text) || '@example.com', 'customer "' || i || '"', i % 100,
    timestamptz '2026-01-01 00:00:00+00' + i * interval '1 second' FROM generate_series(1, ${n}) i`);
  await admin.query(`VACUUM ANALYZE ${table}`);
}

/**
 * The sink's connector: the built-in webhook one with the bench's batch size and concurrency. Endpoints `post` (one
 * record a request), `post_batch` and `upsert_batch` (`batch` records a request, `{ "records": [...] }`).
 */
export function sinkConnectorYaml(baseUrl: string, options: { concurrency: number; batch: number }): string {
  const batch = (operation: string) => `
    operation: ${operation}
    request: batch
    method: POST
    path: ""
    headers: { Content-Type: application/json }
    batch: { size: ${options.batch}, item: "{{ row | json }}", body: '{ "records": {{ items }} }' }`;
  return `name: sink
base_url: ${baseUrl}
rate_limit: { concurrency: ${options.concurrency} }
endpoints:
  post:
    operation: create
    method: POST
    path: ""
    headers: { Content-Type: application/json }
    body: "{{ row | json }}"
  post_batch:${batch('create')}
  upsert_batch:${batch('upsert')}
`;
}
