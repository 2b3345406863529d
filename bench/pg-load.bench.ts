import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { DeliveryItem } from '../src/rows/delivery-item.js';
import { openPostgresTableEngine } from '../src/databases/postgres/postgres-table-engine.js';
import { createTableDestination } from '../src/destinations/table-destination.js';
import type { Column, Row } from '../src/rows/row.js';
import { printBench } from './bench-line.js';

// Loads 1M rows into PostgreSQL through the table destination (upsert into a new table, in the
// destination's batch size) and, in the same run, through a bare pg-copy-streams COPY of the same
// rows into a table of the same shape (same primary key). The rows are built before either clock starts; each side's
// figure is its median of three runs, alternating, every loaded table dropped before the next run.
const URL = process.env.SLUICE_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ROWS = Number(process.env.SLUICE_BENCH_ROWS ?? 1_000_000);

const columns: Column[] = [
  { name: 'id', type: 'integer', nativeType: 'int8' },
  { name: 'name', type: 'string', nativeType: 'text' },
  { name: 'amount', type: 'decimal', nativeType: 'numeric' },
  { name: 'updated_at', type: 'timestamp', nativeType: 'timestamptz' },
  { name: 'attrs', type: 'json', nativeType: 'jsonb' },
];

function makeRows(n: number): Row[] {
  const rows: Row[] = new Array(n);
  const base = Date.UTC(2026, 0, 1);
  for (let i = 0; i < n; i++) {
    rows[i] = {
      id: i + 1,
      name: i % 10 === 0 ? `Customer ${i}\twith a tab and a \\ backslash` : `Customer ${i}`,
      amount: `${i % 100000}.${String(i % 100).padStart(2, '0')}`,
      updated_at: new Date(base + i * 1000).toISOString(),
      attrs: { tier: i % 3 === 0 ? 'gold' : 'silver', score: i % 1000, tags: ['a', 'b'] },
    };
  }
  return rows;
}

/** The bare way: one COPY of every row, with the minimum of per-value work. */
async function bareCopy(client: pg.Client, table: string, rows: Row[]): Promise<void> {
  const esc = (s: string) => (/[\\\t\n\r]/.test(s) ? s.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!) : s);
  function* text() {
    let chunk = '';
    for (const r of rows) {
      chunk += `${r.id}\t${esc(r.name as string)}\t${r.amount}\t${r.updated_at}\t${esc(JSON.stringify(r.attrs))}\n`;
      if (chunk.length >= 65536) {
        yield chunk;
        chunk = '';
      }
    }
    if (chunk) yield chunk;
  }
  await pipeline(Readable.from(text()), client.query(copyFrom(`COPY ${table} (id, name, amount, updated_at, attrs) FROM STDIN`)));
}

/** Times the bare COPY into a fresh table. */
async function timeBare(client: pg.Client, schema: string, rep: number, rows: Row[]): Promise<number> {
  const table = `${schema}.bare_${rep}`;
  await client.query(`CREATE TABLE ${table} (id bigint PRIMARY KEY, name text, amount numeric, updated_at timestamptz, attrs jsonb)`);
  await client.query('CHECKPOINT');
  const t = performance.now();
  await bareCopy(client, table, rows);
  const seconds = (performance.now() - t) / 1000;
  await expectCount(client, table, rows.length);
  await settle(client, table);
  return rows.length / seconds;
}

/** Times the destination: a new table (created at the first write), upserts in the destination's batch size. */
async function timeDestination(client: pg.Client, schema: string, rep: number, items: DeliveryItem[]): Promise<{ rate: number; size: number }> {
  const name = `loaded_${rep}`;
  await client.query('CHECKPOINT');
  const t = performance.now();
  const destination = createTableDestination({ engine: await openPostgresTableEngine(URL), table: { schema, name }, key: ['id'], columns });
  const size = destination.batchSize('upsert');
  let failed = 0;
  for (let i = 0; i < items.length; i += size) {
    const results = await destination.write(items.slice(i, i + size));
    for (const r of results) if (!r.ok) failed++;
  }
  await destination.close();
  const seconds = (performance.now() - t) / 1000;
  if (failed > 0) throw new Error(`${failed} rows failed`);
  await expectCount(client, `${schema}.${name}`, items.length);
  await settle(client, `${schema}.${name}`);
  return { rate: items.length / seconds, size };
}

/** Drops a loaded table at once: left behind, autovacuum would analyze it during the next trial's clock. */
async function settle(client: pg.Client, table: string): Promise<void> {
  await client.query(`DROP TABLE ${table}`);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
}

async function expectCount(client: pg.Client, table: string, n: number): Promise<void> {
  const { rows } = await client.query(`SELECT count(*)::int AS n FROM ${table}`);
  if (rows[0].n !== n) throw new Error(`${table} has ${rows[0].n} rows, expected ${n}`);
}

async function main(): Promise<void> {
  const schema = `sluice_bench_${randomBytes(4).toString('hex')}`;
  const client = new pg.Client({ connectionString: URL });
  await client.connect();
  await client.query(`CREATE SCHEMA ${schema}`);
  try {
    const rows = makeRows(ROWS);
    const items: DeliveryItem[] = rows.map((row) => ({ key: String(row.id), operation: 'upsert', row, remoteId: null }));
    // Alternating pairs (A-B, B-A, A-B), the median of each side: this machine's speed drifts by tens of percent over
    // seconds, so one run a side compares two different machines.
    const bare: number[] = [];
    const ours: { rate: number; size: number }[] = [];
    for (let rep = 0; rep < 3; rep++) {
      if (rep % 2 === 0) {
        bare.push(await timeBare(client, schema, rep, rows));
        ours.push(await timeDestination(client, schema, rep, items));
      } else {
        ours.push(await timeDestination(client, schema, rep, items));
        bare.push(await timeBare(client, schema, rep, rows));
      }
    }
    printBench([
      {
        name: `pg-load: upsert ${ROWS} rows into a new table, batches of ${ours[0]!.size}`,
        value: median(ours.map((o) => o.rate)),
        unit: 'rows/s',
        reference: { value: median(bare) },
        goal: '>= 0.7',
      },
    ]);
  } finally {
    await client.query(`DROP SCHEMA ${schema} CASCADE`);
    await client.end();
  }
}

await main();
